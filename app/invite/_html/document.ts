import { createHash } from "node:crypto";
import { html, trusted, type Html } from "./html";

/**
 * The invitation pages' stylesheet. Route handlers cannot link the App Router's compiled globals.css, so the
 * design tokens and the few classes these pages use are repeated here with the same names and values; keep
 * them in step with app/globals.css. Inline, so a phone on a poor connection needs one request.
 */
const STYLES = `
:root {
  --bg: #f6f7f9; --surface: #ffffff; --text: #1b1f24; --muted: #4f5863; --border: #d5dae0;
  --accent: #2c4fd8; --accent-text: #ffffff; --danger: #b42318; --danger-bg: #fef3f2;
  --ok: #1a7f37; --ok-bg: #ecfdf3; --warn: #8a5a00; --warn-bg: #fff8e6; --radius: 10px; --focus: #9db4ff;
  color-scheme: light dark;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--text); background: var(--bg); line-height: 1.5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111418; --surface: #1b2027; --text: #eef1f4; --muted: #b3bcc6; --border: #36404b;
    --accent: #8fa8ff; --accent-text: #0b1020; --danger: #ff8a80; --danger-bg: #3a1715;
    --ok: #6fdc8c; --ok-bg: #10301c; --warn: #ffd27a; --warn-bg: #3a2c08;
  }
}
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; }
h1 { font-size: 1.6rem; margin: 0; line-height: 1.25; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 0; }
p { margin: 0; }
a { color: var(--accent); overflow-wrap: anywhere; }
/* An outline rather than globals.css's box-shadow: it survives forced-colors (high contrast) mode. */
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.invite { max-width: 36rem; margin: 0 auto; padding: 1rem; }
.stack { display: flex; flex-direction: column; gap: 1rem; }
.row { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; }
.muted { color: var(--muted); }
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 1.25rem; }
.button {
  font: inherit; display: inline-flex; align-items: center; justify-content: center; gap: 0.4rem;
  min-height: 48px; padding: 0.6rem 1.25rem; border-radius: 8px; border: 1px solid var(--border);
  background: var(--surface); color: var(--text); cursor: pointer; text-decoration: none; font-weight: 600;
}
.button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
.answer .button { flex: 1 1 9rem; }
.banner { padding: 0.75rem 1rem; border-radius: var(--radius); border: 1px solid; font-weight: 600; }
.banner.danger { background: var(--danger-bg); color: var(--danger); border-color: var(--danger); }
.banner.warn { background: var(--warn-bg); color: var(--warn); border-color: var(--warn); }
.banner.ok { background: var(--ok-bg); color: var(--ok); border-color: var(--ok); }
.status:empty { display: none; }
.details { display: grid; grid-template-columns: minmax(5.5rem, max-content) 1fr; gap: 0.5rem 1rem; margin: 0; }
.details dt { font-weight: 600; color: var(--muted); }
.details dd { margin: 0; min-width: 0; }
.description { white-space: pre-line; overflow-wrap: anywhere; }
`;

/**
 * Progressive enhancement: the server cannot know the viewer's zone, so the event's own zone is printed and
 * the browser adds the viewer's time when it differs. Reads its data from data-* attributes, never from
 * interpolated script text.
 */
const LOCAL_TIME_SCRIPT = `
(function () {
  var el = document.querySelector("[data-local-time]");
  if (!el || typeof Intl === "undefined") return;
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone || zone === el.getAttribute("data-zone")) return;
    var format = new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit"
    });
    var start = new Date(el.getAttribute("data-start"));
    var end = new Date(el.getAttribute("data-end"));
    var range = format.formatRange ? format.formatRange(start, end) : format.format(start) + " – " + format.format(end);
    el.textContent = "Your time: " + range + " (" + zone + ")";
    el.hidden = false;
  } catch (e) {}
})();
`;

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/**
 * Only our own inline style and script may run, forms may only post back here, and nothing is fetched from
 * anywhere: a page that carries a secret link in its URL loads no third-party resource.
 */
export const INVITE_CSP = [
  "default-src 'none'",
  `style-src ${sha256(STYLES)}`,
  `script-src ${sha256(LOCAL_TIME_SCRIPT)}`,
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function htmlDocument(options: { title: string; body: Html; enhance?: boolean }): string {
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${options.title}</title>
<style>${trusted(STYLES)}</style>
</head>
<body>
<main class="invite stack" id="main">
${options.body}
</main>
${options.enhance ? html`<script>${trusted(LOCAL_TIME_SCRIPT)}</script>` : null}
</body>
</html>`}`;
}
