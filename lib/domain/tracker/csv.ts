import { escapeSpreadsheetCell } from "../invitations/recipients";

/**
 * CSV as spreadsheets read it (RFC 4180, CRLF rows), safe to open: a cell that a spreadsheet would evaluate
 * (=, +, -, @, or a leading tab or CR) gets a leading apostrophe, which shows it as text. Numbers stay numbers.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  const safe = escapeSpreadsheetCell(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvRow(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
