import { z } from "zod";
import { nextQuotaReset } from "../delivery/quota";
import { zonedLocalToInstant } from "../events/time";
import { FIRESTORE_QUOTA_TIMEZONE, firestoreQuotaDay } from "../quota-day";

/**
 * The Firestore budget arithmetic of the burn monitor and the burn guard: what a day's operations amount to
 * against its budget, where the day ends at the current rate, and which warning level that is. Pure, so the
 * page, the guard and the tests agree on every number.
 */

export const BURN_KINDS = ["reads", "writes", "deletes"] as const;
export type BurnKind = (typeof BURN_KINDS)[number];
export type BurnCounts = Record<BurnKind, number>;

export const ZERO_BURN: BurnCounts = { reads: 0, writes: 0, deletes: 0 };

/** Firestore's free tier (Spark) per quota day: the budget unless an operator sets a paid one. */
export const SPARK_DAILY_BUDGET: BurnCounts = { reads: 50_000, writes: 20_000, deletes: 20_000 };

/** The warning levels, in percent of the day's budget. */
export const BURN_THRESHOLDS = [70, 90, 100] as const;
export type BurnThreshold = (typeof BURN_THRESHOLDS)[number];

const thresholdSchema = z.union([z.literal(70), z.literal(90), z.literal(100)]);

/** A paid plan's daily budget; every figure a whole number of operations, generous upper bound against typos. */
export const burnBudgetSchema = z.object({
  reads: z.number().int().positive().max(1e12),
  writes: z.number().int().positive().max(1e12),
  deletes: z.number().int().positive().max(1e12),
});

/**
 * When the burn guard halts sending by itself. `burnAt`: today's use crossed that share of the budget.
 * `forecastAt`: at the current rate, the day would end above that share. null turns a rule off.
 */
export const autoHaltSchema = z.object({
  burnAt: thresholdSchema.nullable(),
  forecastAt: thresholdSchema.nullable(),
});
export type AutoHalt = z.infer<typeof autoHaltSchema>;

/** Halting at 90 % of burn keeps the last tenth of the free tier for guests answering their invitations. */
export const DEFAULT_AUTO_HALT: AutoHalt = { burnAt: 90, forecastAt: null };

export function addCounts(a: BurnCounts, b: BurnCounts): BurnCounts {
  return { reads: a.reads + b.reads, writes: a.writes + b.writes, deletes: a.deletes + b.deletes };
}

export function subtractCounts(a: BurnCounts, b: BurnCounts): BurnCounts {
  return { reads: a.reads - b.reads, writes: a.writes - b.writes, deletes: a.deletes - b.deletes };
}

/** The highest warning level `used` has reached, or null below the first. */
export function thresholdReached(used: number, budget: number): BurnThreshold | null {
  const percent = budget > 0 ? (used / budget) * 100 : 0;
  let reached: BurnThreshold | null = null;
  for (const t of BURN_THRESHOLDS) if (percent >= t) reached = t;
  return reached;
}

const HOUR_MS = 3_600_000;

/**
 * Hourly buckets are keyed by the UTC hour ("2026-06-01T17"), not a local one: every zone the operator may be
 * in then maps each bucket to one local hour (or half hour), and no bucket is ambiguous across a DST change.
 */
export function hourKey(at: Date): string {
  return at.toISOString().slice(0, 13);
}

export function hourStart(key: string): Date {
  return new Date(`${key}:00:00.000Z`);
}

export function isHourKey(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}$/.test(value) && !Number.isNaN(hourStart(value).getTime());
}

/** The instant the quota day containing `now` ends: the next midnight US Pacific. */
export function nextFirestoreReset(now: Date): Date {
  return nextQuotaReset(now, "00:00", FIRESTORE_QUOTA_TIMEZONE);
}

/** The instant the quota day containing `now` began: its midnight US Pacific, which DST never skips. */
export function firestoreDayStart(now: Date): Date {
  return zonedLocalToInstant(`${firestoreQuotaDay(now)}T00:00`, FIRESTORE_QUOTA_TIMEZONE);
}

/** One hour of the day, in UTC hour order. */
export interface HourlyCounts {
  hour: string;
  counts: BurnCounts;
}

/**
 * The hours of the quota day containing `now`, from its start to the hour containing `now` (or, with `wholeDay`,
 * to the reset), zero where nothing was counted.
 */
export function hoursOfDay(hours: Record<string, BurnCounts>, now: Date, wholeDay = false): HourlyCounts[] {
  const start = firestoreDayStart(now);
  const end = wholeDay ? nextFirestoreReset(now).getTime() - 1 : now.getTime();
  const out: HourlyCounts[] = [];
  for (let t = Math.floor(start.getTime() / HOUR_MS) * HOUR_MS; t <= end; t += HOUR_MS) {
    const key = hourKey(new Date(t));
    out.push({ hour: key, counts: hours[key] ?? ZERO_BURN });
  }
  return out;
}

export interface Forecast {
  /** Operations per hour at the current rate (the trailing hour, or the day so far if it is younger). */
  perHour: BurnCounts;
  /** Where the day ends if that rate holds until the reset. */
  projected: BurnCounts;
  endsAt: Date;
}

/**
 * The day's end at the current rate. The rate is the trailing hour's: the current bucket in full plus the
 * unelapsed share of the previous one (operations assumed even within an hour), so a burst shows at once and
 * fades within the hour after it stops. In the day's first hour the day so far is the window.
 */
export function forecastDay(totals: BurnCounts, hours: Record<string, BurnCounts>, now: Date): Forecast {
  const start = firestoreDayStart(now);
  const endsAt = nextFirestoreReset(now);
  const sinceStart = Math.max(1, now.getTime() - start.getTime());
  const remaining = Math.max(0, endsAt.getTime() - now.getTime());
  let window: BurnCounts;
  let windowMs: number;
  if (sinceStart < HOUR_MS) {
    window = totals;
    windowMs = sinceStart;
  } else {
    const current = hours[hourKey(now)] ?? ZERO_BURN;
    const previousKey = hourKey(new Date(now.getTime() - HOUR_MS));
    const previous = hours[previousKey] ?? ZERO_BURN;
    const elapsed = (now.getTime() % HOUR_MS) / HOUR_MS;
    // The previous hour may have started before the quota day: only its part inside the day is in `hours`.
    const previousShare = hourStart(previousKey) < start ? 0 : 1 - elapsed;
    window = {
      reads: current.reads + previous.reads * previousShare,
      writes: current.writes + previous.writes * previousShare,
      deletes: current.deletes + previous.deletes * previousShare,
    };
    windowMs = HOUR_MS;
  }
  const perMs = (kind: BurnKind) => window[kind] / windowMs;
  const perHour = { reads: perMs("reads") * HOUR_MS, writes: perMs("writes") * HOUR_MS, deletes: perMs("deletes") * HOUR_MS };
  const projected = {
    reads: Math.round(totals.reads + perMs("reads") * remaining),
    writes: Math.round(totals.writes + perMs("writes") * remaining),
    deletes: Math.round(totals.deletes + perMs("deletes") * remaining),
  };
  return { perHour, projected, endsAt };
}

/** What the guard remembers after an operator resumed an automatic halt: no new halt below the next level. */
export interface AutoHaltSnooze {
  day: string;
  level: BurnThreshold;
}

export type GuardDecision =
  | { halt: false }
  | { halt: true; basis: "burn" | "forecast"; kind: BurnKind; level: BurnThreshold; percent: number; reason: string };

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/**
 * Whether the burn guard should halt sending now. The lowest level a rule allows is raised above a snoozed
 * level for the rest of that quota day, so an operator who resumes after a halt at 90 % is stopped again at
 * 100 %, not a second later.
 */
export function decideAutoHalt(input: {
  day: string;
  totals: BurnCounts;
  projected: BurnCounts;
  budget: BurnCounts;
  rules: AutoHalt;
  snooze: AutoHaltSnooze | null;
}): GuardDecision {
  const floor = input.snooze && input.snooze.day === input.day ? input.snooze.level : 0;
  const check = (basis: "burn" | "forecast", at: BurnThreshold | null, values: BurnCounts): GuardDecision => {
    if (at === null) return { halt: false };
    for (const kind of BURN_KINDS) {
      const reached = thresholdReached(values[kind], input.budget[kind]);
      if (reached === null || reached < at || reached <= floor) continue;
      const percent = Math.floor((values[kind] / input.budget[kind]) * 100);
      const reason =
        basis === "burn"
          ? `Firestore ${kind} reached ${percent}% of today's budget (${fmt(values[kind])} of ${fmt(input.budget[kind])}); the automatic halt is set at ${at}%.`
          : `At the current rate, Firestore ${kind} would reach ${percent}% of today's budget by midnight US Pacific (${fmt(values[kind])} of ${fmt(input.budget[kind])}); the automatic halt on the forecast is set at ${at}%.`;
      return { halt: true, basis, kind, level: reached, percent, reason };
    }
    return { halt: false };
  };
  const burn = check("burn", input.rules.burnAt, input.totals);
  return burn.halt ? burn : check("forecast", input.rules.forecastAt, input.projected);
}
