import { z } from "zod";
import { hasControlCharacters, isFormulaLike } from "../email-address";
import { MAX_FIELD_LENGTH, MAX_FIELDS, normaliseColumnName, parseSingleRecipient, type RecipientRow } from "./recipients";

/**
 * An upload leaves the browser in calls of at most this many rows, each one server action: small enough for a
 * progress bar that moves and for one call to finish well inside a request timeout.
 */
export const INVITE_ROWS_PER_CALL = 500;

/**
 * And at most about this many bytes of JSON per call: Next.js refuses server action bodies over 1 MB, and a
 * 2 MB file of few, wide rows would otherwise fit 500 rows into one oversized call.
 */
export const INVITE_BYTES_PER_CALL = 700_000;

/** What the browser sends per row: the values as parsed, nothing it concluded about them. */
export interface InviteRowInput {
  row: number;
  email: string;
  name?: string;
  fields?: Record<string, string>;
}

/**
 * The shape check. Bounds are loose on purpose (a too-long name is a per-row "rejected" the admin can read, not
 * a refused call); they only stop a hand-made request from making the server chew on megabytes.
 */
const rowSchema = z.strictObject({
  row: z.number().int().min(1).max(10_000_000),
  email: z.string().max(2_000),
  name: z.string().max(2_000).optional(),
  fields: z
    .record(
      // Exactly the keys the CSV parser produces, so no "__proto__" or "a.b" reaches a template.
      z.string().max(100).refine((k) => k !== "" && normaliseColumnName(k) === k, "Not a column name"),
      z.string().max(MAX_FIELD_LENGTH * 2),
    )
    .refine((f) => Object.keys(f).length <= MAX_FIELDS, `At most ${MAX_FIELDS} columns`)
    .optional(),
});

export const inviteRowsSchema = z
  .array(rowSchema)
  .min(1, "Nothing to invite")
  .max(INVITE_ROWS_PER_CALL, `At most ${INVITE_ROWS_PER_CALL} rows per call`);

export type InviteRowsCheck = { ok: true; rows: RecipientRow[] } | { ok: false; message: string };

/**
 * The server's own verdict on rows that arrive from a browser: the shape must match or the whole call is refused;
 * then every row is judged again with the same rules the browser used (address, line breaks, control characters,
 * lengths), so a row the browser called "ok" but is not goes back as rejected with its reason. Repeats within the
 * call are duplicates of their first occurrence.
 */
export function revalidateInviteRows(input: unknown): InviteRowsCheck {
  const parsed = inviteRowsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: issue ? `Rows were not in the expected form: ${issue.message}` : "Rows were not in the expected form" };
  }
  const firstRowByKey = new Map<string, number>();
  const rows = parsed.data.map((input): RecipientRow => {
    const row = { ...parseSingleRecipient(input.email, input.name ?? ""), row: input.row };
    const fields: Record<string, string> = {};
    for (const [key, raw] of Object.entries(input.fields ?? {})) {
      const value = raw.trim();
      fields[key] = value;
      if (isFormulaLike(value)) row.formulaLike.push(key);
      if (row.status !== "ok") continue;
      if (hasControlCharacters(value)) {
        row.status = "invalid";
        row.reason = `"${key}" contains a line break or control character`;
      } else if (value.length > MAX_FIELD_LENGTH) {
        row.status = "invalid";
        row.reason = `"${key}" is longer than ${MAX_FIELD_LENGTH} characters`;
      }
    }
    row.fields = fields;
    if (row.status === "ok" && row.emailKey !== undefined) {
      const first = firstRowByKey.get(row.emailKey);
      if (first === undefined) firstRowByKey.set(row.emailKey, row.row);
      else {
        row.status = "duplicate";
        row.reason = `Duplicate of row ${first}`;
      }
    }
    return row;
  });
  return { ok: true, rows };
}

/** The part of a parsed row worth sending: the server re-derives everything else. */
export function toInviteRowInput(row: RecipientRow): InviteRowInput {
  const out: InviteRowInput = { row: row.row, email: row.email ?? "" };
  if (row.name) out.name = row.name;
  if (Object.keys(row.fields).length > 0) out.fields = row.fields;
  return out;
}

const utf8 = new TextEncoder();

/**
 * Splits rows into server-action calls by both limits. A single row over the byte limit still travels alone:
 * the server then judges it, rather than the browser silently dropping it.
 */
export function chunkInviteRows(
  rows: readonly InviteRowInput[],
  limits: { rows: number; bytes: number } = { rows: INVITE_ROWS_PER_CALL, bytes: INVITE_BYTES_PER_CALL },
): InviteRowInput[][] {
  const chunks: InviteRowInput[][] = [];
  let current: InviteRowInput[] = [];
  let bytes = 2;
  for (const row of rows) {
    const size = utf8.encode(JSON.stringify(row)).byteLength + 1;
    if (current.length > 0 && (current.length >= limits.rows || bytes + size > limits.bytes)) {
      chunks.push(current);
      current = [];
      bytes = 2;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
