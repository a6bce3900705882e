/**
 * "Add to calendar" files (RFC 5545), written by hand rather than with the `ics` package. The package (3.12)
 * folds lines every 75 *characters* where the RFC says 75 *octets*, so any title with accents or emoji yields
 * over-long lines that strict parsers reject; it escapes quotes in CN with a backslash, which RFC 5545 does not
 * allow (RFC 6868 uses ^'); and its DTSTAMP comes from Date.now() unless an untyped option is passed, so two
 * renders of the same email differ. What we emit is small enough to own.
 */
import { parseEmailAddress } from "../email-address";

export interface CalendarEvent {
  title: string;
  description?: string | undefined;
  startsAt: Date;
  endsAt: Date;
  location?: string | undefined;
  onlineUrl?: string | undefined;
  /** Bumped on every edit of the event, so calendars replace their copy instead of keeping the old one. */
  sequence: number;
}

export interface CalendarPerson {
  email: string;
  name?: string | undefined;
}

export type IcsMethod = "PUBLISH" | "REQUEST";

export type InvitationIcsInput = {
  event: CalendarEvent;
  /** Makes the UID: one calendar entry per invitation, updated in place by later files. */
  invitationId: string;
  host: CalendarPerson;
  /** DTSTAMP. Pass the event's last update time, not "now", so a retried email carries identical bytes. */
  stamp: Date;
  /** Right-hand side of the UID. */
  uidDomain?: string;
} & (
  | {
      /**
       * PUBLISH (default): a plain calendar entry. Herald collects answers on its own page, and REQUEST would make
       * mail clients show their own Accept/Decline buttons that reply to the host's mailbox instead.
       */
      method?: "PUBLISH";
    }
  | { method: "REQUEST"; attendee: CalendarPerson }
);

const CRLF = "\r\n";
const MAX_LINE_OCTETS = 75;
// RFC 5545 TEXT allows HTAB but no other control character; LF survives here only to be escaped afterwards.
// eslint-disable-next-line no-control-regex -- finding control characters is the point.
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** TEXT value escaping (RFC 5545 §3.3.11). */
export function escapeIcsText(value: string): string {
  return value
    .replace(/\r\n?|[\u2028\u2029]/g, "\n")
    .replace(FORBIDDEN_CONTROL, "")
    .replace(/[\\;,\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** A quoted parameter value (CN=...), with RFC 6868 caret escapes since DQUOTE cannot appear inside. */
function quoteParam(value: string): string {
  const escaped = value
    .replace(/\r\n?|[\u2028\u2029]/g, "\n")
    .replace(FORBIDDEN_CONTROL, "")
    .replace(/\^/g, "^^")
    .replace(/\n/g, "^n")
    .replace(/"/g, "^'");
  return `"${escaped}"`;
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/** Folds at 75 octets without splitting a UTF-8 sequence; continuation lines start with one space. */
export function foldIcsLine(line: string): string {
  let out = "";
  let octets = 0;
  for (const ch of line) {
    const n = utf8Length(ch.codePointAt(0) ?? 0);
    if (octets + n > MAX_LINE_OCTETS) {
      out += `${CRLF} `;
      octets = 1;
    }
    out += ch;
    octets += n;
  }
  return out;
}

function utcStamp(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("Invalid date in calendar event");
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function mailto(person: CalendarPerson, role: string): string {
  const check = parseEmailAddress(person.email);
  if (!check.ok) throw new RangeError(`${role} email is not usable in a calendar file: ${check.reason}`);
  // The sending form: calendar clients match attendees against the address the mail was delivered to.
  return `mailto:${check.ascii}`;
}

function webUrl(value: string): string {
  const url = new URL(value);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new RangeError("onlineUrl must be http(s)");
  return url.href;
}

/** The .ics file for one invitation, CRLF line endings, folded and escaped. */
export function buildInvitationIcs(input: InvitationIcsInput): string {
  const { event, invitationId, host, stamp } = input;
  const method: IcsMethod = input.method ?? "PUBLISH";
  if (!Number.isSafeInteger(event.sequence) || event.sequence < 0) {
    throw new RangeError(`sequence must be a non-negative integer, got ${event.sequence}`);
  }
  if (event.endsAt.getTime() <= event.startsAt.getTime()) throw new RangeError("endsAt must be after startsAt");
  if (!/^[A-Za-z0-9._-]+$/.test(invitationId)) throw new RangeError("invitationId must be a plain id");

  const onlineUrl = event.onlineUrl === undefined ? undefined : webUrl(event.onlineUrl);
  const place = event.location?.trim() || undefined;
  let description = event.description?.trim() || undefined;
  // Many calendar apps hide URL; when LOCATION holds the venue, keep the joining link visible in the notes.
  if (onlineUrl !== undefined && place !== undefined) {
    description = description === undefined ? `Online: ${onlineUrl}` : `${description}\n\nOnline: ${onlineUrl}`;
  }

  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Herald//Event invitations//EN",
    "CALSCALE:GREGORIAN",
    `METHOD:${method}`,
    "BEGIN:VEVENT",
    `UID:${invitationId}@${input.uidDomain ?? "herald"}`,
    `DTSTAMP:${utcStamp(stamp)}`,
    `SEQUENCE:${event.sequence}`,
    `DTSTART:${utcStamp(event.startsAt)}`,
    `DTEND:${utcStamp(event.endsAt)}`,
    `SUMMARY:${escapeIcsText(event.title)}`,
  ];
  if (description !== undefined) lines.push(`DESCRIPTION:${escapeIcsText(description)}`);
  const location = place ?? onlineUrl;
  if (location !== undefined) lines.push(`LOCATION:${escapeIcsText(location)}`);
  if (onlineUrl !== undefined) lines.push(`URL:${onlineUrl}`);
  const hostName = host.name?.trim();
  lines.push(`ORGANIZER${hostName ? `;CN=${quoteParam(hostName)}` : ""}:${mailto(host, "Host")}`);
  if (input.method === "REQUEST") {
    const guestName = input.attendee.name?.trim();
    lines.push(
      `ATTENDEE${guestName ? `;CN=${quoteParam(guestName)}` : ""};ROLE=REQ-PARTICIPANT;RSVP=FALSE:${mailto(input.attendee, "Attendee")}`,
    );
  }
  lines.push("STATUS:CONFIRMED", "END:VEVENT", "END:VCALENDAR");
  return lines.map(foldIcsLine).join(CRLF) + CRLF;
}

/** The Content-Type for the attachment; clients read the method from here as well as from the body. */
export function icsContentType(method: IcsMethod = "PUBLISH"): string {
  return `text/calendar; charset=utf-8; method=${method}`;
}
