import { toASCII, toUnicode } from "tr46";
import type { ProviderKind } from "../ports/mailer";

/**
 * One email address in the three forms Herald needs. Internationalised domains (IDN) travel as punycode
 * (A-labels) in SMTP and in every provider API, but people read them in Unicode; the local part (before the @)
 * has no ASCII encoding at all: a non-ASCII one needs SMTPUTF8 (RFC 6531) from every server on the way.
 *
 * The domain goes through UTS #46 (tr46: the processing browsers apply to host names; non-transitional, STD3
 * rules, DNS lengths), so "EXÄMPLE.com", "exämple.com" and "xn--exmple-cua.com" are one domain.
 */
export interface EmailAddress {
  /** For people: the local part as typed, the domain in Unicode when it is internationalised, else as typed. */
  display: string;
  /** For the wire: the domain in ASCII (punycode). The local part is unchanged (see `utf8Local`). */
  ascii: string;
  /**
   * The identity for duplicates and invitation ids: `ascii` lower-cased. The ASCII form rather than the Unicode
   * one because every key stored before IDN support (plain and punycode domains alike) already has that form,
   * so re-inviting someone finds their invitation, and because it is what mail servers and providers report.
   */
  key: string;
  /** The local part has non-ASCII characters: only a relay that offers SMTPUTF8 can carry it. */
  utf8Local: boolean;
}

export type AddressCheck = ({ ok: true } & EmailAddress) | { ok: false; reason: string };

export const MAX_EMAIL_LENGTH = 254;
/** RFC 5321 counts octets; a UTF-8 local part has more of them than characters. */
const MAX_LOCAL_OCTETS = 64;

// C0 (tab included), DEL, C1, and U+2028/2029 which some mail clients treat as line breaks.
// eslint-disable-next-line no-control-regex -- finding control characters is the point: they inject headers and lines.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// What spreadsheet apps treat as the start of a formula (CSV injection), with OWASP's leading tab and CR, which
// some apps strip before evaluating what follows.
const FORMULA_START = /^[=+\-@\t\r]/;
// RFC 5322 dot-atom. The Unicode variant adds letters, marks and digits of any script (RFC 6531's UTF8-non-ascii,
// narrowed): invisible format characters such as bidi overrides and zero-width joiners stay out, they only spoof.
const ASCII_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const UNICODE_LOCAL = /^[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
// The A-label form must still look like a public mail domain: a dot, and a top-level label of letters or punycode.
const ASCII_DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
// Letters, digits, hyphens and dots only, and no "--" where an A-label prefix would sit: UTS #46 does nothing to
// such a name but lower-case it, so 10,000-row uploads of ordinary addresses skip its mapping tables.
const LDH = /^[A-Za-z0-9.-]+$/;
const HYPHENS_AT_3_4 = /(?:^|\.)[^.]{2}--/;
// eslint-disable-next-line no-control-regex -- the ASCII range is the point.
const NON_ASCII = /[^\u0000-\u007f]/;
// Full stops of other scripts ("。", "．", "｡"): UTS #46 maps them to ".".
const ANY_DOT = /[.\u3002\uff0e\uff61]/;

const UTS46 = {
  checkHyphens: true,
  checkBidi: true,
  checkJoiners: true,
  useSTD3ASCIIRules: true,
  transitionalProcessing: false,
  verifyDNSLength: true,
} as const;

const utf8 = new TextEncoder();

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

export function isFormulaLike(value: string): boolean {
  return FORMULA_START.test(value);
}

/** True when the part before the @ has non-ASCII characters, in any of the three forms. */
export function hasUtf8LocalPart(email: string): boolean {
  return NON_ASCII.test(email.slice(0, email.lastIndexOf("@")));
}

function octets(text: string, nonAscii: boolean): number {
  return nonAscii ? utf8.encode(text).byteLength : text.length;
}

function asciiDomainOf(domain: string): string | null {
  if (LDH.test(domain) && !HYPHENS_AT_3_4.test(domain)) {
    const lower = domain.toLowerCase();
    return ASCII_DOMAIN.test(lower) ? lower : null;
  }
  const ascii = toASCII(domain, UTS46);
  return ascii !== null && ASCII_DOMAIN.test(ascii) ? ascii : null;
}

/**
 * A practical check, not RFC 5322: it accepts what real mailboxes look like, IDN domains and Unicode local parts
 * included, and refuses what breaks sending or headers. Quoted local parts and IP-literal domains are refused;
 * no provider we use takes them reliably.
 */
export function parseEmailAddress(raw: string): AddressCheck {
  const trimmed = raw.trim();
  // NFC first: the same "é" typed on two keyboards must be one address.
  const email = NON_ASCII.test(trimmed) ? trimmed.normalize("NFC") : trimmed;
  if (email === "") return { ok: false, reason: "Email is missing" };
  if (CONTROL.test(email)) return { ok: false, reason: "Email contains a line break or control character" };
  if (FORMULA_START.test(email)) return { ok: false, reason: `Email cannot start with "${email[0]}"` };
  if (email.length > MAX_EMAIL_LENGTH) {
    return { ok: false, reason: `Email is longer than ${MAX_EMAIL_LENGTH} characters` };
  }
  if (/\s/.test(email)) return { ok: false, reason: "Email contains a space" };
  const at = email.indexOf("@");
  if (at === -1 || at !== email.lastIndexOf("@")) return { ok: false, reason: "Email must contain exactly one @" };
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (!ANY_DOT.test(domain)) return { ok: false, reason: "The domain after @ must contain a dot, e.g. example.com" };
  const utf8Local = NON_ASCII.test(local);
  const localOk = utf8Local ? UNICODE_LOCAL.test(local) : ASCII_LOCAL.test(local);
  if (!localOk || octets(local, utf8Local) > MAX_LOCAL_OCTETS) return { ok: false, reason: "Not a valid email address" };

  const asciiDomain = asciiDomainOf(domain);
  if (asciiDomain === null) return { ok: false, reason: "Not a valid email address" };
  const ascii = `${local}@${asciiDomain}`;
  if (octets(ascii, utf8Local) > MAX_EMAIL_LENGTH) {
    return { ok: false, reason: `Email is longer than ${MAX_EMAIL_LENGTH} characters once its domain is encoded for sending` };
  }
  // A plain domain keeps the capitals it was typed with; an internationalised one is shown in its one Unicode form.
  const internationalised = NON_ASCII.test(domain) || /(?:^|\.)xn--/.test(asciiDomain);
  const displayDomain = internationalised ? toUnicode(asciiDomain, UTS46).domain : domain;
  return { ok: true, display: `${local}@${displayDomain}`, ascii, key: ascii.toLowerCase(), utf8Local };
}

/**
 * What an admin types to find an address, in the form keys are stored in: lower case, with a typed Unicode
 * domain encoded, so "zoe@exämple" finds "zoe@xn--exmple-cua.com". Punycode is not prefix-stable, so only the
 * labels typed in full are sure to match; a search before the @ is unaffected.
 */
export function emailSearchPrefix(typed: string): string {
  const text = typed.trim().normalize("NFC").toLowerCase();
  const at = text.lastIndexOf("@");
  const domain = text.slice(at + 1);
  if (at === -1 || !NON_ASCII.test(domain)) return text;
  const ascii = toASCII(domain, { ...UTS46, verifyDNSLength: false });
  return ascii === null ? text : `${text.slice(0, at)}@${ascii}`;
}

/**
 * Which providers can carry a non-ASCII local part, and if not, why (shown to the organiser as is). An SMTP relay
 * decides for itself: nodemailer asks for SMTPUTF8 whenever the relay offers it.
 */
export const UTF8_LOCAL_PART_SUPPORT = {
  smtp: { supported: true },
  sendgrid: {
    supported: false,
    why: "SendGrid's Mail Send API does not accept addresses with non-ASCII characters before the @ (SMTPUTF8)",
  },
  resend: {
    supported: false,
    why: "Resend does not offer SMTPUTF8: it sends through Amazon SES, which accepts only ASCII before the @",
  },
} as const satisfies Record<ProviderKind, { supported: true } | { supported: false; why: string }>;
