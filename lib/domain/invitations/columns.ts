import { z } from "zod";
import { parseEmailAddress } from "../email-address";

/**
 * Which column of a guest list holds what. Spreadsheets and address books name their columns in their own way
 * and language ("E-mail Address", "E-mail 1 - Value", "Correo", "Vorname"), and some files have no header row
 * at all, so Herald guesses from the header names and from the cells, shows the guess, and lets the organiser
 * change it.
 */

/** A CSV file read into cells, before anyone decided which column is which. */
export interface RecipientTable {
  /** Every record as parsed, blank ones included, so an index + 1 is the row number a spreadsheet shows. */
  records: string[][];
  /** Indexes of the records that are not blank, in file order. */
  filled: number[];
}

export interface ColumnMapping {
  /** The first non-blank row names the columns instead of holding a guest. */
  headerRow: boolean;
  /** Column index of the address. */
  email: number;
  /** The full name, or the first name when `lastName` is set. */
  name: number | null;
  /** Joined after `name` with a space. */
  lastName: number | null;
}

const columnRefSchema = z.strictObject({
  index: z.number().int().min(0).max(999),
  /** The header text (trimmed) when the file had a header row: the next file may order its columns differently. */
  header: z.string().max(200).nullable(),
});

/** A confirmed mapping as remembered on the event for its next upload: by header name, or by position. */
export const rememberedColumnsSchema = z.strictObject({
  headerRow: z.boolean(),
  email: columnRefSchema,
  name: columnRefSchema.nullable(),
  lastName: columnRefSchema.nullable(),
});
export type RememberedColumns = z.infer<typeof rememberedColumnsSchema>;

/** Data rows looked at to judge a column by its cells: enough to be sure, few enough for any file size. */
const SAMPLE_ROWS = 50;

/**
 * "E-mail 1 - Value" → "e mail value", "Prénom" → "prenom": case, accents, punctuation and numbering do not
 * change what a column is.
 */
function headerKey(header: string): string {
  return header
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .split(" ")
    .filter((word) => word !== "" && !/^\d+$/.test(word))
    .join(" ");
}

// Exact header keys, in the languages of the exports people actually have (Outlook, Google Contacts, Mailchimp,
// Excel and LibreOffice sheets in English, Spanish, French, German, Dutch, Italian, Portuguese, Nordic, Polish).
const EMAIL_HEADERS = new Set([
  "email", "e mail", "email address", "e mail address", "e mail value", "email value", "mail", "mail address",
  "email id", "correo", "correo electronico", "direccion de correo", "direccion de correo electronico", "courriel",
  "adresse courriel", "adresse e mail", "adresse email", "adresse mail", "adresse electronique", "e mail adresse",
  "email adresse", "emailadresse", "mailadresse", "emailadres", "e mailadres", "mailadres", "e mail adres",
  "indirizzo email", "indirizzo e mail", "posta elettronica", "endereco de email", "endereco de e mail", "e post",
  "epost", "e postadresse", "sahkoposti", "sahkopostiosoite", "adres email", "adres e mail",
]);
// Any header that mentions mail is worth a look; its cells decide ("E-mail Type" holds "SMTP", not addresses).
const EMAIL_WORD = /mail|correo|courriel|epost|e post|sahkoposti/;
const FIRST_NAME_HEADERS = new Set([
  "first name", "firstname", "first", "given name", "givenname", "forename", "prenom", "vorname", "nombre",
  "voornaam", "nome", "primeiro nome", "fornavn", "fornamn", "etunimi", "imie",
]);
const LAST_NAME_HEADERS = new Set([
  "last name", "lastname", "last", "surname", "family name", "familyname", "nachname", "familienname", "apellido",
  "apellidos", "achternaam", "cognome", "sobrenome", "apelido", "efternamn", "etternavn", "efternavn", "sukunimi",
  "nazwisko",
]);
const FULL_NAME_HEADERS = new Set([
  "name", "full name", "fullname", "display name", "naam", "volledige naam", "nombre completo", "nom complet",
  "nome completo", "vollstandiger name", "contact name", "guest", "guest name", "invitee", "invitee name",
  "attendee", "attendee name", "participant", "invite", "invitado", "gast", "nom et prenom", "prenom et nom",
  "prenom nom", "nombre y apellidos", "vor und nachname", "nome e cognome", "imie i nazwisko", "namn", "navn", "nimi",
]);
// French "Nom" is the surname next to "Prénom", and the whole name on its own.
const SURNAME_WITH_FIRST_NAME = new Set(["nom"]);

function looksLikeEmail(cell: string | undefined): boolean {
  return cell !== undefined && cell.includes("@") && parseEmailAddress(cell).ok;
}

function looksLikeName(cell: string | undefined): boolean {
  const value = cell?.trim() ?? "";
  return value !== "" && value.length <= 200 && !value.includes("@") && /\p{L}/u.test(value);
}

/** Number of columns: the header's, or in a file without one, the widest of the first rows. */
function columnCount(table: RecipientTable, headerRow: boolean): number {
  if (headerRow) return table.records[table.filled[0] ?? -1]?.length ?? 0;
  let width = 0;
  for (const i of table.filled.slice(0, SAMPLE_ROWS)) width = Math.max(width, table.records[i]?.length ?? 0);
  return width;
}

/** A header row never holds an address; a guest list's first row does. */
export function detectHeaderRow(table: RecipientTable): boolean {
  const first = table.records[table.filled[0] ?? -1];
  return first !== undefined && !first.some(looksLikeEmail);
}

function sampleRows(table: RecipientTable, headerRow: boolean): string[][] {
  return table.filled.slice(headerRow ? 1 : 0, (headerRow ? 1 : 0) + SAMPLE_ROWS).map((i) => table.records[i] ?? []);
}

function share(rows: string[][], col: number, test: (cell: string | undefined) => boolean): number {
  if (rows.length === 0) return 0;
  let hits = 0;
  for (const row of rows) if (test(row[col])) hits += 1;
  return hits / rows.length;
}

/** The best guess for a file, from its header names and its cells. Null when no column holds addresses. */
export function guessColumns(table: RecipientTable): ColumnMapping | null {
  const headerRow = detectHeaderRow(table);
  const width = columnCount(table, headerRow);
  const header = headerRow ? (table.records[table.filled[0]!] ?? []) : [];
  const keys = Array.from({ length: width }, (_, col) => headerKey(header[col] ?? ""));
  const rows = sampleRows(table, headerRow);

  // Cells weigh more than names: an "Email" column of "yes/no" loses to a column full of addresses.
  let email: number | null = null;
  let best = 0;
  for (let col = 0; col < width; col++) {
    const key = keys[col]!;
    const named = EMAIL_HEADERS.has(key) ? 2 : EMAIL_WORD.test(key) ? 1 : 0;
    const score = share(rows, col, looksLikeEmail) * 4 + named;
    if (score > best) {
      best = score;
      email = col;
    }
  }
  if (email === null) return null;

  const find = (names: Set<string>) => {
    const col = keys.findIndex((key, i) => i !== email && names.has(key));
    return col === -1 ? null : col;
  };
  const first = find(FIRST_NAME_HEADERS);
  const last = find(LAST_NAME_HEADERS) ?? (first === null ? null : find(SURNAME_WITH_FIRST_NAME));
  const full = find(FULL_NAME_HEADERS) ?? find(SURNAME_WITH_FIRST_NAME);
  if (first !== null && last !== null) return { headerRow, email, name: first, lastName: last };
  const named = full ?? first ?? last;
  if (named !== null || headerRow) return { headerRow, email, name: named, lastName: null };
  // No header to go by: the first other column that reads like names.
  let byContent: number | null = null;
  for (let col = 0; col < width && byContent === null; col++) {
    if (col !== email && share(rows, col, looksLikeName) >= 0.5) byContent = col;
  }
  return { headerRow, email, name: byContent, lastName: null };
}

/** What to remember about a confirmed mapping, so the next file of the same shape needs no change. */
export function rememberColumns(table: RecipientTable, mapping: ColumnMapping): RememberedColumns {
  const header = mapping.headerRow ? (table.records[table.filled[0] ?? -1] ?? []) : [];
  const ref = (index: number) => ({ index, header: mapping.headerRow ? (header[index] ?? "").trim() : null });
  return {
    headerRow: mapping.headerRow,
    email: ref(mapping.email),
    name: mapping.name === null ? null : ref(mapping.name),
    lastName: mapping.lastName === null ? null : ref(mapping.lastName),
  };
}

/**
 * The remembered mapping applied to a new file: columns are found again by their header (in any position) or,
 * in a file without a header, by position. Null when the file does not have them all, or when the remembered
 * address column holds no addresses here: then the guess is the better start.
 */
export function recallColumns(table: RecipientTable, remembered: RememberedColumns): ColumnMapping | null {
  const headerRow = remembered.headerRow && detectHeaderRow(table);
  if (headerRow !== remembered.headerRow) return null;
  const width = columnCount(table, headerRow);
  const header = headerRow ? (table.records[table.filled[0]!] ?? []).map((h) => h.trim().toLowerCase()) : [];
  const resolve = (ref: RememberedColumns["email"]): number | null => {
    // A column without a header text can only be found again where it was.
    if (ref.header === null || ref.header === "") return ref.index < width ? ref.index : null;
    const col = header.indexOf(ref.header.toLowerCase());
    return col === -1 ? null : col;
  };
  const email = resolve(remembered.email);
  if (email === null || share(sampleRows(table, headerRow), email, looksLikeEmail) === 0) return null;
  const name = remembered.name === null ? null : resolve(remembered.name);
  const lastName = remembered.lastName === null ? null : resolve(remembered.lastName);
  if ((remembered.name !== null && name === null) || (remembered.lastName !== null && lastName === null)) return null;
  return { headerRow, email, name, lastName };
}

export function columnLetter(index: number): string {
  let n = index + 1;
  let s = "";
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

export interface ColumnDescription {
  /** Its letter and, in a file with a header row, its header: "B · E-mail Address". */
  title: string;
  /** The first value below the header, shortened, or "" when the first rows have none. */
  example: string;
}

/** How columns are offered in the mapping step: a spreadsheet's letters, the header, a first value. */
export function describeColumns(table: RecipientTable, headerRow: boolean): ColumnDescription[] {
  const header = headerRow ? (table.records[table.filled[0] ?? -1] ?? []) : [];
  const rows = sampleRows(table, headerRow);
  return Array.from({ length: columnCount(table, headerRow) }, (_, col) => {
    const name = header[col]?.trim();
    const example = rows.map((r) => r[col]?.trim() ?? "").find((v) => v !== "") ?? "";
    return {
      title: `${columnLetter(col)}${name ? ` · ${name}` : ""}`,
      example: example.length > 40 ? `${example.slice(0, 39)}…` : example,
    };
  });
}
