import { FieldValue, type Firestore } from "firebase-admin/firestore";
import { BURN_COLLECTION, type BurnSample, type BurnSink } from "./burn-meter";

/**
 * One increment-only write per flush into a per-day shard document (`burn/<day>_<shard>`). Increments need no
 * read, and a random shard per flush keeps concurrent flushers (app, worker, function) off the same document,
 * which sustains only about one write per second.
 */
export function firestoreBurnSink(raw: Firestore, shards: number, pickShard = () => Math.floor(Math.random() * shards)): BurnSink {
  return {
    async write(day: string, samples: BurnSample[]) {
      const shard = pickShard();
      const ops: Record<string, Record<string, number>> = {};
      const hours: Record<string, Record<string, number>> = {};
      const totals = { reads: 0, writes: 0, deletes: 0 };
      for (const s of samples) {
        const op = (ops[`${s.collection}|${s.operation}`] ??= {});
        const hour = (hours[s.hour] ??= {});
        for (const kind of ["reads", "writes", "deletes"] as const) {
          if (s.counts[kind] === 0) continue;
          op[kind] = (op[kind] ?? 0) + s.counts[kind];
          hour[kind] = (hour[kind] ?? 0) + s.counts[kind];
          totals[kind] += s.counts[kind];
        }
      }
      const increments = (map: Record<string, Record<string, number>>) =>
        Object.fromEntries(
          Object.entries(map).map(([key, counts]) => [
            key,
            Object.fromEntries(Object.entries(counts).map(([kind, n]) => [kind, FieldValue.increment(n)])),
          ]),
        );
      await raw
        .collection(BURN_COLLECTION)
        .doc(`${day}_${shard}`)
        .set(
          {
            day,
            shard,
            reads: FieldValue.increment(totals.reads),
            writes: FieldValue.increment(totals.writes),
            deletes: FieldValue.increment(totals.deletes),
            ops: increments(ops),
            hours: increments(hours),
            updatedAt: FieldValue.serverTimestamp(),
          },
          { merge: true },
        );
    },
  };
}
