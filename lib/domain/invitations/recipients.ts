import Papa from "papaparse";
import { hasControlCharacters, isFormulaLike, parseEmailAddress } from "../email-address";
import { columnLetter, guessColumns, type ColumnMapping, type RecipientTable } from "./columns";

export interface RecipientLimits {
  /** Data rows (CSV) or entries (pasted list) per upload. */
  maxRows: number;
  /** UTF-8 size of the whole upload. */
  maxBytes: number;
}

export const DEFAULT_RECIPIENT_LIMITS: RecipientLimits = { maxRows: 10_000, maxBytes: 2 * 1024 * 1024 };

export const MAX_NAME_LENGTH = 200;
export const MAX_FIELD_LENGTH = 1000;
/** Template variables per guest: past this, a file is an address book dump, not a guest list. */
export const MAX_FIELDS = 100;

export type RecipientStatus = "ok" | "duplicate" | "invalid";

export interface RecipientRow {
  /**
   * Where the user finds this entry: the spreadsheet row for CSV (the header is row 1, so data starts at 2), the
   * 1-based position among non-blank entries for a pasted list, 1 for a single address.
   */
  row: number;
  status: RecipientStatus;
  /** As typed (trimmed), with an internationalised domain shown in Unicode; adapters encode it for sending. */
  email?: string;
  /** The ASCII form lower-cased (see `EmailAddress.key`): the identity used for duplicates and the invitation id. */
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
  | "duplicate_column"
  | "too_many_columns";

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

/** Prefix a formula-looking value with an apostrophe, which spreadsheets show as text and do not evaluate. */
export function escapeSpreadsheetCell(value: string): string {
  return isFormulaLike(value) ? `'${value}` : value;
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
    const email = parseEmailAddress(typedEmail);
    if (email.ok) {
      out.email = email.display;
      out.emailKey = email.key;
    } else {
      reason = email.reason;
    }
  }
  if (reason === undefined && hasControlCharacters(name)) reason = "Name contains a line break or control character";
  if (reason === undefined && name.length > MAX_NAME_LENGTH) reason = `Name is longer than ${MAX_NAME_LENGTH} characters`;
  // Flag rejected rows too: they are shown back, and may be exported, as a list of problems.
  if (isFormulaLike(name)) formulaLike.push("name");
  for (const [key, rawValue] of Object.entries(r.fields)) {
    const value = rawValue.trim();
    fields[key] = value;
    if (reason === undefined && hasControlCharacters(value)) reason = `"${key}" contains a line break or control character`;
    if (reason === undefined && value.length > MAX_FIELD_LENGTH) {
      reason = `"${key}" is longer than ${MAX_FIELD_LENGTH} characters`;
    }
    if (isFormulaLike(value)) formulaLike.push(key);
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

function isBlankRecord(cells: string[]): boolean {
  return cells.every((c) => c.trim() === "");
}

export type RecipientTableResult = { ok: true; table: RecipientTable } | { ok: false; error: RecipientUploadError };

/**
 * Reads CSV text into cells: Excel's ";"-separated exports are detected, a byte-order mark is dropped, quoted
 * cells keep their commas and line breaks. Which column is which is decided afterwards (see ./columns).
 */
export function readRecipientTable(text: string, limits: RecipientLimits = DEFAULT_RECIPIENT_LIMITS): RecipientTableResult {
  const sizeError = checkSize(text, limits);
  if (sizeError) return { ok: false, error: sizeError };

  const body = text.replace(/^\uFEFF/, "");
  // Papa guesses the separator from the average number of cells per line, blank lines included, so a two-column
  // list that ends with a line break averages under two and is read as one column. Guess from lines with content.
  const sample = body.split(/\r\n|\n|\r/, 200).filter((line) => line.trim() !== "").join("\n");
  const { delimiter } = Papa.parse<string[]>(sample, { preview: 100 }).meta;
  const parsed = Papa.parse<string[]>(body, { header: false, skipEmptyLines: false, delimiter });
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
  const filled: number[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (record && !isBlankRecord(record)) filled.push(i);
  }
  if (filled.length === 0) return { ok: false, error: { code: "empty", message: "The file is empty." } };
  // Whether the first row is a header is decided later; one row more than the limit is too many either way.
  if (filled.length > limits.maxRows + 1) return { ok: false, error: tooManyRows(filled.length - 1, limits.maxRows) };
  return { ok: true, table: { records, filled } };
}

function listOf(names: string[], max = 5): string {
  const shown = names.slice(0, max).map((n) => `"${n}"`).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/**
 * Guests from a table, read with the organiser's mapping. The address column and a full-name column are
 * Herald's own; every other column with a value becomes a template field under its normalised name (first and
 * last name columns too, so a template can greet by first name). Columns empty in every row are left out.
 */
export function parseRecipientTable(
  table: RecipientTable,
  mapping: ColumnMapping,
  limits: RecipientLimits = DEFAULT_RECIPIENT_LIMITS,
): RecipientParseResult {
  const { records } = table;
  const header = mapping.headerRow ? (records[table.filled[0] ?? -1] ?? []) : null;
  const dataIndexes = mapping.headerRow ? table.filled.slice(1) : table.filled;
  if (dataIndexes.length > limits.maxRows) return { ok: false, error: tooManyRows(dataIndexes.length, limits.maxRows) };

  let width = header?.length ?? 0;
  if (!header) for (const i of dataIndexes) width = Math.max(width, records[i]?.length ?? 0);
  if (mapping.email >= width) {
    return { ok: false, error: { code: "missing_email_column", message: "Choose the column that holds the email addresses." } };
  }

  const warnings: string[] = [];
  const used = Array.from({ length: width }, (_, col) => dataIndexes.some((i) => (records[i]?.[col] ?? "").trim() !== ""));
  const names = Array.from({ length: width }, (_, col) => (header ? normaliseColumnName(header[col] ?? "") : ""));
  const leftOut: string[] = [];
  names.forEach((name, col) => {
    const raw = header?.[col]?.trim() ?? "";
    if (!used[col]) {
      // Excel exports trailing separators as unnamed, empty columns: those go quietly.
      if (raw !== "") leftOut.push(raw);
      return;
    }
    if (name !== "") return;
    names[col] = `column_${columnLetter(col).toLowerCase()}`;
    if (!header) return;
    warnings.push(
      raw === ""
        ? `Column ${columnLetter(col)} has no header; its values are available as "${names[col]}".`
        : `Column ${columnLetter(col)} ("${raw}") is available as "${names[col]}".`,
    );
  });
  if (leftOut.length > 0) {
    warnings.push(`Left out ${leftOut.length === 1 ? "an empty column" : `${leftOut.length} empty columns`}: ${listOf(leftOut)}.`);
  }

  const seen = new Map<string, number>();
  for (let col = 0; col < width; col++) {
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

  const nameCol = mapping.name === mapping.email ? null : mapping.name;
  const lastCol = mapping.lastName === mapping.email ? null : mapping.lastName;
  const fieldCols: Array<[string, number]> = [];
  for (const [name, col] of seen) {
    if (col !== mapping.email && !(col === nameCol && lastCol === null)) fieldCols.push([name, col]);
  }
  if (fieldCols.length > MAX_FIELDS) {
    return {
      ok: false,
      error: {
        code: "too_many_columns",
        message: `The file has ${fieldCols.length} columns with values besides the address and name; at most ${MAX_FIELDS} can become template variables. Delete the columns you do not need and upload again.`,
      },
    };
  }

  const raw: RawRecipient[] = [];
  for (const i of dataIndexes) {
    const record = records[i] ?? [];
    const fields: Record<string, string> = {};
    for (const [name, col] of fieldCols) fields[name] = record[col] ?? "";
    const first = nameCol === null ? "" : (record[nameCol] ?? "").trim();
    const last = lastCol === null ? "" : (record[lastCol] ?? "").trim();
    const entry: RawRecipient = {
      row: i + 1,
      email: record[mapping.email] ?? "",
      name: first !== "" && last !== "" ? `${first} ${last}` : first || last,
      fields,
    };
    // More cells than the header usually means an unquoted comma shifted the values into the wrong columns:
    // sending it would greet someone with their company name.
    if (header && record.length > header.length && record.slice(header.length).some((c) => c.trim() !== "")) {
      entry.problem = `This row has ${record.length} cells but the header has ${header.length}; check for an unquoted comma`;
    }
    raw.push(entry);
  }

  return finish(
    raw,
    fieldCols.map(([name]) => name),
    warnings,
  );
}

/** CSV text read with the best guess of its columns (or the mapping given): the whole path in one call. */
export function parseRecipientCsv(
  text: string,
  limits: RecipientLimits = DEFAULT_RECIPIENT_LIMITS,
  mapping?: ColumnMapping,
): RecipientParseResult {
  const read = readRecipientTable(text, limits);
  if (!read.ok) return read;
  const columns = mapping ?? guessColumns(read.table);
  if (!columns) {
    const first = (read.table.records[read.table.filled[0]!] ?? []).map((h) => h.trim()).filter((h) => h !== "");
    return {
      ok: false,
      error: {
        code: "missing_email_column",
        message: `No column holds email addresses. Found: ${first.length > 0 ? listOf(first, 10) : "nothing"}.`,
      },
    };
  }
  return parseRecipientTable(read.table, columns, limits);
}
