import { describe, expect, it } from "vitest";
import { parseRecipientCsv } from "./recipients";
import { chunkInviteRows, INVITE_ROWS_PER_CALL, revalidateInviteRows, toInviteRowInput, type InviteRowInput } from "./upload";

function rowsOf(input: unknown) {
  const checked = revalidateInviteRows(input);
  if (!checked.ok) throw new Error(checked.message);
  return checked.rows;
}

describe("revalidateInviteRows", () => {
  it("accepts what the browser parser produced and keeps names, fields and row numbers", () => {
    const parsed = parseRecipientCsv("email,name,Company\nada@example.com,Ada,ACME\n");
    if (!parsed.ok) throw new Error(parsed.error.message);
    const rows = rowsOf(parsed.rows.map(toInviteRowInput));
    expect(rows).toEqual([
      expect.objectContaining({ row: 2, status: "ok", email: "ada@example.com", emailKey: "ada@example.com", name: "Ada", fields: { company: "ACME" } }),
    ]);
  });

  it("judges every row again: a row the browser called ok but is not comes back invalid with its reason", () => {
    const rows = rowsOf([
      { row: 2, email: "jane@example.com\r\nBcc: all@example.com" },
      { row: 3, email: "bob@example.com", name: "Bob\nSmith" },
      { row: 4, email: "eve@example.com", fields: { company: "Evil\u0000Corp" } },
      { row: 5, email: "kim@example.com", fields: { note: "x".repeat(1001) } },
      { row: 6, email: "not-an-address" },
      { row: 7, email: "ok@example.com", fields: { total: "=SUM(A1)" } },
    ]);
    expect(rows.map((r) => [r.row, r.status, r.reason])).toEqual([
      [2, "invalid", "Email contains a line break or control character"],
      [3, "invalid", "Name contains a line break or control character"],
      [4, "invalid", '"company" contains a line break or control character'],
      [5, "invalid", '"note" is longer than 1000 characters'],
      [6, "invalid", "Email must contain exactly one @"],
      [7, "ok", undefined],
    ]);
    expect(rows[5]?.formulaLike).toEqual(["total"]);
  });

  it("marks repeats within one call as duplicates of their first row, whatever the case", () => {
    const rows = rowsOf([
      { row: 10, email: "Ada@Example.com" },
      { row: 11, email: "ada@example.com" },
    ]);
    expect(rows.map((r) => [r.status, r.reason])).toEqual([
      ["ok", undefined],
      ["duplicate", "Duplicate of row 10"],
    ]);
  });

  it.each([
    ["not an array", { row: 1, email: "a@example.com" }],
    ["empty", []],
    ["too many rows", Array.from({ length: INVITE_ROWS_PER_CALL + 1 }, (_, i) => ({ row: i + 1, email: `g${i}@example.com` }))],
    ["a status smuggled in", [{ row: 1, email: "a@example.com", status: "ok" }]],
    ["a number for an email", [{ row: 1, email: 42 }]],
    ["a key that is not a column name", [{ row: 1, email: "a@example.com", fields: { "First Name": "x" } }]],
    ["a row number that is not whole", [{ row: 1.5, email: "a@example.com" }]],
  ])("refuses the whole call when the shape is wrong: %s", (_, input) => {
    expect(revalidateInviteRows(input)).toMatchObject({ ok: false, message: expect.stringContaining("expected form") });
  });

  it("never lets a __proto__ key through into a row's fields", () => {
    const input = [{ row: 1, email: "a@example.com", fields: JSON.parse('{"__proto__":"x","city":"Paris"}') as Record<string, string> }];
    const checked = revalidateInviteRows(input);
    if (checked.ok) {
      expect(Object.keys(checked.rows[0]!.fields)).toEqual(["city"]);
      expect(Object.getPrototypeOf(checked.rows[0]!.fields)).toBe(Object.prototype);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe("chunkInviteRows", () => {
  const rows = (n: number, extra = ""): InviteRowInput[] =>
    Array.from({ length: n }, (_, i) => ({ row: i + 2, email: `guest${i}@example.com`, ...(extra ? { fields: { note: extra } } : {}) }));

  it("splits 10,000 rows into calls of 500, in order", () => {
    const chunks = chunkInviteRows(rows(10_000));
    expect(chunks).toHaveLength(20);
    expect(chunks.every((c) => c.length === 500)).toBe(true);
    expect(chunks.flat().map((r) => r.row)).toEqual(rows(10_000).map((r) => r.row));
  });

  it("also splits by size, so a call stays under the server action body limit", () => {
    const chunks = chunkInviteRows(rows(400, "é".repeat(1000)), { rows: 500, bytes: 100_000 });
    expect(chunks.length).toBeGreaterThan(4);
    for (const c of chunks) expect(new TextEncoder().encode(JSON.stringify(c)).byteLength).toBeLessThanOrEqual(100_000);
    expect(chunks.flat()).toHaveLength(400);
  });

  it("sends a single oversized row on its own rather than dropping it", () => {
    expect(chunkInviteRows(rows(2, "x".repeat(500)), { rows: 500, bytes: 100 })).toHaveLength(2);
    expect(chunkInviteRows([])).toEqual([]);
  });
});
