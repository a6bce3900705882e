import { describe, expect, it } from "vitest";
import { zonedLocalToInstant } from "../events/time";
import { buildInvitationIcs, escapeIcsText, foldIcsLine, icsContentType, type CalendarEvent } from "./ics";

const host = { email: "host@example.com", name: "Herald Events" };
const stamp = new Date("2026-11-01T09:00:00Z");

function parisEvent(startLocal: string, endLocal: string, extra: Partial<CalendarEvent> = {}): CalendarEvent {
  return {
    title: "Winter party",
    startsAt: zonedLocalToInstant(startLocal, "Europe/Paris"),
    endsAt: zonedLocalToInstant(endLocal, "Europe/Paris"),
    sequence: 0,
    ...extra,
  };
}

/** Undo folding, then split into content lines, as a calendar app reads the file. */
function contentLines(ics: string): string[] {
  return ics.replace(/\r\n[ \t]/g, "").split("\r\n").filter((l) => l !== "");
}

function property(ics: string, name: string): string | undefined {
  return contentLines(ics).find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));
}

describe("buildInvitationIcs", () => {
  it("writes a Paris winter event in UTC (CET, UTC+1)", () => {
    const ics = buildInvitationIcs({ event: parisEvent("2026-12-05T18:00", "2026-12-05T21:00"), invitationId: "abc123", host, stamp });
    expect(property(ics, "DTSTART")).toBe("DTSTART:20261205T170000Z");
    expect(property(ics, "DTEND")).toBe("DTEND:20261205T200000Z");
  });

  it("writes a Paris summer event in UTC (CEST, UTC+2)", () => {
    const ics = buildInvitationIcs({ event: parisEvent("2026-07-14T18:00", "2026-07-14T23:30"), invitationId: "abc123", host, stamp });
    expect(property(ics, "DTSTART")).toBe("DTSTART:20260714T160000Z");
    expect(property(ics, "DTEND")).toBe("DTEND:20260714T213000Z");
  });

  it("keeps the UID per invitation across edits, and carries the edit sequence", () => {
    const first = buildInvitationIcs({ event: parisEvent("2026-12-05T18:00", "2026-12-05T21:00"), invitationId: "abc123", host, stamp });
    const edited = buildInvitationIcs({
      event: parisEvent("2026-12-05T19:00", "2026-12-05T22:00", { sequence: 3, title: "Winter party (new time)" }),
      invitationId: "abc123",
      host,
      stamp,
    });
    const other = buildInvitationIcs({ event: parisEvent("2026-12-05T18:00", "2026-12-05T21:00"), invitationId: "def456", host, stamp });
    expect(property(first, "UID")).toBe("UID:abc123@herald");
    expect(property(edited, "UID")).toBe(property(first, "UID"));
    expect(property(other, "UID")).not.toBe(property(first, "UID"));
    expect(property(first, "SEQUENCE")).toBe("SEQUENCE:0");
    expect(property(edited, "SEQUENCE")).toBe("SEQUENCE:3");
  });

  it("renders the same bytes for the same input, so a retried email is identical", () => {
    const input = { event: parisEvent("2026-12-05T18:00", "2026-12-05T21:00"), invitationId: "abc123", host, stamp };
    expect(buildInvitationIcs(input)).toBe(buildInvitationIcs(input));
    expect(property(buildInvitationIcs(input), "DTSTAMP")).toBe("DTSTAMP:20261101T090000Z");
  });

  it("escapes commas, semicolons, backslashes and line breaks in text", () => {
    const ics = buildInvitationIcs({
      event: parisEvent("2026-12-05T18:00", "2026-12-05T21:00", {
        title: "Drinks, food; music",
        description: "Line one\r\nLine two\nC:\\party",
        location: "Le Café, 4 rue X; Paris",
      }),
      invitationId: "abc123",
      host,
      stamp,
    });
    expect(property(ics, "SUMMARY")).toBe("SUMMARY:Drinks\\, food\\; music");
    expect(property(ics, "DESCRIPTION")).toBe("DESCRIPTION:Line one\\nLine two\\nC:\\\\party");
    expect(property(ics, "LOCATION")).toBe("LOCATION:Le Café\\, 4 rue X\\; Paris");
  });

  it("cannot be broken into extra properties by a title with a line break", () => {
    const ics = buildInvitationIcs({
      event: parisEvent("2026-12-05T18:00", "2026-12-05T21:00", { title: "Party\r\nATTENDEE:mailto:evil@example.com" }),
      invitationId: "abc123",
      host,
      stamp,
    });
    expect(contentLines(ics).some((l) => l.startsWith("ATTENDEE"))).toBe(false);
  });

  it("gives the venue as LOCATION and keeps the online link visible", () => {
    const ics = buildInvitationIcs({
      event: parisEvent("2026-12-05T18:00", "2026-12-05T21:00", {
        location: "Town hall",
        onlineUrl: "https://meet.example.com/abc?x=1,2",
      }),
      invitationId: "abc123",
      host,
      stamp,
    });
    expect(property(ics, "LOCATION")).toBe("LOCATION:Town hall");
    expect(property(ics, "URL")).toBe("URL:https://meet.example.com/abc?x=1,2");
    expect(property(ics, "DESCRIPTION")).toBe("DESCRIPTION:Online: https://meet.example.com/abc?x=1\\,2");
  });

  it("uses the online link as the location of an online-only event", () => {
    const ics = buildInvitationIcs({
      event: parisEvent("2026-12-05T18:00", "2026-12-05T21:00", { onlineUrl: "https://meet.example.com/abc" }),
      invitationId: "abc123",
      host,
      stamp,
    });
    expect(property(ics, "LOCATION")).toBe("LOCATION:https://meet.example.com/abc");
    expect(property(ics, "DESCRIPTION")).toBeUndefined();
  });

  it("names the organizer with a quoted CN that survives quotes and colons", () => {
    const ics = buildInvitationIcs({
      event: parisEvent("2026-12-05T18:00", "2026-12-05T21:00"),
      invitationId: "abc123",
      host: { email: "host@example.com", name: 'Ann "The Host": Events' },
      stamp,
    });
    expect(property(ics, "ORGANIZER")).toBe(`ORGANIZER;CN="Ann ^'The Host^': Events":mailto:host@example.com`);
  });

  it("publishes by default and adds the attendee for REQUEST", () => {
    const event = parisEvent("2026-12-05T18:00", "2026-12-05T21:00");
    const published = buildInvitationIcs({ event, invitationId: "abc123", host, stamp });
    expect(property(published, "METHOD")).toBe("METHOD:PUBLISH");
    expect(property(published, "ATTENDEE")).toBeUndefined();
    const requested = buildInvitationIcs({
      event,
      invitationId: "abc123",
      host,
      stamp,
      method: "REQUEST",
      attendee: { email: "jane@example.com", name: "Jane" },
    });
    expect(property(requested, "METHOD")).toBe("METHOD:REQUEST");
    expect(property(requested, "ATTENDEE")).toBe('ATTENDEE;CN="Jane";ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:jane@example.com');
    expect(icsContentType("REQUEST")).toBe("text/calendar; charset=utf-8; method=REQUEST");
  });

  it("is a well-formed calendar: CRLF lines of at most 75 octets, even with accents and emoji", () => {
    const title = "Soirée d'hiver à l'Hôtel de Ville 🎉 — réservée aux élèves, professeurs et familles";
    const ics = buildInvitationIcs({
      event: parisEvent("2026-12-05T18:00", "2026-12-05T21:00", { title, description: "é".repeat(200) }),
      invitationId: "abc123",
      host,
      stamp,
    });
    expect(ics.startsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")).toBe(true);
    expect(ics.endsWith("END:VEVENT\r\nEND:VCALENDAR\r\n")).toBe(true);
    expect(ics.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    for (const physical of ics.split("\r\n")) {
      expect(new TextEncoder().encode(physical).length).toBeLessThanOrEqual(75);
    }
    expect(property(ics, "SUMMARY")).toBe(`SUMMARY:${escapeIcsText(title)}`);
    expect(property(ics, "DESCRIPTION")).toBe(`DESCRIPTION:${"é".repeat(200)}`);
  });

  it("refuses inputs that would produce a broken or misleading file", () => {
    const event = parisEvent("2026-12-05T18:00", "2026-12-05T21:00");
    expect(() => buildInvitationIcs({ event, invitationId: "abc123", host: { email: "host@example.com\r\nX: y" }, stamp })).toThrow(
      RangeError,
    );
    expect(() => buildInvitationIcs({ event: { ...event, endsAt: event.startsAt }, invitationId: "abc123", host, stamp })).toThrow(
      RangeError,
    );
    expect(() => buildInvitationIcs({ event: { ...event, onlineUrl: "javascript:alert(1)" }, invitationId: "abc123", host, stamp })).toThrow(
      RangeError,
    );
    expect(() => buildInvitationIcs({ event: { ...event, sequence: -1 }, invitationId: "abc123", host, stamp })).toThrow(RangeError);
  });
});

describe("foldIcsLine", () => {
  it("never splits a multi-byte character", () => {
    const folded = foldIcsLine(`SUMMARY:${"🎉".repeat(40)}`);
    for (const physical of folded.split("\r\n")) {
      expect(physical).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    }
    expect(folded.replace(/\r\n /g, "")).toBe(`SUMMARY:${"🎉".repeat(40)}`);
  });
});
