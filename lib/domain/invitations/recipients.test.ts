import { describe, expect, it } from "vitest";
import {
  decodeUtf8Strict,
  escapeSpreadsheetCell,
  normaliseColumnName,
  parseRecipientCsv,
  parseRecipientList,
  parseSingleRecipient,
  type RecipientParseResult,
} from "./recipients";

function rowsOf(result: RecipientParseResult) {
  if (!result.ok) throw new Error(`expected rows, got ${result.error.code}: ${result.error.message}`);
  return result.rows;
}

function errorOf(result: RecipientParseResult) {
  if (result.ok) throw new Error("expected an upload error");
  return result.error;
}

describe("parseSingleRecipient", () => {
  it("returns one ok row with the trimmed name", () => {
    expect(parseSingleRecipient("Jane@Example.com", "  Jane Doe ")).toEqual({
      row: 1,
      status: "ok",
      email: "Jane@Example.com",
      emailKey: "jane@example.com",
      name: "Jane Doe",
      fields: {},
      formulaLike: [],
    });
  });

  it("refuses a name that would inject a mail header", () => {
    const row = parseSingleRecipient("jane@example.com", "Jane\r\nBcc: everyone@example.com");
    expect(row.status).toBe("invalid");
    expect(row.reason).toBe("Name contains a line break or control character");
  });

  it("flags a formula-looking name but keeps it", () => {
    const row = parseSingleRecipient("jane@example.com", "=cmd|'/C calc'!A0");
    expect(row.status).toBe("ok");
    expect(row.name).toBe("=cmd|'/C calc'!A0");
    expect(row.formulaLike).toEqual(["name"]);
  });
});

describe("parseRecipientList", () => {
  it("takes one per line, comma or semicolon separated, with or without names", () => {
    const rows = rowsOf(
      parseRecipientList('jane@example.com\n\n"Doe, John" <john@example.com>; Bob <bob@example.com>,  amy@example.com\r\n'),
    );
    expect(rows.map((r) => [r.row, r.status, r.email, r.name])).toEqual([
      [1, "ok", "jane@example.com", undefined],
      [2, "ok", "john@example.com", "Doe, John"],
      [3, "ok", "bob@example.com", "Bob"],
      [4, "ok", "amy@example.com", undefined],
    ]);
  });

  it("marks later repeats of an address as duplicates of the first, whatever the case", () => {
    const result = parseRecipientList("jane@example.com\nbob@example.com\nJANE@example.COM\nJane <jane@EXAMPLE.com>");
    const rows = rowsOf(result);
    expect(rows.map((r) => [r.status, r.reason])).toEqual([
      ["ok", undefined],
      ["ok", undefined],
      ["duplicate", "Duplicate of row 1"],
      ["duplicate", "Duplicate of row 1"],
    ]);
    expect(result.ok && result.counts).toEqual({ ok: 2, duplicate: 2, invalid: 0 });
  });

  it("applies the file rules to addresses: IDN domains shown in Unicode, one guest however the domain is spelt", () => {
    const rows = rowsOf(parseRecipientList("Zoë <zoe@exämple.com>\nzoe@xn--exmple-cua.com\njosé@example.com\nbad@exa_mple.com"));
    expect(rows.map((r) => [r.status, r.email, r.emailKey ?? null, r.reason ?? null])).toEqual([
      ["ok", "zoe@exämple.com", "zoe@xn--exmple-cua.com", null],
      ["duplicate", "zoe@exämple.com", "zoe@xn--exmple-cua.com", "Duplicate of row 1"],
      ["ok", "josé@example.com", "josé@example.com", null],
      ["invalid", "bad@exa_mple.com", null, "Not a valid email address"],
    ]);
  });

  it("does not count an invalid entry as the first occurrence", () => {
    const rows = rowsOf(parseRecipientList("=jane@example.com\njane@example.com"));
    expect(rows.map((r) => r.status)).toEqual(["invalid", "ok"]);
  });

  it("reads two cells pasted from a spreadsheet, in either order", () => {
    const rows = rowsOf(parseRecipientList("Jane Doe\tjane@example.com\nbob@example.com\tBob"));
    expect(rows.map((r) => [r.email, r.name])).toEqual([
      ["jane@example.com", "Jane Doe"],
      ["bob@example.com", "Bob"],
    ]);
  });

  it("does not let an unmatched quote swallow the following lines", () => {
    const rows = rowsOf(parseRecipientList('"Jane <jane@example.com>\nbob@example.com'));
    expect(rows.at(-1)).toMatchObject({ status: "ok", email: "bob@example.com" });
  });

  it("keeps invalid entries with a reason instead of dropping them", () => {
    const rows = rowsOf(parseRecipientList("not-an-address\njane@example.com"));
    expect(rows[0]).toMatchObject({ row: 1, status: "invalid", email: "not-an-address", reason: "Email must contain exactly one @" });
  });

  it("refuses an empty list and one over the row limit", () => {
    expect(errorOf(parseRecipientList(" \n ,; ")).code).toBe("empty");
    const error = errorOf(parseRecipientList("a@example.com\nb@example.com\nc@example.com", { maxRows: 2, maxBytes: 1000 }));
    expect(error).toEqual({
      code: "too_many_rows",
      message: "The upload has 3 rows; the limit is 2 per upload. Split it into smaller files.",
    });
  });

  it("measures the size limit in UTF-8 bytes", () => {
    // 10 characters, 20 bytes.
    expect(errorOf(parseRecipientList("éééééééééé", { maxRows: 10, maxBytes: 15 })).code).toBe("too_large");
    expect(parseRecipientList("éééééééééé", { maxRows: 10, maxBytes: 20 }).ok).toBe(true);
  });
});

describe("parseRecipientCsv", () => {
  it("maps email and name case-insensitively and turns other columns into template fields", () => {
    const result = parseRecipientCsv("EMAIL,Name,First Name,Company\nJane@Example.com,Jane Doe,Jane,Acme\n");
    expect(result).toEqual({
      ok: true,
      columns: ["first_name", "company"],
      counts: { ok: 1, duplicate: 0, invalid: 0 },
      warnings: [],
      rows: [
        {
          row: 2,
          status: "ok",
          email: "Jane@Example.com",
          emailKey: "jane@example.com",
          name: "Jane Doe",
          fields: { first_name: "Jane", company: "Acme" },
          formulaLike: [],
        },
      ],
    });
  });

  it("numbers rows as a spreadsheet shows them and names the first occurrence of a duplicate", () => {
    const rows = rowsOf(parseRecipientCsv("email\njane@example.com\n\nbob@example.com\nJANE@example.com\n"));
    expect(rows.map((r) => [r.row, r.status, r.reason])).toEqual([
      [2, "ok", undefined],
      [4, "ok", undefined],
      [5, "duplicate", "Duplicate of row 2"],
    ]);
  });

  it("reads Excel's semicolon exports and quoted cells with commas", () => {
    const rows = rowsOf(parseRecipientCsv('email;name;city\njane@example.com;"Doe; Jane";Paris\n'));
    expect(rows[0]).toMatchObject({ name: "Doe; Jane", fields: { city: "Paris" } });
    const quoted = rowsOf(parseRecipientCsv('email,name\njane@example.com,"Doe, Jane"\n'));
    expect(quoted[0]?.name).toBe("Doe, Jane");
  });

  it("reads a file without a header row, numbering rows from 1", () => {
    const result = parseRecipientCsv("jane@example.com,Jane\nbob@example.com,Bob,Paris\n");
    if (!result.ok) throw new Error(result.error.message);
    expect(result.rows.map((r) => [r.row, r.status, r.email, r.name, r.fields])).toEqual([
      [1, "ok", "jane@example.com", "Jane", { column_c: "" }],
      [2, "ok", "bob@example.com", "Bob", { column_c: "Paris" }],
    ]);
    expect(result.warnings).toEqual([]);
  });

  it("refuses a file in which no column holds addresses, naming what it found", () => {
    expect(errorOf(parseRecipientCsv("Name,Company\nJane,Acme\n"))).toEqual({
      code: "missing_email_column",
      message: 'No column holds email addresses. Found: "Name", "Company".',
    });
  });

  it("leaves out columns that are empty in every row, and says so", () => {
    const result = parseRecipientCsv("Email,Name,Middle Name,Suffix,City\na@example.com,Ann,,,Oslo\nb@example.com,Bo,,,\n");
    if (!result.ok) throw new Error(result.error.message);
    expect(result.columns).toEqual(["city"]);
    expect(result.warnings).toEqual(['Left out 2 empty columns: "Middle Name", "Suffix".']);
  });

  it("joins first and last name columns into the name and keeps both as template fields", () => {
    const rows = rowsOf(parseRecipientCsv("First Name,Last Name,E-mail Address\nAda,Lovelace,ada@example.com\nGrace,,grace@example.com\n"));
    expect(rows.map((r) => [r.name, r.fields])).toEqual([
      ["Ada Lovelace", { first_name: "Ada", last_name: "Lovelace" }],
      ["Grace", { first_name: "Grace", last_name: "" }],
    ]);
  });

  it("detects the separator of a two-column list with blank lines and a final line break", () => {
    const rows = rowsOf(parseRecipientCsv("ann@example.com;Ann\n\nbob@example.com;Bob\n\n"));
    expect(rows.map((r) => [r.row, r.email, r.name])).toEqual([
      [1, "ann@example.com", "Ann"],
      [3, "bob@example.com", "Bob"],
    ]);
  });

  it("shows and compares internationalised addresses in their normal forms", () => {
    const rows = rowsOf(parseRecipientCsv("email\nzoe@exämple.com\nZOE@xn--exmple-cua.com\nlou@xn--bcher-kva.example\n"));
    expect(rows.map((r) => [r.status, r.email, r.emailKey, r.reason])).toEqual([
      ["ok", "zoe@exämple.com", "zoe@xn--exmple-cua.com", undefined],
      ["duplicate", "ZOE@exämple.com", "zoe@xn--exmple-cua.com", "Duplicate of row 2"],
      ["ok", "lou@bücher.example", "lou@xn--bcher-kva.example", undefined],
    ]);
  });

  it("refuses more template columns than a guest can carry", () => {
    const header = ["email", ...Array.from({ length: 101 }, (_, i) => `f${i}`)].join(",");
    const row = ["a@example.com", ...Array.from({ length: 101 }, () => "x")].join(",");
    expect(errorOf(parseRecipientCsv(`${header}\n${row}\n`)).code).toBe("too_many_columns");
  });

  it("refuses two columns that normalise to the same name", () => {
    expect(errorOf(parseRecipientCsv("email,First Name,first_name\njane@example.com,Jane,J\n"))).toEqual({
      code: "duplicate_column",
      message: 'Columns B and C are both called "first_name". Rename one of them.',
    });
    expect(errorOf(parseRecipientCsv("Email,email\na@example.com,b@example.com\n")).code).toBe("duplicate_column");
  });

  it("drops Excel's trailing empty columns and renames unnamed columns that hold data", () => {
    const result = parseRecipientCsv("email,,名前\njane@example.com,,ジェーン\n");
    if (!result.ok) throw new Error(result.error.message);
    expect(result.columns).toEqual(["column_c"]);
    expect(result.rows[0]?.fields).toEqual({ column_c: "ジェーン" });
    expect(result.warnings).toEqual(['Column C ("名前") is available as "column_c".']);
  });

  it("rejects rows with control characters in any value, flags formula-looking fields", () => {
    const rows = rowsOf(
      parseRecipientCsv('email,name,note\njane@example.com,Jane,"line1\nline2"\nbob@example.com,Bob,+33 6 12 34 56 78\n'),
    );
    expect(rows[0]).toMatchObject({ status: "invalid", reason: '"note" contains a line break or control character' });
    expect(rows[1]).toMatchObject({ status: "ok", fields: { note: "+33 6 12 34 56 78" }, formulaLike: ["note"] });
  });

  it("marks a row with more cells than the header as invalid rather than misreading it", () => {
    const rows = rowsOf(parseRecipientCsv("email,name,company\njane@example.com,Doe, Jane,Acme\nbob@example.com,Bob\n"));
    expect(rows[0]).toMatchObject({ status: "invalid", reason: expect.stringContaining("4 cells but the header has 3") });
    // A short row is fine: missing cells are empty values.
    expect(rows[1]).toMatchObject({ status: "ok", fields: { company: "" } });
  });

  it("reports an unmatched quote for the whole file instead of silently merging rows", () => {
    expect(errorOf(parseRecipientCsv('email,name\njane@example.com,"Jane\nbob@example.com,Bob\n')).code).toBe("malformed_csv");
  });

  it("enforces the row and byte limits with a clear message", () => {
    const csv = `email\n${Array.from({ length: 11 }, (_, i) => `g${i}@example.com`).join("\n")}\n`;
    expect(errorOf(parseRecipientCsv(csv, { maxRows: 10, maxBytes: 10_000 })).message).toBe(
      "The upload has 11 rows; the limit is 10 per upload. Split it into smaller files.",
    );
    expect(errorOf(parseRecipientCsv(csv, { maxRows: 100, maxBytes: 100 })).code).toBe("too_large");
  });

  it("ignores a UTF-8 byte-order mark before the header", () => {
    expect(rowsOf(parseRecipientCsv("\uFEFFemail\njane@example.com\n"))[0]?.status).toBe("ok");
  });

  it("parses 10,000 rows quickly", () => {
    const lines = ["email,name,first_name,company"];
    for (let i = 0; i < 10_000; i++) lines.push(`guest${i}@example.com,Guest ${i},G${i},Company ${i % 50}`);
    const csv = lines.join("\n");
    const started = performance.now();
    const result = parseRecipientCsv(csv);
    const elapsed = performance.now() - started;
    expect(result.ok && result.counts).toEqual({ ok: 10_000, duplicate: 0, invalid: 0 });
    // Cold (first call, unoptimised code): the budget an admin's upload actually gets. An accidental O(n²)
    // would take seconds.
    expect(elapsed).toBeLessThan(200);
  });
});

describe("decodeUtf8Strict", () => {
  it("decodes UTF-8 and drops Excel's byte-order mark", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("email\nrené@example.com")]);
    expect(decodeUtf8Strict(bytes)).toEqual({ ok: true, text: "email\nrené@example.com" });
  });

  it("refuses a Windows-1252 export with advice instead of mangling accents", () => {
    const latin1 = new Uint8Array([0x52, 0x65, 0x6e, 0xe9]); // "René" in Windows-1252
    const result = decodeUtf8Strict(latin1);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe("not_utf8");
    expect(!result.ok && result.error.message).toContain("CSV UTF-8");
  });

  it("refuses UTF-16 text", () => {
    const utf16NoBom = new Uint8Array([0x65, 0x00, 0x6d, 0x00, 0x61, 0x00]);
    expect(decodeUtf8Strict(utf16NoBom).ok).toBe(false);
    const utf16Bom = new Uint8Array([0xff, 0xfe, 0x65, 0x00]);
    expect(decodeUtf8Strict(utf16Bom).ok).toBe(false);
  });

  it("refuses a file over the byte limit before decoding it", () => {
    const result = decodeUtf8Strict(new Uint8Array(3 * 1024 * 1024));
    expect(!result.ok && result.error).toEqual({
      code: "too_large",
      message: "The upload is 3 MB; the limit is 2 MB. Split it into smaller files.",
    });
  });
});

describe("column names and exports", () => {
  it("normalises headers into template variable names", () => {
    expect(normaliseColumnName(" First Name ")).toBe("first_name");
    expect(normaliseColumnName("Prénom")).toBe("prenom");
    expect(normaliseColumnName("Company (legal)")).toBe("company_legal");
    expect(normaliseColumnName("2026 budget")).toBe("_2026_budget");
    expect(normaliseColumnName("名前")).toBe("");
  });

  it("makes formula-looking cells inert in exports", () => {
    expect(escapeSpreadsheetCell("=SUM(A1:A9)")).toBe("'=SUM(A1:A9)");
    expect(escapeSpreadsheetCell("@risk")).toBe("'@risk");
    expect(escapeSpreadsheetCell("Jane")).toBe("Jane");
  });
});
