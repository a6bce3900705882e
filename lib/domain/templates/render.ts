import { compile as compileHtmlToText, type FormatCallback } from "html-to-text";
import { compile, handlebars, type PartMode, walk } from "./environment";
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

/** An image becomes its alt text (an image-only link keeps a name); the file name says nothing to a reader. */
const altText: FormatCallback = (element, _walk, builder) => {
  const alt = element.attribs?.alt;
  if (alt) builder.addInline(alt);
};

/**
 * The plain-text part derived from the rendered HTML, for templates without one: some clients show only text
 * and spam filters penalise HTML-only mail. Links stay visible as "text (url)", the hidden preheader (for the
 * inbox preview) goes, layout tables become plain lines, headings keep their case, and lines are not wrapped
 * (a wrapped link stops working).
 */
const htmlToText = compileHtmlToText({
  wordwrap: false,
  formatters: { altText },
  selectors: [
    { selector: "a", options: { linkBrackets: ["(", ")"], hideLinkHrefIfSameAsText: true } },
    { selector: "img", format: "altText" },
    ...(["h1", "h2", "h3", "h4", "h5", "h6"] as const).map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: "ul", options: { itemPrefix: "- " } },
    ...(["table", "tr", "td", "th"] as const).map((selector) => ({ selector, format: "block", options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } })),
    { selector: "[style*='display:none' i]", format: "skip" },
    { selector: "[style*='display: none' i]", format: "skip" },
  ],
});

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
      : // A layout table's spacer cells (&nbsp;) would leave lines of blanks between the real ones.
        htmlToText(html).replace(/^[^\S\n]+$/gm, "").replace(/\n{3,}/g, "\n\n");
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
