import { docRef, type Snapshot } from "@/lib/adapters/firestore/collection";
import { fieldOps } from "@/lib/adapters/firestore/db";
import { collections, type TemplateDoc } from "@/lib/adapters/firestore/schemas";
import { renderTemplate, type RenderedEmail } from "@/lib/domain/templates/render";
import { sampleData } from "@/lib/domain/templates/sample-data";
import { STARTER_TEMPLATES } from "@/lib/domain/templates/starters";
import { validateTemplate, type TemplateProblem } from "@/lib/domain/templates/validate";
import { templateVariables } from "@/lib/domain/templates/variables";
import type { Result, ServiceContext } from "./context";

export const templateRef = (id: string) => docRef(collections.templates, id);

/** The template every acceptance confirmation is rendered with. */
export const CONFIRMATION_TEMPLATE_ID = "acceptance";
/** The template of the optional "sorry you can't make it" email. */
export const DECLINE_NOTICE_TEMPLATE_ID = "decline";
/** The template every reminder to a guest who has not answered is rendered with. */
export const REMINDER_TEMPLATE_ID = "reminder";

/**
 * Creates the starter templates that are missing (invitation, reminder, acceptance confirmation, decline notice). create()
 * never overwrites an admin's edits; reads are one per starter, once per call.
 */
export async function ensureStarterTemplates(ctx: Pick<ServiceContext, "db" | "clock">): Promise<void> {
  const existing = await ctx.db.getAll("template.starters", STARTER_TEMPLATES.map((t) => templateRef(t.id)));
  const batch = ctx.db.batch("template.starters");
  STARTER_TEMPLATES.forEach((starter, i) => {
    if (existing[i]) return;
    batch.create(templateRef(starter.id), {
      name: starter.name,
      kind: starter.id,
      subject: starter.subject,
      html: starter.html,
      text: starter.text,
      builtIn: true,
      updatedAt: ctx.clock.now(),
    });
  });
  await batch.commit();
}

export async function listTemplates(ctx: Pick<ServiceContext, "db" | "clock">): Promise<Snapshot<TemplateDoc>[]> {
  await ensureStarterTemplates(ctx);
  return ctx.db.query("template.list", collections.templates, { orderBy: [["name", "asc"]], limit: 100 });
}

export interface TemplateInput {
  name: string;
  subject: string;
  html: string;
  text?: string;
}

/** Any CSV column may be used as {{invitee.fields.<column>}}; everything else must be a known variable. */
const ALLOWED = templateVariables(["*"]);

export function checkTemplate(input: TemplateInput): { ok: true; preview: RenderedEmail } | { ok: false; errors: TemplateProblem[] } {
  const template = { subject: input.subject, html: input.html, text: input.text?.trim() ? input.text : undefined };
  const validation = validateTemplate(template, ALLOWED);
  if (!validation.ok) return validation;
  try {
    return { ok: true, preview: renderTemplate(template, sampleData()) };
  } catch (error) {
    return { ok: false, errors: [{ part: "html", message: (error as Error).message }] };
  }
}

/** Saves a template only if it validates: an email that cannot render must never reach the queue. */
export async function saveTemplate(
  ctx: Pick<ServiceContext, "db" | "clock">,
  id: string,
  input: TemplateInput,
): Promise<Result<{ preview: RenderedEmail }, "invalid_input" | "not_found">> {
  const checked = checkTemplate(input);
  if (!checked.ok) {
    return {
      ok: false,
      code: "invalid_input",
      message: checked.errors.map((e) => `${e.part}: ${e.message}`).join("\n"),
      fieldErrors: Object.fromEntries(checked.errors.map((e) => [e.part, e.message])),
    };
  }
  const current = await ctx.db.get("template.save", templateRef(id));
  if (!current) return { ok: false, code: "not_found", message: "That template does not exist" };
  await ctx.db.update("template.save", templateRef(id), {
    name: input.name.trim() || current.data.name,
    subject: input.subject,
    html: input.html,
    text: input.text?.trim() ? input.text : fieldOps.delete(),
    updatedAt: ctx.clock.now(),
  });
  return { ok: true, preview: checked.preview };
}
