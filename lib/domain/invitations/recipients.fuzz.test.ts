import fc from "fast-check";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { hasControlCharacters, parseEmailAddress } from "../email-address";
import {
  MAX_FIELD_LENGTH,
  MAX_NAME_LENGTH,
  normaliseColumnName,
  parseRecipientCsv,
  parseRecipientList,
  type RecipientParseResult,
} from "./recipients";

/**
 * Whatever an admin uploads or pastes, the parser answers with rows or a clear refusal, never an exception,
 * and what it calls "ok" is safe to send: a valid, unique address, and no line break in anything that reaches
 * a header or a template.
 */

const RUNS = { numRuns: 300 };
const SMALL_LIMITS = { maxRows: 50, maxBytes: 20_000 };

/** Text that looks like CSV: separators, quotes, line ends, BOMs, control characters, any Unicode. */
const csvish = fc
  .array(
    fc.oneof(
      fc.constantFrom(",", ";", "\t", '"', '""', "\n", "\r\n", "\r", "\uFEFF", "\u2028", "=", "@", "email", "name", "Email ", " NAME"),
      fc.string({ unit: "binary", maxLength: 12 }),
      fc.emailAddress(),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(""));

function expectSafeRows(result: RecipientParseResult) {
  if (!result.ok) {
    expect(result.error.message.length).toBeGreaterThan(0);
    return;
  }
  const { rows, counts } = result;
  expect(counts.ok + counts.duplicate + counts.invalid).toBe(rows.length);
  const keys = new Set<string>();
  for (const row of rows) {
    expect(row.row).toBeGreaterThanOrEqual(1);
    if (row.status !== "ok") {
      expect(row.reason, `row ${row.row} is ${row.status} without a reason`).toBeTruthy();
      continue;
    }
    const email = parseEmailAddress(row.email ?? "");
    if (!email.ok) throw new Error(`row ${row.row} is ok with an invalid address: ${row.email}`);
    expect(row.emailKey).toBe(email.key);
    expect(keys.has(row.emailKey!), `${row.emailKey} is ok twice`).toBe(false);
    keys.add(row.emailKey!);
    expect(hasControlCharacters(row.name ?? "")).toBe(false);
    expect((row.name ?? "").length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    for (const [key, value] of Object.entries(row.fields)) {
      expect(normaliseColumnName(key)).toBe(key);
      expect(hasControlCharacters(value)).toBe(false);
      expect(value.length).toBeLessThanOrEqual(MAX_FIELD_LENGTH);
    }
  }
}

describe("the recipient parsers under arbitrary input", () => {
  it("answer any CSV-like text with safe rows or a refusal", () => {
    fc.assert(fc.property(csvish, (text) => expectSafeRows(parseRecipientCsv(text, SMALL_LIMITS))), RUNS);
  });

  it("answer any pasted text with safe rows or a refusal", () => {
    fc.assert(fc.property(csvish, (text) => expectSafeRows(parseRecipientList(text, SMALL_LIMITS))), RUNS);
  });

  it("keep every valid address of a well-formed file, whatever the other cells hold", () => {
    const cell = fc.string({ unit: "binary", maxLength: 30 });
    const record = fc.record({ email: fc.emailAddress(), name: cell, company: cell });
    fc.assert(
      fc.property(fc.uniqueArray(record, { minLength: 1, maxLength: 20, selector: (r) => r.email.toLowerCase() }), (records) => {
        const text = Papa.unparse(records, { columns: ["email", "name", "company"] });
        const result = parseRecipientCsv(text, SMALL_LIMITS);
        expectSafeRows(result);
        if (!result.ok) return;
        // Every row is accounted for: ok, or refused with a reason (fast-check's addresses may exceed our rules).
        expect(result.rows).toHaveLength(records.length);
        for (const row of result.rows.filter((r) => r.status === "ok")) {
          const source = records.find((r) => r.email.toLowerCase() === row.emailKey);
          expect(source).toBeDefined();
          // A column empty in every row is left out of the template variables altogether.
          expect(row.fields.company ?? "").toBe(source!.company.trim());
        }
      }),
      { numRuns: 150 },
    );
  });
});
