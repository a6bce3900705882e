import { z } from "zod";
import type { HealthOutcome } from "./provider-health";

/**
 * A provider's sends per hour over the last day, for the burn monitor's sparkline and hourly throughput.
 * The health record's own buckets cover fifteen minutes (what ranking needs); this keeps a longer, coarser
 * view in the same provider document, written in the same transaction that persists health, so it costs no
 * extra write.
 */
export interface HourlyStats {
  /** Epoch ms at which the hour starts (UTC hour boundary). */
  at: number;
  /** Emails the provider accepted. */
  ok: number;
  /** Attempts it failed (any error class). */
  fail: number;
  /** Sum of the attempts' latencies, so an hour's mean latency is latencyMsTotal / (ok + fail). */
  latencyMsTotal: number;
}

export const hourlyStatsSchema = z.array(
  z.object({
    at: z.number().int(),
    ok: z.number().int().nonnegative(),
    fail: z.number().int().nonnegative(),
    latencyMsTotal: z.number().nonnegative(),
  }),
);

const HOUR_MS = 3_600_000;
/** The current hour and the 24 before it: a full day whatever the minute. */
export const HOURLY_STATS_KEPT = 25;

/** Adds a drain's outcomes to the hourly stats and drops hours older than a day before `now`. */
export function foldHourlyStats(stats: readonly HourlyStats[], outcomes: readonly HealthOutcome[], now: Date): HourlyStats[] {
  const byHour = new Map(stats.map((s) => [s.at, { ...s }]));
  for (const o of outcomes) {
    const at = Math.floor(o.at.getTime() / HOUR_MS) * HOUR_MS;
    const hour = byHour.get(at) ?? { at, ok: 0, fail: 0, latencyMsTotal: 0 };
    if (o.ok) hour.ok += 1;
    else hour.fail += 1;
    if (Number.isFinite(o.latencyMs) && o.latencyMs > 0) hour.latencyMsTotal += o.latencyMs;
    byHour.set(at, hour);
  }
  const oldest = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - (HOURLY_STATS_KEPT - 1) * HOUR_MS;
  return [...byHour.values()].filter((h) => h.at >= oldest).sort((a, b) => a.at - b.at);
}

/** The last 24 hours ending with the current one, one entry per hour, zero-filled. */
export function last24Hours(stats: readonly HourlyStats[], now: Date): HourlyStats[] {
  const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const byHour = new Map(stats.map((s) => [s.at, s]));
  return Array.from({ length: 24 }, (_, i) => {
    const at = current - (23 - i) * HOUR_MS;
    return byHour.get(at) ?? { at, ok: 0, fail: 0, latencyMsTotal: 0 };
  });
}

/**
 * Sends in the trailing hour: the current hour in full plus the unelapsed share of the previous one, the same
 * estimate the Firestore forecast uses.
 */
export function sendsInLastHour(stats: readonly HourlyStats[], now: Date): { ok: number; fail: number } {
  const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const share = 1 - (now.getTime() - current) / HOUR_MS;
  let ok = 0;
  let fail = 0;
  for (const s of stats) {
    const weight = s.at === current ? 1 : s.at === current - HOUR_MS ? share : 0;
    ok += s.ok * weight;
    fail += s.fail * weight;
  }
  return { ok: Math.round(ok), fail: Math.round(fail) };
}
