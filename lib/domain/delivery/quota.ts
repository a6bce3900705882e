import { LRUCache } from "lru-cache";
import { dateTimeFormat } from "../time/formats";

/**
 * A provider's quota day starts at its own reset time in its own timezone (one counts in UTC, a mailbox in
 * its owner's zone). The period is named after the local calendar date on which it started, so
 * with a 01:00 reset, 00:30 on the 2nd still belongs to period "…-01".
 */

export interface QuotaUsage {
  periodKey: string;
  sent: number;
}

const RESET_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isResetTime(value: string): boolean {
  return RESET_TIME.test(value);
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  return dateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    // h23, not hour12: false, which some engines render as "24:00" at midnight.
    hourCycle: "h23",
  });
}

interface LocalTime {
  date: string;
  time: string;
  /** Minutes the zone is ahead of UTC at that instant. */
  offsetMinutes: number;
}

/**
 * Wall-clock readings by zone and minute: the drain asks for a quota period several times per email (ranking,
 * picking, taking a unit), and formatToParts dominated its CPU profile at 150 emails/s. A reading depends only
 * on the minute (offsets are whole minutes), so one per zone and minute serves them all.
 */
const readings = new LRUCache<string, LocalTime>({ max: 1_024 });

function localTime(at: Date, timeZone: string): LocalTime {
  const key = `${timeZone}\u0000${Math.floor(at.getTime() / 60_000)}`;
  let reading = readings.get(key);
  if (!reading) {
    reading = readLocalTime(at, timeZone);
    readings.set(key, reading);
  }
  return reading;
}

function readLocalTime(at: Date, timeZone: string): LocalTime {
  const parts = formatterFor(timeZone).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const [year, month, day, hour, minute] = [get("year"), get("month"), get("day"), get("hour"), get("minute")];
  const wallAsUtc = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute));
  const minuteStart = Math.floor(at.getTime() / 60_000) * 60_000;
  return {
    date: `${year}-${month}-${day}`,
    time: `${hour}:${minute}`,
    offsetMinutes: Math.round((wallAsUtc - minuteStart) / 60_000),
  };
}

function previousDay(isoDate: string): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, (d ?? 1) - 1)).toISOString().slice(0, 10);
}

function checkResetTime(resetTime: string): void {
  if (!isResetTime(resetTime)) throw new RangeError(`Quota reset time must be HH:MM, got "${resetTime}"`);
}

function wallClockKey(local: LocalTime, resetTime: string): string {
  return local.time < resetTime ? previousDay(local.date) : local.date;
}

/** No zone has moved its clocks back by more than this, nor twice within it. */
const LONGEST_SETBACK_MS = 3 * 3600_000;

/**
 * The local calendar date (YYYY-MM-DD) on which the quota period containing `now` began. Reading the wall
 * clock alone is right except just after clocks go back: with a 01:30 reset, New York passes 01:30 EDT, then
 * reads 01:00 EST, and the wall clock alone would hand back yesterday's period (and its spent quota) for half
 * an hour. So when the clocks went back within the last few hours, the period reached just before the change
 * still counts: a period, once started, never un-starts.
 */
export function quotaPeriodKey(now: Date, resetTime: string, timeZone: string): string {
  checkResetTime(resetTime);
  const local = localTime(now, timeZone);
  const key = wallClockKey(local, resetTime);
  const earlierMs = now.getTime() - LONGEST_SETBACK_MS;
  if (localTime(new Date(earlierMs), timeZone).offsetMinutes <= local.offsetMinutes) return key;

  let before = Math.floor(earlierMs / 1000);
  let after = Math.ceil(now.getTime() / 1000);
  while (after - before > 1) {
    const mid = Math.floor((before + after) / 2);
    if (localTime(new Date(mid * 1000), timeZone).offsetMinutes <= local.offsetMinutes) after = mid;
    else before = mid;
  }
  const beforeSetback = wallClockKey(localTime(new Date(before * 1000), timeZone), resetTime);
  return beforeSetback > key ? beforeSetback : key;
}

/**
 * The first instant after `now` that belongs to a later quota period. Found by bisection over whole seconds
 * rather than by offset arithmetic, so it agrees with quotaPeriodKey by construction, including in DST gaps
 * where the reset time does not exist on the wall clock.
 */
export function nextQuotaReset(now: Date, resetTime: string, timeZone: string): Date {
  const current = quotaPeriodKey(now, resetTime, timeZone);
  const isLater = (seconds: number) => quotaPeriodKey(new Date(seconds * 1000), resetTime, timeZone) > current;
  let before = Math.floor(now.getTime() / 1000);
  // A period is at most a day plus a DST shift; two days always reaches the next one.
  let after = before + 48 * 3600;
  while (after - before > 1) {
    const mid = Math.floor((before + after) / 2);
    if (isLater(mid)) after = mid;
    else before = mid;
  }
  return new Date(after * 1000);
}

/** Sends left in the current period; null means no daily limit. Usage from an older period counts as nothing. */
export function remainingQuota(
  usage: QuotaUsage | null,
  dailyQuota: number | null,
  periodKey: string,
): number | null {
  if (dailyQuota === null) return null;
  const sent = usage !== null && usage.periodKey === periodKey ? usage.sent : 0;
  return Math.max(0, dailyQuota - sent);
}

/** Counts `count` sends against the current period, starting a fresh count when the period has rolled over. */
export function recordSends(usage: QuotaUsage | null, periodKey: string, count = 1): QuotaUsage {
  const sent = usage !== null && usage.periodKey === periodKey ? usage.sent : 0;
  return { periodKey, sent: sent + count };
}

/**
 * Quota grants: drains running at once (an overlapping scheduled run, a worker beside the function) must not
 * each spend the same remaining units. A drain reserves a block of units on the provider document, spends them
 * locally, and settles what it used when it asks for more or finishes. A grant that expires (its drain died)
 * counts as fully spent: that can leave a few units unused until the reset, but never sends past the quota.
 */
export interface QuotaGrant {
  units: number;
  expiresAt: Date;
}

export interface GrantedUsage extends QuotaUsage {
  grants: Record<string, QuotaGrant>;
}

function currentPeriod(usage: GrantedUsage | null, periodKey: string, now: Date): GrantedUsage {
  if (!usage || usage.periodKey !== periodKey) return { periodKey, sent: 0, grants: {} };
  const out: GrantedUsage = { periodKey, sent: usage.sent, grants: {} };
  for (const [drainId, grant] of Object.entries(usage.grants ?? {})) {
    if (grant.expiresAt.getTime() <= now.getTime()) out.sent += grant.units;
    else out.grants[drainId] = grant;
  }
  return out;
}

/** What a drain spent of the grant it holds: the period the grant was for, and the units used. */
export interface GrantSpend {
  periodKey: string;
  used: number;
}

/**
 * Settles the drain's current grant (`spent`) into `sent` and gives its unused units back. Units spent in a
 * period that has since rolled over are not carried into the new one.
 */
export function settleQuota(usage: GrantedUsage | null, drainId: string, spent: GrantSpend | null, periodKey: string, now: Date): GrantedUsage {
  let u = usage;
  if (u) {
    const grants = Object.fromEntries(Object.entries(u.grants ?? {}).filter(([id]) => id !== drainId));
    const sent = spent && u.periodKey === spent.periodKey ? u.sent + spent.used : u.sent;
    u = { periodKey: u.periodKey, sent, grants };
  }
  return currentPeriod(u, periodKey, now);
}

/**
 * Settles the drain's current grant and reserves up to `want` more units in `periodKey`. Returns the units
 * granted (0 when the quota is spent or reserved by other drains) and the usage to store.
 */
export function grantQuota(input: {
  usage: GrantedUsage | null;
  dailyQuota: number;
  periodKey: string;
  drainId: string;
  spent: GrantSpend | null;
  want: number;
  now: Date;
  ttlMs: number;
}): { units: number; usage: GrantedUsage } {
  const usage = settleQuota(input.usage, input.drainId, input.spent, input.periodKey, input.now);
  const reserved = Object.values(usage.grants).reduce((sum, g) => sum + g.units, 0);
  const units = Math.max(0, Math.min(Math.floor(input.want), input.dailyQuota - usage.sent - reserved));
  if (units > 0) usage.grants[input.drainId] = { units, expiresAt: new Date(input.now.getTime() + input.ttlMs) };
  return { units, usage };
}
