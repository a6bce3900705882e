import { describe, expect, it } from "vitest";
import { csvCell, csvRow } from "./csv";

describe("CSV cells for spreadsheets", () => {
  it("neutralises every cell a spreadsheet would evaluate", () => {
    for (const dangerous of ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]) {
      expect(csvCell(dangerous).replace(/^"/, "").startsWith("'")).toBe(true);
    }
  });

  it("quotes commas, quotes and line breaks, and leaves plain text and numbers alone", () => {
    expect(csvCell("Ada, Lovelace")).toBe('"Ada, Lovelace"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("ada@example.com")).toBe("ada@example.com");
    expect(csvCell(-3)).toBe("-3");
    expect(csvCell(null)).toBe("");
  });

  it("ends rows with CRLF", () => {
    expect(csvRow(["a", 1, true, undefined])).toBe("a,1,true,\r\n");
  });
});
