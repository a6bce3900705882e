import { addCounts, ZERO_BURN, type BurnCounts } from "./burn";

/**
 * One quota day's burn, summed from its shard documents. Pure and structural, so the server (firebase-admin
 * documents) and the browser's live listener (web SDK documents) add up the very same way.
 */
export interface BurnShardLike {
  reads: number;
  writes: number;
  deletes: number;
  /** "collection|operation" → counts. */
  ops: Record<string, Partial<BurnCounts>>;
  /** UTC hour → counts. */
  hours: Record<string, Partial<BurnCounts>>;
}

export interface OperationBurn extends BurnCounts {
  collection: string;
  operation: string;
}

export interface CollectionBurn extends BurnCounts {
  collection: string;
}

export interface BurnReport {
  day: string;
  totals: BurnCounts;
  /** Heaviest first. */
  operations: OperationBurn[];
  /** Heaviest first. */
  collections: CollectionBurn[];
  hours: Record<string, BurnCounts>;
}

const full = (c: Partial<BurnCounts>): BurnCounts => ({ reads: c.reads ?? 0, writes: c.writes ?? 0, deletes: c.deletes ?? 0 });
const weight = (c: BurnCounts) => c.reads + c.writes + c.deletes;

export function summariseBurn(day: string, shards: readonly BurnShardLike[]): BurnReport {
  let totals = ZERO_BURN;
  const ops = new Map<string, OperationBurn>();
  const hours: Record<string, BurnCounts> = {};
  for (const shard of shards) {
    totals = addCounts(totals, full(shard));
    for (const [key, counts] of Object.entries(shard.ops)) {
      const [collection = "", operation = ""] = key.split("|");
      const entry = ops.get(key) ?? { collection, operation, ...ZERO_BURN };
      ops.set(key, { ...entry, ...addCounts(entry, full(counts)) });
    }
    for (const [hour, counts] of Object.entries(shard.hours)) hours[hour] = addCounts(hours[hour] ?? ZERO_BURN, full(counts));
  }
  const operations = [...ops.values()].sort((a, b) => weight(b) - weight(a));
  const byCollection = new Map<string, CollectionBurn>();
  for (const o of operations) {
    const entry = byCollection.get(o.collection) ?? { collection: o.collection, ...ZERO_BURN };
    byCollection.set(o.collection, { collection: o.collection, ...addCounts(entry, o) });
  }
  const collections = [...byCollection.values()].sort((a, b) => weight(b) - weight(a));
  return { day, totals, operations, collections, hours };
}
