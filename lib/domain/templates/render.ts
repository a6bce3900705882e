import { compile, handlebars, type PartMode, walk } from "./environment";
import { htmlToText } from "./html-to-text";
import type { TemplateData } from "./variables";

export interface EmailTemplate {
  subject: string;
  html: string;
  /** Optional: derived from the rendered HTML when absent or blank. */
  text?: string | null;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export type TemplatePart = "subject" | "html" | "text";

/**
 * A template that cannot be rendered with the given data. Expected to be rare: templates are validated when
 * saved, so this means data and template drifted apart (a CSV column was removed, say).
 */
export class TemplateRenderError extends Error {
  constructor(
    readonly part: TemplatePart,
    readonly detail: string,
  ) {
    super(`Cannot render the ${part}: ${detail}`);
    this.name = "TemplateRenderError";
  }
}

/**
 * Renders one email. Pure: the same template and data always give the same output. Values are HTML-escaped
 * in the html part only; the subject and text are plain text and get the values as they are.
 */
export function renderTemplate(template: EmailTemplate, data: TemplateData): RenderedEmail {
  const subject = renderPart("subject", template.subject, "plain", data)
    // A header is one line; a newline in an event title must not fold or break it.
    .replace(/\s+/g, " ")
    .trim();
  const html = renderPart("html", template.html, "html", data);
  const text =
    template.text && template.text.trim() !== ""
      ? renderPart("text", template.text, "plain", data).trim()
      : htmlToText(html);
  return { subject, html, text };
}

function renderPart(part: TemplatePart, source: string, mode: PartMode, data: TemplateData): string {
  try {
    return compile(source, mode)(data);
  } catch (error) {
    throw new TemplateRenderError(part, describe(error, source));
  }
}

/** Strict-mode errors name only the last segment ("nmae"); point at the whole path and where it is. */
function describe(error: unknown, source: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const missing = /^"([^"]+)" not defined in .*? - (\d+):(\d+)$/s.exec(message);
  if (!missing) return message.split("\n")[0] ?? message;
  const [, name, line, column] = missing;
  const path = pathAt(source, Number(line), Number(column)) ?? name;
  return `unknown variable "${path}" (line ${line}, column ${Number(column) + 1})`;
}

function pathAt(source: string, line: number, column: number): string | undefined {
  let found: string | undefined;
  walk(handlebars.parse(source), (node) => {
    if (node.type === "PathExpression" && node.loc.start.line === line && node.loc.start.column === column) {
      found = (node as hbs.AST.PathExpression).original;
    }
  });
  return found;
}
