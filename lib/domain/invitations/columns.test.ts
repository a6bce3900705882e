import { describe, expect, it } from "vitest";
import { readRecipientTable } from "./recipients";
import { describeColumns, guessColumns, recallColumns, rememberColumns, type RecipientTable } from "./columns";

function table(text: string): RecipientTable {
  const read = readRecipientTable(text);
  if (!read.ok) throw new Error(read.error.message);
  return read.table;
}

describe("guessColumns", () => {
  it("prefers a column full of addresses to one merely called email", () => {
    expect(guessColumns(table("Email,Contact\nyes,ann@example.com\nno,bob@example.com\n"))).toMatchObject({ email: 1 });
  });

  it("takes French Nom as the surname next to Prénom, and as the whole name alone", () => {
    expect(guessColumns(table("Prénom,Nom,Courriel\nAnn,Roy,ann@example.com\n"))).toEqual({ headerRow: true, email: 2, name: 0, lastName: 1 });
    expect(guessColumns(table("Nom,Courriel\nAnn Roy,ann@example.com\n"))).toEqual({ headerRow: true, email: 1, name: 0, lastName: null });
    expect(guessColumns(table("Vorname,Nachname,E-Mail-Adresse\nAnn,Roy,ann@example.com\n"))).toEqual({ headerRow: true, email: 2, name: 0, lastName: 1 });
    expect(guessColumns(table("Naam,Mail\nAnn Roy,ann@example.com\n"))).toEqual({ headerRow: true, email: 1, name: 0, lastName: null });
  });

  it("has no guess when no column holds or names addresses", () => {
    expect(guessColumns(table("Name,Company\nAnn,Acme\n"))).toBeNull();
  });
});

describe("remembered columns", () => {
  it("finds the confirmed columns again by header in a file that orders them differently", () => {
    const first = table("Guest,Company,Work mail\nAnn Roy,Acme,ann@example.com\n");
    const remembered = rememberColumns(first, { headerRow: true, email: 2, name: 0, lastName: null });
    expect(remembered).toEqual({
      headerRow: true,
      email: { index: 2, header: "Work mail" },
      name: { index: 0, header: "Guest" },
      lastName: null,
    });
    const next = table("work mail,Guest,Company\nbob@example.com,Bob,Beta\n");
    expect(recallColumns(next, remembered)).toEqual({ headerRow: true, email: 0, name: 1, lastName: null });
  });

  it("finds columns by position in files without a header", () => {
    const first = table("Ann,ann@example.com\n");
    const remembered = rememberColumns(first, { headerRow: false, email: 1, name: 0, lastName: null });
    expect(recallColumns(table("Bob,bob@example.com,extra\n"), remembered)).toEqual({ headerRow: false, email: 1, name: 0, lastName: null });
  });

  it("gives way to the guess when the file is of another shape", () => {
    const remembered = rememberColumns(table("Guest,Work mail\nAnn,ann@example.com\n"), { headerRow: true, email: 1, name: 0, lastName: null });
    expect(recallColumns(table("Email,Name\nbob@example.com,Bob\n"), remembered)).toBeNull();
    expect(recallColumns(table("bob@example.com,Bob\n"), remembered)).toBeNull();
    // The column is there but holds no addresses any more.
    expect(recallColumns(table("Guest,Work mail\nAnn,none\n"), remembered)).toBeNull();
  });
});

describe("describeColumns", () => {
  it("names each column by letter and header, with a first value", () => {
    expect(describeColumns(table("Name,Email\n,ann@example.com\nBob,bob@example.com\n"), true)).toEqual([
      { title: "A · Name", example: "Bob" },
      { title: "B · Email", example: "ann@example.com" },
    ]);
    expect(describeColumns(table("ann@example.com,Ann\n"), false)).toEqual([
      { title: "A", example: "ann@example.com" },
      { title: "B", example: "Ann" },
    ]);
  });
});
