import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections } from "@/lib/adapters/firestore/schemas";
import { JOB_PRIORITIES, priorityRank, type JobPriority } from "@/lib/domain/delivery/job";
import type { Clock } from "@/lib/ports/clock";
import { readRegistry } from "./drain";

/** The states a job waits or ends in that the operator watches; completed and cancelled are the Tracker's. */
export const QUEUE_STATES = ["pending", "retry", "failed"] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export interface QueueHealth {
  /** Jobs per state and priority. */
  depth: Record<QueueState, Record<JobPriority, number>>;
  inFlight: number;
  liveDrains: number;
  /** The oldest job that is due and not yet sent: how far behind the queue is. */
  oldestDueAt: Date | null;
  countedAt: Date;
}

/**
 * The operator's view of the queue. Counting uses aggregation queries (one read per 1,000 jobs counted, at
 * least one per count): nine counts, the registry's partitions with the drains' heartbeat document, and the
 * oldest due job, so about a dozen reads for a queue of a few thousand, which is why the monitor counts on load
 * and then sparingly.
 */
export async function readQueueHealth(db: MeteredFirestore, clock: Clock): Promise<QueueHealth> {
  const now = clock.now();
  const cells = QUEUE_STATES.flatMap((state) => JOB_PRIORITIES.map((priority) => ({ state, priority })));
  const [counts, registry, oldest] = await Promise.all([
    Promise.all(
      cells.map(({ state, priority }) =>
        db.count("monitor.queue", collections.jobs, { where: [["state", "==", state], ["rank", "==", priorityRank(priority)]] }),
      ),
    ),
    readRegistry(db, now),
    db.query("monitor.queue", collections.jobs, {
      where: [["state", "in", ["pending", "retry"]], ["dueAt", "<=", now]],
      orderBy: [["dueAt", "asc"]],
      limit: 1,
    }),
  ]);
  const depth = Object.fromEntries(
    QUEUE_STATES.map((state) => [state, Object.fromEntries(JOB_PRIORITIES.map((p) => [p, 0]))]),
  ) as QueueHealth["depth"];
  cells.forEach(({ state, priority }, i) => (depth[state][priority] = counts[i] ?? 0));
  return {
    depth,
    inFlight: registry.inFlight,
    liveDrains: registry.liveDrains,
    oldestDueAt: oldest[0]?.data.dueAt ?? null,
    countedAt: now,
  };
}
