import { describe, expect, it } from "vitest";
import {
  formatEventTime,
  instantToZonedLocal,
  isExistingLocalTime,
  isValidTimeZone,
  linkExpiry,
  normaliseTimeZone,
  parseLocalDateTime,
  zonedLocalToInstant,
} from "./time";

describe("zonedLocalToInstant", () => {
  it("reads Paris winter time as UTC+1 and summer time as UTC+2", () => {
    expect(zonedLocalToInstant("2026-12-05T18:00", "Europe/Paris").toISOString()).toBe("2026-12-05T17:00:00.000Z");
    expect(zonedLocalToInstant("2026-07-14T18:00", "Europe/Paris").toISOString()).toBe("2026-07-14T16:00:00.000Z");
  });

  it("handles zones west of UTC, half-hour offsets and UTC itself", () => {
    expect(zonedLocalToInstant("2026-01-15T09:30", "America/New_York").toISOString()).toBe("2026-01-15T14:30:00.000Z");
    expect(zonedLocalToInstant("2026-01-15T09:30", "Asia/Kolkata").toISOString()).toBe("2026-01-15T04:00:00.000Z");
    expect(zonedLocalToInstant("2026-01-15T09:30:15", "UTC").toISOString()).toBe("2026-01-15T09:30:15.000Z");
  });

  it("gets the hours either side of a DST change right", () => {
    // Paris springs forward at 02:00 local (01:00Z) on 2026-03-29.
    expect(zonedLocalToInstant("2026-03-29T01:59", "Europe/Paris").toISOString()).toBe("2026-03-29T00:59:00.000Z");
    expect(zonedLocalToInstant("2026-03-29T03:00", "Europe/Paris").toISOString()).toBe("2026-03-29T01:00:00.000Z");
    // and falls back at 03:00 local (01:00Z) on 2026-10-25.
    expect(zonedLocalToInstant("2026-10-25T01:59", "Europe/Paris").toISOString()).toBe("2026-10-24T23:59:00.000Z");
    expect(zonedLocalToInstant("2026-10-25T03:00", "Europe/Paris").toISOString()).toBe("2026-10-25T02:00:00.000Z");
  });

  it("moves a time skipped by spring-forward ahead by the gap, like calendar apps", () => {
    // 02:30 does not exist in Paris that night; it becomes 03:30 CEST.
    const instant = zonedLocalToInstant("2026-03-29T02:30", "Europe/Paris");
    expect(instant.toISOString()).toBe("2026-03-29T01:30:00.000Z");
    expect(instantToZonedLocal(instant, "Europe/Paris")).toBe("2026-03-29T03:30");
  });

  it("picks the first of the two 02:30s at fall-back", () => {
    expect(zonedLocalToInstant("2026-10-25T02:30", "Europe/Paris").toISOString()).toBe("2026-10-25T00:30:00.000Z");
    // New York falls back at 02:00 EDT on 2026-11-01: 01:30 happens at 05:30Z and again at 06:30Z.
    expect(zonedLocalToInstant("2026-11-01T01:30", "America/New_York").toISOString()).toBe("2026-11-01T05:30:00.000Z");
  });

  it("handles a southern-hemisphere zone whose DST runs over new year", () => {
    // Sydney: AEDT (UTC+11) in January, AEST (UTC+10) in July.
    expect(zonedLocalToInstant("2027-01-10T12:00", "Australia/Sydney").toISOString()).toBe("2027-01-10T01:00:00.000Z");
    expect(zonedLocalToInstant("2026-07-10T12:00", "Australia/Sydney").toISOString()).toBe("2026-07-10T02:00:00.000Z");
  });

  it("refuses malformed input instead of guessing", () => {
    expect(() => zonedLocalToInstant("2026-02-30T10:00", "Europe/Paris")).toThrow(RangeError);
    expect(() => zonedLocalToInstant("2026-12-05 18:00", "Europe/Paris")).toThrow(RangeError);
    expect(() => zonedLocalToInstant("2026-12-05T18:00", "Europe/Atlantis")).toThrow(RangeError);
  });
});

describe("instantToZonedLocal", () => {
  it("round-trips what the datetime-local input submitted, so the edit form shows the saved time", () => {
    for (const local of ["2026-12-05T18:00", "2026-07-14T00:00", "2026-10-25T02:30", "2028-02-29T23:59"]) {
      expect(instantToZonedLocal(zonedLocalToInstant(local, "Europe/Paris"), "Europe/Paris")).toBe(local);
    }
  });
});

describe("isExistingLocalTime", () => {
  it("is false only for the hour skipped at spring-forward", () => {
    expect(isExistingLocalTime("2026-03-29T02:30", "Europe/Paris")).toBe(false);
    expect(isExistingLocalTime("2026-03-29T03:00", "Europe/Paris")).toBe(true);
    expect(isExistingLocalTime("2026-10-25T02:30", "Europe/Paris")).toBe(true);
    expect(isExistingLocalTime("2026-03-29T02:30", "UTC")).toBe(true);
  });
});

describe("parseLocalDateTime", () => {
  it("accepts what datetime-local gives and rejects impossible dates", () => {
    expect(parseLocalDateTime("2028-02-29T23:59")).toEqual({ year: 2028, month: 2, day: 29, hour: 23, minute: 59, second: 0 });
    expect(parseLocalDateTime("2027-02-29T10:00")).toBeNull();
    expect(parseLocalDateTime("2026-12-05T24:00")).toBeNull();
    expect(parseLocalDateTime("2026-12-05T18:00Z")).toBeNull();
  });
});

describe("time zones", () => {
  it("accepts IANA names and refuses offsets and unknown names", () => {
    expect(isValidTimeZone("Europe/Paris")).toBe(true);
    expect(isValidTimeZone("America/Argentina/Buenos_Aires")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("+01:00")).toBe(false);
    expect(isValidTimeZone("Europe/Atlantis")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });

  it("fixes the casing of a zone typed in lower case", () => {
    expect(normaliseTimeZone("europe/paris")).toBe("Europe/Paris");
    expect(normaliseTimeZone("Asia/Kolkata")).toBe("Asia/Kolkata");
  });
});

describe("formatEventTime", () => {
  const start = new Date("2026-12-05T17:00:00Z");
  const end = new Date("2026-12-05T20:00:00Z");

  it("writes the date once for an evening event, with the venue's zone", () => {
    expect(formatEventTime(start, end, "Europe/Paris")).toMatch(/^Sat,? 5 Dec 2026, 18:00\s?–\s?21:00 \(Europe\/Paris\)$/);
  });

  it("shows the same event in the guest's own zone", () => {
    const text = formatEventTime(start, end, "America/New_York");
    expect(text).toMatch(/^Sat,? 5 Dec 2026, 12:00\s?–\s?15:00 \(America\/New_York\)$/);
  });

  it("writes both dates when the event crosses midnight in that zone", () => {
    const text = formatEventTime(start, new Date("2026-12-06T01:00:00Z"), "Europe/Paris");
    expect(text).toContain("5 Dec 2026");
    expect(text).toContain("6 Dec 2026");
    expect(text).toContain("02:00");
  });

  it("follows the locale", () => {
    expect(formatEventTime(start, end, "Europe/Paris", "fr-FR")).toMatch(/^sam\. 5 déc\. 2026/);
  });
});

describe("linkExpiry", () => {
  const now = new Date("2026-11-01T10:00:00Z");

  it("is the lifetime after now when the event is further away", () => {
    expect(linkExpiry(now, 7, new Date("2026-12-05T20:00:00Z")).toISOString()).toBe("2026-11-08T10:00:00.000Z");
  });

  it("is capped at the end of the event", () => {
    const endsAt = new Date("2026-11-03T20:00:00Z");
    expect(linkExpiry(now, 7, endsAt).toISOString()).toBe(endsAt.toISOString());
  });

  it("rejects a non-positive lifetime", () => {
    expect(() => linkExpiry(now, 0, new Date("2026-12-05T20:00:00Z"))).toThrow(RangeError);
  });
});
