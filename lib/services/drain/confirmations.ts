import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections } from "@/lib/adapters/firestore/schemas";
import { WAITING_JOB_STATES } from "@/lib/domain/delivery/job";

/** The partitions where confirmations are due; "unknown" until the first look has answered (or after one failed). */
export type UrgentPartitions = ReadonlySet<number> | "unknown";

/** Waiting confirmations one look returns: far more than ever wait at once outside a long halt. */
const FOLLOWED = 50;
/**
 * How often the running drains together look again: each looks this often times the number of live drains
 * (four drains each looking every 5 s made four times the sorts of the whole queue on the emulator, for the same
 * answer). A confirmation is also found without any look, when the claims' rotation over the partitions
 * reaches its own (at most REGISTRY_SHARDS claims, seconds under load); a look only makes that sooner, so it
 * does not need to be more frequent than this.
 */
const LOOK_EVERY_MS = 5_000;

/**
 * Where the queue's confirmations (its high-priority jobs) wait, asked with one small query at most every
 * LOOK_EVERY_MS. Claims go to these partitions first, and only claims there look for confirmations. The run's
 * peek (its most urgent due job) says whether any confirmation is due when it starts: if one is, the first look
 * is made at once; if none is, the run knows that much and looks again LOOK_EVERY_MS later, so a short run
 * needs no look, and drains starting together do not all add one more sort of the queue on the emulator.
 *
 * Not a listener: a query listener on the jobs collection makes the Firestore emulator run its query again
 * for every committed batch of outcomes, a full sort of the queue each time. That was a quarter of the
 * emulator's CPU in bench:drain with one drain, four times as much with four, for a set that changes only
 * when a guest answers. A look costs one read (or one per confirmation found) in production.
 */
export class ConfirmationFinder {
  private waiting: Map<string, { shard: number; dueAt: Date }> | null;
  private lookedAt = Date.now();
  private looking: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly db: MeteredFirestore,
    /** Whether a confirmation was due when the run started (its peek). */
    dueAtStart: boolean,
    /** The drains running now, this one included (they take turns looking). */
    private readonly liveDrains: () => number,
    private readonly onError: (error: Error) => void,
  ) {
    this.waiting = dueAtStart ? null : new Map();
    if (dueAtStart) this.look();
  }

  private look(): void {
    if (this.looking || this.stopped) return;
    this.lookedAt = Date.now();
    this.looking = this.db
      .query("drain.confirmations", collections.jobs, {
        where: [
          ["rank", "==", 0],
          ["state", "in", [...WAITING_JOB_STATES]],
        ],
        orderBy: [["dueAt", "asc"]],
        limit: FOLLOWED,
      })
      .then(
        (docs) => {
          this.waiting = new Map(docs.map((d) => [d.id, { shard: d.data.shard, dueAt: d.data.dueAt }]));
        },
        (error: Error) => {
          // Every claim looks for confirmations until a later look answers.
          this.waiting = null;
          this.onError(error);
        },
      )
      .finally(() => {
        this.looking = null;
      });
  }

  /**
   * Partitions holding a confirmation due by `now` (it may already be in flight: a claim there finds out). A
   * look older than LOOK_EVERY_MS starts another in the background; the answer serves later claims.
   */
  partitions(now: Date): UrgentPartitions {
    if (Date.now() - this.lookedAt >= LOOK_EVERY_MS * Math.max(1, this.liveDrains())) this.look();
    if (this.waiting === null) return "unknown";
    const due = new Set<number>();
    for (const { shard, dueAt } of this.waiting.values()) if (dueAt <= now) due.add(shard);
    // A look returns only the first FOLLOWED by due time: with that many waiting, any partition may hold one.
    return this.waiting.size >= FOLLOWED ? "unknown" : due;
  }

  /**
   * A claim in this partition has just looked for its confirmations: any it did not take are in another
   * drain's hands or gone, so later claims need not be sent there again before the next look.
   */
  looked(partition: number): void {
    if (!this.waiting) return;
    for (const [id, { shard }] of this.waiting) if (shard === partition) this.waiting.delete(id);
  }

  /** No more looks. One in flight is not waited for: on a cut connection it could hold the run's end. */
  stop(): void {
    this.stopped = true;
  }
}
