"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { PreviewTemplateAction, SaveTemplateAction } from "@/components/templates/types";
import { adminAction } from "@/lib/server/admin-action";
import { serviceContext } from "@/lib/server/services";
import { checkTemplate, saveTemplate } from "@/lib/services/templates";

/** Generous for email HTML (the starters are ~5 kB), but bounded: every keystroke is sent here for the preview. */
const draftSchema = z.object({
  name: z.string().max(100),
  subject: z.string().max(2_000),
  html: z.string().max(300_000),
  text: z.string().max(100_000),
});

const templateId = z.string().min(1).max(100).regex(/^[\w-]+$/);

const badRequest = { ok: false, code: "invalid_input", message: "That request was not understood." } as const;
const tooLong = { ok: false, code: "invalid_input", message: "This template is too long to check or save." } as const;

export const previewTemplateAction: PreviewTemplateAction = async (draft) =>
  adminAction("template.preview", async () => {
    const parsed = draftSchema.safeParse(draft);
    if (!parsed.success) return tooLong;
    return { ok: true, check: checkTemplate(parsed.data) };
  });

export const saveTemplateAction: SaveTemplateAction = async (id, draft) =>
  adminAction("template.save", async () => {
    if (!templateId.safeParse(id).success) return badRequest;
    const parsed = draftSchema.safeParse(draft);
    if (!parsed.success) return tooLong;
    const result = await saveTemplate(serviceContext(), id, parsed.data);
    if (!result.ok) return result;
    revalidatePath("/admin/templates", "layout");
    return { ok: true };
  });
