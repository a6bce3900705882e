import type { Snapshot } from "@/lib/adapters/firestore/collection";
import type { TemplateDoc } from "@/lib/adapters/firestore/schemas";
import type { ServiceContext } from "./context";
import { ensureStarterTemplates, templateRef } from "./templates";

/**
 * One template for the editor. The starters are created first, so following a link to a starter works on a
 * fresh database too (listTemplates does the same for the list).
 */
export async function getTemplate(ctx: Pick<ServiceContext, "db" | "clock">, id: string): Promise<Snapshot<TemplateDoc> | null> {
  const found = await ctx.db.get("template.get", templateRef(id));
  if (found) return found;
  await ensureStarterTemplates(ctx);
  return ctx.db.get("template.get", templateRef(id));
}
