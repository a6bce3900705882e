import Papa from "papaparse";

export interface RecipientLimits {
  /** Data rows (CSV) or entries (pasted list) per upload. */
  maxRows: number;
  /** UTF-8 size of the whole upload. */
  maxBytes: number;
}

export const DEFAULT_RECIPIENT_LIMITS: RecipientLimits = { maxRows: 10_000, maxBytes: 2 * 1024 * 1024 };

export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 200;
export const MAX_FIELD_LENGTH = 1000;

export type RecipientStatus = "ok" | "duplicate" | "invalid";

export interface RecipientRow {
  /**
   * Where the user finds this entry: the spreadsheet row for CSV (the header is row 1, so data starts at 2), the
   * 1-based position among non-blank entries for a pasted list, 1 for a single address.
   */
  row: number;
  status: RecipientStatus;
  /** As typed (trimmed), for display and for the To: header. */
  email?: string;
  /** Lower-cased `email`: the identity used for duplicates and for the invitation id. */
  emailKey?: string;
  name?: string;
  /** Template variables from the extra CSV columns, keyed by normalised column name. */
  fields: Record<string, string>;
  /** Why the row is "invalid" or "duplicate". */
  reason?: string;
  /**
   * Which values ("name" or a field key) start like a spreadsheet formula. They are stored as typed; anything
   * that writes them to CSV/XLSX must pass them through `escapeSpreadsheetCell` (or Papa.unparse's
   * `escapeFormulae`) so opening the export does not run them.
   */
  formulaLike: string[];
}

export interface RecipientCounts {
  ok: number;
  duplicate: number;
  invalid: number;
}

export type RecipientUploadErrorCode =
  | "too_large"
  | "too_many_rows"
  | "not_utf8"
  | "empty"
  | "malformed_csv"
  | "missing_email_column"
  | "duplicate_column";

export interface RecipientUploadError {
  code: RecipientUploadErrorCode;
  message: string;
}

export type RecipientParseResult =
  | {
      ok: true;
      rows: RecipientRow[];
      /** Normalised names of the CSV columns that became template fields, in file order. */
      columns: string[];
      counts: RecipientCounts;
      /** Things the user should know that did not stop the upload, e.g. a renamed column. */
      warnings: string[];
    }
  | { ok: false; error: RecipientUploadError };

// C0 (tab included), DEL, C1, and U+2028/2029 which some mail clients treat as line breaks.
// eslint-disable-next-line no-control-regex -- finding control characters is the point: they inject headers and lines.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// What spreadsheet apps treat as the start of a formula (CSV injection), with OWASP's leading tab and CR, which
// some apps strip before evaluating what follows.
const FORMULA_START = /^[=+\-@\t\r]/;
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

export function isFormulaLike(value: string): boolean {
  return FORMULA_START.test(value);
}

/** Prefix a formula-looking value with an apostrophe, which spreadsheets show as text and do not evaluate. */
export function escapeSpreadsheetCell(value: string): string {
  return isFormulaLike(value) ? `'${value}` : value;
}

export type EmailCheck = { ok: true; email: string; emailKey: string } | { ok: false; reason: string };

/**
 * A practical check, not RFC 5322: it accepts what real mailboxes look like and refuses what breaks sending or
 * headers. Quoted local parts, IP-literal domains and non-ASCII addresses are refused; no provider we use takes
 * them reliably.
 */
export function checkEmail(raw: string): EmailCheck {
  const email = raw.trim();
  if (email === "") return { ok: false, reason: "Email is missing" };
  if (CONTROL.test(email)) return { ok: false, reason: "Email contains a line break or control character" };
  if (FORMULA_START.test(email)) {
    return { ok: false, reason: `Email cannot start with "${email[0]}"` };
  }
  if (email.length > MAX_EMAIL_LENGTH) {
    return { ok: false, reason: `Email is longer than ${MAX_EMAIL_LENGTH} characters` };
  }
  if (/\s/.test(email)) return { ok: false, reason: "Email contains a space" };
  const at = email.indexOf("@");
  if (at === -1 || at !== email.lastIndexOf("@")) {
    return { ok: false, reason: "Email must contain exactly one @" };
  }
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (!domain.includes(".")) return { ok: false, reason: "The domain after @ must contain a dot, e.g. example.com" };
  if (local.length > 64 || !LOCAL_PART.test(local) || !DOMAIN.test(domain)) {
    return { ok: false, reason: "Not a valid email address" };
  }
  return { ok: true, email, emailKey: email.toLowerCase() };
}

/**
 * Turns a CSV header into a template variable name: "First Name" → "first_name", "Prénom" → "prenom".
 * Returns "" when nothing usable is left (e.g. a header in a non-Latin script).
 */
export function normaliseColumnName(header: string): string {
  const name = header
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  // Template engines read a leading digit as a number, not a name.
  return /^\d/.test(name) ? `_${name}` : name;
}

/**
 * Decodes an uploaded file, refusing anything that is not valid UTF-8 rather than guessing: a Windows-1252
 * export decoded leniently turns every "é" into "�", and the guests would receive that in their greeting.
 * A UTF-8 byte-order mark (Excel's "CSV UTF-8") is dropped.
 */
export function decodeUtf8Strict(
  bytes: Uint8Array,
  limits: Pick<RecipientLimits, "maxBytes"> = DEFAULT_RECIPIENT_LIMITS,
): { ok: true; text: string } | { ok: false; error: RecipientUploadError } {
  if (bytes.byteLength > limits.maxBytes) return { ok: false, error: tooLarge(bytes.byteLength, limits.maxBytes) };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, error: notUtf8() };
  }
  // UTF-16 without a byte-order mark decodes as "valid" UTF-8 with a NUL after every ASCII letter.
  if (text.includes("\u0000")) return { ok: false, error: notUtf8() };
  return { ok: true, text };
}

function notUtf8(): RecipientUploadError {
  return {
    code: "not_utf8",
    message: 'The file is not UTF-8 text. In Excel use "Save As" → "CSV UTF-8 (Comma delimited)", then upload again.',
  };
}

function formatMb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;
}

function tooLarge(bytes: number, max: number): RecipientUploadError {
  return {
    code: "too_large",
    message: `The upload is ${formatMb(bytes)}; the limit is ${formatMb(max)}. Split it into smaller files.`,
  };
}

function tooManyRows(rows: number, max: number): RecipientUploadError {
  return {
    code: "too_many_rows",
    message: `The upload has ${rows.toLocaleString("en-GB")} rows; the limit is ${max.toLocaleString("en-GB")} per upload. Split it into smaller files.`,
  };
}

function checkSize(text: string, limits: RecipientLimits): RecipientUploadError | null {
  // Every UTF-16 unit is at least one UTF-8 byte, so a huge paste is refused without encoding it.
  if (text.length > limits.maxBytes) return tooLarge(text.length, limits.maxBytes);
  const bytes = new TextEncoder().encode(text).byteLength;
  return bytes > limits.maxBytes ? tooLarge(bytes, limits.maxBytes) : null;
}

interface RawRecipient {
  row: number;
  email: string;
  name: string;
  fields: Record<string, string>;
  /** A problem found while reading the row, before its values are checked. */
  problem?: string;
}

/** Validates entries and marks repeats; the first occurrence of an address wins. */
function finish(raw: RawRecipient[], columns: string[], warnings: string[]): RecipientParseResult {
  const firstRowByKey = new Map<string, number>();
  const counts: RecipientCounts = { ok: 0, duplicate: 0, invalid: 0 };
  const rows = raw.map((r) => {
    const row = validateRecipient(r);
    if (row.status === "ok" && row.emailKey !== undefined) {
      const first = firstRowByKey.get(row.emailKey);
      if (first === undefined) {
        firstRowByKey.set(row.emailKey, row.row);
      } else {
        row.status = "duplicate";
        row.reason = `Duplicate of row ${first}`;
      }
    }
    counts[row.status] += 1;
    return row;
  });
  return { ok: true, rows, columns, counts, warnings };
}

// Runs once per row of a 10,000-row upload: no closures or spreads here, they dominate the cost.
function validateRecipient(r: RawRecipient): RecipientRow {
  const fields: Record<string, string> = {};
  const formulaLike: string[] = [];
  const out: RecipientRow = { row: r.row, status: "invalid", fields, formulaLike };
  const typedEmail = r.email.trim();
  if (typedEmail !== "") out.email = typedEmail;
  const name = r.name.trim();
  if (name !== "") out.name = name;

  let reason = r.problem;
  if (reason === undefined) {
    const email = checkEmail(typedEmail);
    if (email.ok) {
      out.email = email.email;
      out.emailKey = email.emailKey;
    } else {
      reason = email.reason;
    }
  }
  if (reason === undefined && CONTROL.test(name)) reason = "Name contains a line break or control character";
  if (reason === undefined && name.length > MAX_NAME_LENGTH) reason = `Name is longer than ${MAX_NAME_LENGTH} characters`;
  // Flag rejected rows too: they are shown back, and may be exported, as a list of problems.
  if (FORMULA_START.test(name)) formulaLike.push("name");
  for (const [key, rawValue] of Object.entries(r.fields)) {
    const value = rawValue.trim();
    fields[key] = value;
    if (reason === undefined && CONTROL.test(value)) reason = `"${key}" contains a line break or control character`;
    if (reason === undefined && value.length > MAX_FIELD_LENGTH) {
      reason = `"${key}" is longer than ${MAX_FIELD_LENGTH} characters`;
    }
    if (FORMULA_START.test(value)) formulaLike.push(key);
  }

  if (reason === undefined) out.status = "ok";
  else out.reason = reason;
  return out;
}

/** One address typed into the "invite a guest" form. */
export function parseSingleRecipient(email: string, name = ""): RecipientRow {
  const result = finish([{ row: 1, email, name, fields: {} }], [], []);
  if (!result.ok) throw new Error("unreachable: a single recipient cannot fail as an upload");
  const [row] = result.rows;
  if (!row) throw new Error("unreachable: one recipient in, one row out");
  return row;
}

/**
 * Splits a pasted list on line breaks, commas and semicolons, except inside "quoted names" and <addresses>, so
 * what Outlook and Gmail copy ("Doe, Jane" <jane@example.com>; bob@example.com) comes out as two guests.
 * A line break always ends an entry, so one stray quote cannot swallow the rest of the list.
 */
function splitList(text: string): string[] {
  const entries: string[] = [];
  let start = 0;
  let inQuotes = false;
  let inAngle = false;
  const push = (end: number) => {
    const entry = text.slice(start, end).trim();
    if (entry !== "") entries.push(entry);
    start = end + 1;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      push(i);
      inQuotes = false;
      inAngle = false;
    } else if (c === 34 && !inAngle) {
      inQuotes = !inQuotes;
    } else if (c === 60 && !inQuotes) {
      inAngle = true;
    } else if (c === 62 && !inQuotes) {
      inAngle = false;
    } else if ((c === 44 || c === 59) && !inQuotes && !inAngle) {
      push(i);
    }
  }
  push(text.length);
  return entries;
}

const NAME_ADDR = /^(.*?)<([^<>]*)>$/s;

function parseListEntry(entry: string, row: number): RawRecipient {
  const m = NAME_ADDR.exec(entry);
  if (m) {
    let name = (m[1] ?? "").trim();
    if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replace(/\\"/g, '"');
    return { row, email: m[2] ?? "", name, fields: {} };
  }
  // Two cells copied from a spreadsheet arrive tab-separated: take the one with an @ as the address.
  const cells = entry.split("\t").map((c) => c.trim()).filter((c) => c !== "");
  if (cells.length === 2) {
    const [a = "", b = ""] = cells;
    if (a.includes("@") !== b.includes("@")) {
      return a.includes("@") ? { row, email: a, name: b, fields: {} } : { row, email: b, name: a, fields: {} };
    }
  }
  return { row, email: entry, name: "", fields: {} };
}

/** A pasted list: one per line or comma/semicolon separated, each `email` or `Name <email>`. */
export function parseRecipientList(
  text: string,
  limits: RecipientLimits = DEFAULT_RECIPIENT_LIMITS,
): RecipientParseResult {
  const sizeError = checkSize(text, limits);
  if (sizeError) return { ok: false, error: sizeError };
  const entries = splitList(text.replace(/^\uFEFF/, ""));
  if (entries.length === 0) return { ok: false, error: { code: "empty", message: "The list is empty." } };
  if (entries.length > limits.maxRows) return { ok: false, error: tooManyRows(entries.length, limits.maxRows) };
  return finish(
    entries.map((entry, i) => parseListEntry(entry, i + 1)),
    [],
    [],
  );
}

function columnLetter(index: number): string {
  let n = index + 1;
  let s = "";
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

function isBlankRecord(cells: string[]): boolean {
  return cells.every((c) => c.trim() === "");
}

/**
 * CSV text with a header row. `email` is required and `name` optional (any case, any spacing); every other column
 * becomes a template field under its normalised name. Excel's ";"-separated exports are detected.
 */
export function parseRecipientCsv(text: string, limits: RecipientLimits = DEFAULT_RECIPIENT_LIMITS): RecipientParseResult {
  const sizeError = checkSize(text, limits);
  if (sizeError) return { ok: false, error: sizeError };

  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { header: false, skipEmptyLines: false });
  const quoteError = parsed.errors.find((e) => e.type === "Quotes");
  if (quoteError) {
    const where = quoteError.row === undefined ? "" : ` near row ${quoteError.row + 1}`;
    return {
      ok: false,
      error: {
        code: "malformed_csv",
        message: `The file has an unmatched quote${where}. Open it in a spreadsheet app and export it as CSV again.`,
      },
    };
  }

  const records = parsed.data;
  const headerIndex = records.findIndex((r) => !isBlankRecord(r));
  const header = records[headerIndex];
  if (headerIndex === -1 || !header) {
    return { ok: false, error: { code: "empty", message: "The file is empty." } };
  }

  const dataIndexes: number[] = [];
  for (let i = headerIndex + 1; i < records.length; i++) {
    const record = records[i];
    if (record && !isBlankRecord(record)) dataIndexes.push(i);
  }
  if (dataIndexes.length > limits.maxRows) {
    return { ok: false, error: tooManyRows(dataIndexes.length, limits.maxRows) };
  }

  const warnings: string[] = [];
  const names = header.map((h) => normaliseColumnName(h));
  // Excel exports trailing separators as unnamed, empty columns: drop those quietly.
  const used = names.map((_, col) => names[col] !== "" || dataIndexes.some((i) => (records[i]?.[col] ?? "").trim() !== ""));
  names.forEach((name, col) => {
    if (name === "" && used[col]) {
      const raw = header[col]?.trim() ?? "";
      names[col] = `column_${columnLetter(col).toLowerCase()}`;
      warnings.push(
        raw === ""
          ? `Column ${columnLetter(col)} has no header; its values are available as "${names[col]}".`
          : `Column ${columnLetter(col)} ("${raw}") is available as "${names[col]}".`,
      );
    }
  });

  const seen = new Map<string, number>();
  for (let col = 0; col < names.length; col++) {
    const name = names[col];
    if (!used[col] || !name) continue;
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      return {
        ok: false,
        error: {
          code: "duplicate_column",
          message: `Columns ${columnLetter(earlier)} and ${columnLetter(col)} are both called "${name}". Rename one of them.`,
        },
      };
    }
    seen.set(name, col);
  }

  const emailCol = seen.get("email");
  if (emailCol === undefined) {
    const found = header.map((h) => h.trim()).filter((h) => h !== "");
    return {
      ok: false,
      error: {
        code: "missing_email_column",
        message: `The first row must be a header with an "email" column. Found: ${found.length > 0 ? found.map((h) => `"${h}"`).join(", ") : "nothing"}.`,
      },
    };
  }
  const nameCol = seen.get("name");
  const fieldCols: Array<[string, number]> = [];
  for (const [name, col] of seen) {
    if (col !== emailCol && col !== nameCol) fieldCols.push([name, col]);
  }

  const raw: RawRecipient[] = [];
  for (const i of dataIndexes) {
    const record = records[i] ?? [];
    const fields: Record<string, string> = {};
    for (const [name, col] of fieldCols) fields[name] = record[col] ?? "";
    const entry: RawRecipient = {
      row: i + 1,
      email: record[emailCol] ?? "",
      name: nameCol === undefined ? "" : (record[nameCol] ?? ""),
      fields,
    };
    // More cells than the header usually means an unquoted comma shifted the values into the wrong columns:
    // sending it would greet someone with their company name.
    if (record.length > names.length && record.slice(names.length).some((c) => c.trim() !== "")) {
      entry.problem = `This row has ${record.length} cells but the header has ${names.length}; check for an unquoted comma`;
    }
    raw.push(entry);
  }

  return finish(
    raw,
    fieldCols.map(([name]) => name),
    warnings,
  );
}
