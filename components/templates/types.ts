import type { ActionResult } from "@/components/events/types";

/** What the template editor's client components receive and what their server actions return. */

export interface TemplateDraft {
  name: string;
  subject: string;
  html: string;
  text: string;
}

export type TemplatePartName = "subject" | "html" | "text";

export interface TemplateProblemView {
  part: TemplatePartName;
  message: string;
  line?: number;
  column?: number;
}

export interface RenderedPreview {
  subject: string;
  html: string;
  text: string;
}

export type TemplateCheckView = { ok: true; preview: RenderedPreview } | { ok: false; errors: TemplateProblemView[] };

export interface VariableInfo {
  /** Dotted path, e.g. "invitee.name". */
  name: string;
  /** What it holds for the sample guest, or null when the sample leaves it empty. */
  sample: string | null;
}

export type PreviewTemplateAction = (draft: TemplateDraft) => Promise<ActionResult<{ check: TemplateCheckView }>>;
export type SaveTemplateAction = (id: string, draft: TemplateDraft) => Promise<ActionResult>;
