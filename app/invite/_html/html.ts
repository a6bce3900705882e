/**
 * A minimal escaping HTML builder for the invitation pages. They are served by route handlers, because an App
 * Router page can only answer 200, 404, 401, 403 or a redirect and an expired link must answer 410; route
 * handlers cannot use react-dom/server (Next refuses the import in the server-component layer), so markup is
 * built here. Every interpolated value is escaped unless it is already `Html`, so the only way to emit
 * markup is to write it in a template literal in this folder.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  // null, undefined and false render nothing, so `${cond && html`…`}` reads like JSX.
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/**
 * Attribute values must be written double-quoted (`href="${url}"`): quotes are escaped, so a value cannot
 * close its attribute. Never interpolate into <script> or <style>: pass data through data-* attributes.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}

/** Trusted constant markup (the stylesheet, the enhancement script); never for anything derived from input. */
export function trusted(markup: string): Html {
  return new Html(markup);
}
