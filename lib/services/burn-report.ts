import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections } from "@/lib/adapters/firestore/schemas";

/** Firestore's free tier (Spark) per quota day; shown as the budget the day's work is burning through. */
export const SPARK_DAILY_BUDGET = { reads: 50_000, writes: 20_000, deletes: 20_000 } as const;

export interface BurnReport {
  day: string;
  totals: { reads: number; writes: number; deletes: number };
  operations: { collection: string; operation: string; reads: number; writes: number; deletes: number }[];
}

/** Sums the day's shard documents: at most HERALD_BURN_SHARDS reads, whatever the traffic. */
export async function readBurnReport(db: MeteredFirestore, day: string): Promise<BurnReport> {
  const shards = await db.query("burn.report", collections.burn, { where: [["day", "==", day]] });
  const totals = { reads: 0, writes: 0, deletes: 0 };
  const ops = new Map<string, BurnReport["operations"][number]>();
  for (const { data } of shards) {
    totals.reads += data.reads;
    totals.writes += data.writes;
    totals.deletes += data.deletes;
    for (const [key, counts] of Object.entries(data.ops)) {
      const [collection = "", operation = ""] = key.split("|");
      const entry = ops.get(key) ?? { collection, operation, reads: 0, writes: 0, deletes: 0 };
      entry.reads += counts.reads;
      entry.writes += counts.writes;
      entry.deletes += counts.deletes;
      ops.set(key, entry);
    }
  }
  const operations = [...ops.values()].sort(
    (a, b) => b.reads + b.writes + b.deletes - (a.reads + a.writes + a.deletes),
  );
  return { day, totals, operations };
}
