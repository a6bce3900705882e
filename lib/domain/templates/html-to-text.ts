/**
 * The plain-text part derived from rendered HTML, for templates without a text part. Some clients show
 * only text and spam filters penalise HTML-only mail, so links must survive as visible URLs
 * ("Accept (https://…)") and the layout tables of email HTML must not turn into noise.
 */
export function htmlToText(html: string): string {
  let s = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(head|style|script|title|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, "")
    // Preheaders and other hidden snippets are for the inbox preview, not for reading.
    .replace(/<(div|span|p|td)\b[^>]*style\s*=\s*(["'])[^"']*display\s*:\s*none[^"']*\2[^>]*>[\s\S]*?<\/\1\s*>/gi, "");

  // Whitespace in HTML source is insignificant; line structure comes from the elements below.
  s = s.replace(/\s+/g, " ");

  s = s.replace(/<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi, (_match, attributes: string, inner: string) =>
    linkText(attributes, inner),
  );
  s = s.replace(/<img\b([^>]*)>/gi, (_match, attributes: string) => {
    const alt = attribute(attributes, "alt");
    return alt ? ` ${alt} ` : "";
  });

  s = s
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<hr\b[^>]*>/gi, "\n----\n")
    .replace(/<li\b[^>]*>/gi, "\n- ")
    .replace(/<\/(h[1-6])\s*>/gi, "\n\n")
    .replace(/<(h[1-6])\b[^>]*>/gi, "\n\n")
    .replace(/<\/?(p|div|table|ul|ol|blockquote|section|article|header|footer|pre)\b[^>]*>/gi, "\n\n")
    .replace(/<\/tr\s*>/gi, "\n")
    .replace(/<\/t[dh]\s*>/gi, " ")
    .replace(/<[^>]+>/g, "");

  return decodeEntities(s)
    .split("\n")
    .map((line) => line.replace(/[ \t\u00a0]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function linkText(attributes: string, inner: string): string {
  const href = decodeEntities(attribute(attributes, "href") ?? "").trim();
  const altTexts = [...inner.matchAll(/<img\b([^>]*)>/gi)].map((m) => attribute(m[1] ?? "", "alt") ?? "");
  const text = decodeEntities(inner.replace(/<[^>]+>/g, " ") + altTexts.join(" "))
    .replace(/\s+/g, " ")
    .trim();
  if (!href || href.startsWith("#") || /^javascript:/i.test(href)) return text;
  const shown = href.replace(/^mailto:/i, "");
  if (!text || text === href || text === shown) return shown;
  return `${text} (${shown})`;
}

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(attributes);
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  copy: "©",
  reg: "®",
  trade: "™",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  laquo: "«",
  raquo: "»",
  middot: "·",
  bull: "•",
  euro: "€",
  zwnj: "",
  zwj: "",
  shy: "",
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, entity: string) => {
    if (entity[0] === "#") {
      const code = entity[1] === "x" || entity[1] === "X" ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return NAMED_ENTITIES[entity.toLowerCase()] ?? match;
  });
}
