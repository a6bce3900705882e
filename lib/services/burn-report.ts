import { docRef } from "@/lib/adapters/firestore/collection";
import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections, type RuntimeSettings } from "@/lib/adapters/firestore/schemas";
import { SPARK_DAILY_BUDGET, type BurnCounts } from "@/lib/domain/monitor/burn";
import { summariseBurn, type BurnReport } from "@/lib/domain/monitor/report";

export type { BurnReport } from "@/lib/domain/monitor/report";

export const BURN_HISTORY = docRef(collections.burnHistory, "daily");

/** Sums the day's shard documents: at most HERALD_BURN_SHARDS reads, whatever the traffic. */
export async function readBurnReport(db: MeteredFirestore, day: string, op = "burn.report"): Promise<BurnReport> {
  const shards = await db.query(op, collections.burn, { where: [["day", "==", day]] });
  return summariseBurn(day, shards.map((s) => s.data));
}

/** The day's budget: the paid one an operator set in Settings, or the free tier's. */
export function burnBudget(settings: Pick<RuntimeSettings, "burnBudget">): BurnCounts {
  return settings.burnBudget ?? SPARK_DAILY_BUDGET;
}

/** The calendar dates before `day`, newest first. */
export function daysBefore(day: string, count: number): string[] {
  const start = Date.parse(`${day}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start - (i + 1) * 86_400_000).toISOString().slice(0, 10));
}

/**
 * Files finished days' totals in the history document. A day with no shards is filed as zero, so it is not
 * looked up again. Idempotent: a day's entry is replaced, never added to. One query for up to 30 days.
 */
export async function rollUpBurnDays(db: MeteredFirestore, now: Date, days: readonly string[]): Promise<Record<string, BurnCounts>> {
  const rolled: Record<string, BurnCounts> = {};
  for (let i = 0; i < days.length; i += 30) {
    const chunk = days.slice(i, i + 30);
    const shards = await db.query("burn.rollup", collections.burn, { where: [["day", "in", chunk]] });
    for (const day of chunk) {
      rolled[day] = summariseBurn(day, shards.filter((s) => s.data.day === day).map((s) => s.data)).totals;
    }
  }
  if (days.length > 0) {
    // A merge of nested maps replaces each day's counts and keeps the other days.
    await db.merge("burn.rollup", BURN_HISTORY, { days: rolled, updatedAt: now });
  }
  return rolled;
}

export interface BurnHistoryDay {
  day: string;
  totals: BurnCounts;
}

/**
 * Daily totals of the `count` days before `today`, oldest first: one read of the history document, plus a
 * one-off roll-up of any day missing from it (the burn guard files each day as it ends; this covers days
 * when no drain ran).
 */
export async function readBurnHistory(db: MeteredFirestore, now: Date, today: string, count = 30): Promise<BurnHistoryDay[]> {
  const wanted = daysBefore(today, count);
  const stored = (await db.get("burn.history", BURN_HISTORY))?.data.days ?? {};
  const missing = wanted.filter((d) => !stored[d]);
  const rolled = missing.length > 0 ? await rollUpBurnDays(db, now, missing) : {};
  return wanted
    .map((day) => ({ day, totals: stored[day] ?? rolled[day] ?? { reads: 0, writes: 0, deletes: 0 } }))
    .reverse();
}
