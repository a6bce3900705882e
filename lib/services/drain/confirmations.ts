import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections } from "@/lib/adapters/firestore/schemas";
import { WAITING_JOB_STATES } from "@/lib/domain/delivery/job";

/** The partitions where confirmations are due; "unknown" until the listener has answered (or after it failed). */
export type UrgentPartitions = ReadonlySet<number> | "unknown";

/** Waiting confirmations the listener follows: far more than ever wait at once outside a long halt. */
const FOLLOWED = 50;

/**
 * Where the queue's confirmations (its high-priority jobs) wait, known through a listener rather than asked
 * before each claim: the set is small and changes only when a guest answers or a confirmation leaves, so the
 * listener costs a read per such change, while a query per claim would cost a read each time (and, on the
 * emulator, a scan of the whole queue). Claims go to these partitions first and only claims there look for
 * confirmations. Until the first answer, or after the listener fails, every claim looks, as before.
 */
export class ConfirmationWatch {
  private waiting: Map<string, { shard: number; dueAt: Date }> | null = null;
  private readonly unsubscribe: () => void;

  constructor(db: MeteredFirestore, onError: (error: Error) => void) {
    this.unsubscribe = db.watchQuery(
      "drain.confirmations",
      collections.jobs,
      {
        where: [
          ["rank", "==", 0],
          ["state", "in", [...WAITING_JOB_STATES]],
        ],
        orderBy: [["dueAt", "asc"]],
        limit: FOLLOWED,
      },
      (docs) => {
        this.waiting = new Map(docs.map((d) => [d.id, { shard: d.data.shard, dueAt: d.data.dueAt }]));
      },
      (error) => {
        this.waiting = null;
        onError(error);
      },
    );
  }

  /** Partitions holding a confirmation due by `now` (it may already be in flight: a claim there finds out). */
  partitions(now: Date): UrgentPartitions {
    if (this.waiting === null) return "unknown";
    const due = new Set<number>();
    for (const { shard, dueAt } of this.waiting.values()) if (dueAt <= now) due.add(shard);
    // The listener follows only the first FOLLOWED by due time: with that many waiting, any partition may hold one.
    return this.waiting.size >= FOLLOWED ? "unknown" : due;
  }

  stop(): void {
    this.unsubscribe();
  }
}
