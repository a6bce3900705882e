import { LRUCache } from "lru-cache";
import { dateTimeFormat } from "../time/formats";

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

const DAY_MS = 86_400_000;

export interface LocalDateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * Parses the value an `<input type="datetime-local">` submits ("YYYY-MM-DDTHH:MM", seconds only when the input
 * has a `step`). Returns null for anything else, including impossible dates such as 2026-02-30, so a typo in a
 * hand-edited form never silently rolls over into the next month.
 */
export function parseLocalDateTime(local: string): LocalDateTimeParts | null {
  const m = LOCAL_DATE_TIME.exec(local);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || day < 1) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  return { year, month, day, hour, minute, second };
}

function wallClockFormatter(timeZone: string): Intl.DateTimeFormat {
  return dateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
}

/** The wall-clock reading in `timeZone` at `epochMs`, expressed as if that reading were UTC. */
function wallClockMs(epochMs: number, timeZone: string): number {
  const parts = wallClockFormatter(timeZone).formatToParts(new Date(epochMs));
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const p of parts) {
    switch (p.type) {
      case "year":
        year = Number(p.value);
        break;
      case "month":
        month = Number(p.value);
        break;
      case "day":
        day = Number(p.value);
        break;
      // Some ICU builds still print midnight as "24" even with h23.
      case "hour":
        hour = Number(p.value) % 24;
        break;
      case "minute":
        minute = Number(p.value);
        break;
      case "second":
        second = Number(p.value);
        break;
    }
  }
  return wallMs({ year, month, day, hour, minute, second });
}

function wallMs(p: LocalDateTimeParts): number {
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  d.setUTCHours(p.hour, p.minute, p.second, 0);
  return d.getTime();
}

/** Offset of `timeZone` from UTC at `epochMs`, in milliseconds (positive east of Greenwich). */
function offsetMs(epochMs: number, timeZone: string): number {
  const wholeSecond = Math.floor(epochMs / 1000) * 1000;
  return wallClockMs(wholeSecond, timeZone) - wholeSecond;
}

/**
 * Is `timeZone` an IANA zone this runtime knows? Offsets such as "+01:00" are refused even where Intl accepts
 * them: a fixed offset silently stops matching the venue's clocks at the next DST change.
 */
export function isValidTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The spelling to store for a zone the user typed. Intl matches zone names case-insensitively, so "europe/paris"
 * would validate and then be shown as typed; fix the casing, but keep aliases (Asia/Kolkata) as the user wrote
 * them because some ICU builds canonicalise to the outdated name (Asia/Calcutta).
 */
export function normaliseTimeZone(timeZone: string): string {
  const resolved = new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  return resolved.toLowerCase() === timeZone.toLowerCase() ? resolved : timeZone;
}

/**
 * The instant at which clocks in `timeZone` read `local` ("YYYY-MM-DDTHH:MM[:SS]").
 *
 * DST follows Temporal's "compatible" rule, which is what calendar apps do: a time skipped by spring-forward
 * (02:30 in Paris on the last Sunday of March) moves forward by the length of the gap (03:30 CEST); a time
 * that happens twice at fall-back resolves to the first occurrence (the summer-time one). Use
 * `isExistingLocalTime` to refuse skipped times instead.
 *
 * Assumes a zone changes its offset at most once within a day either side of `local`, true of every zone in
 * the IANA database for dates a user would pick.
 *
 * @throws RangeError when `local` is not a valid local date-time or `timeZone` is unknown.
 */
export function zonedLocalToInstant(local: string, timeZone: string): Date {
  const p = parseLocalDateTime(local);
  if (!p) throw new RangeError(`Not a local date-time: ${JSON.stringify(local)}`);
  if (!isValidTimeZone(timeZone)) throw new RangeError(`Unknown time zone: ${JSON.stringify(timeZone)}`);
  const wall = wallMs(p);

  const before = offsetMs(wall - DAY_MS, timeZone);
  const after = offsetMs(wall + DAY_MS, timeZone);
  const candidates = [wall - before, wall - after].filter((t) => wallClockMs(t, timeZone) === wall);
  if (candidates.length > 0) return new Date(Math.min(...candidates));
  // In a gap: read the wall time with the offset in force before the jump, which lands after the jump.
  return new Date(wall - before);
}

/** The "YYYY-MM-DDTHH:MM" an `<input type="datetime-local">` needs to show `instant` as clocks in `timeZone` read it. */
export function instantToZonedLocal(instant: Date, timeZone: string): string {
  const wall = new Date(wallClockMs(instant.getTime(), timeZone));
  return wall.toISOString().slice(0, 16);
}

/** False for wall-clock times that never happen in `timeZone` (skipped when clocks go forward). */
export function isExistingLocalTime(local: string, timeZone: string): boolean {
  const p = parseLocalDateTime(local);
  if (!p) return false;
  return wallClockMs(zonedLocalToInstant(local, timeZone).getTime(), timeZone) === wallMs(p);
}


function rangeFormatter(timeZone: string, locale: string): Intl.DateTimeFormat {
  return dateTimeFormat(locale, {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/**
 * Every view of an invitation page prints its event's range, and a burst of guests views the same few events:
 * formatRange was 2.4% of the app's CPU in bench:accept's page views, for the same few strings.
 */
const formattedRanges = new LRUCache<string, string>({ max: 1_000 });

/**
 * A human range such as "Sat, 5 Dec 2026, 18:00–21:00 (Europe/Paris)"; the date is written once when both ends
 * fall on the same day in `timeZone`. Call it again with the viewer's zone for the "your time" line: the zone
 * name is always printed because the same figures mean different instants in different zones.
 */
export function formatEventTime(start: Date, end: Date, timeZone: string, locale = "en-GB"): string {
  const key = `${start.getTime()}\u0000${end.getTime()}\u0000${timeZone}\u0000${locale}`;
  let text = formattedRanges.get(key);
  if (text === undefined) {
    text = `${rangeFormatter(timeZone, locale).formatRange(start, end)} (${timeZone})`;
    formattedRanges.set(key, text);
  }
  return text;
}

/**
 * When an invitation link stops working: `lifetimeDays` after it is issued, but never after the event ends,
 * because an invitation to a finished event has nothing left to answer. Days are 24-hour periods, not calendar
 * days, so the lifetime does not depend on the zone of whoever reads it.
 */
export function linkExpiry(now: Date, lifetimeDays: number, eventEndsAt: Date): Date {
  if (!Number.isFinite(lifetimeDays) || lifetimeDays <= 0) {
    throw new RangeError(`lifetimeDays must be positive, got ${lifetimeDays}`);
  }
  const byLifetime = now.getTime() + lifetimeDays * DAY_MS;
  return new Date(Math.min(byLifetime, eventEndsAt.getTime()));
}
