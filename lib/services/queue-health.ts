import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections } from "@/lib/adapters/firestore/schemas";
import type { Clock } from "@/lib/ports/clock";
import { readRegistry } from "./drain";

export interface QueueHealth {
  waiting: number;
  retrying: number;
  failed: number;
  inFlight: number;
  liveDrains: number;
  /** The oldest job that is due and not yet sent: how far behind the queue is. */
  oldestDueAt: Date | null;
}

/**
 * The operator's view of the queue. Counting uses aggregation queries (one read per 1,000 jobs counted), so
 * an open monitor costs a handful of reads per view whatever the queue's size.
 */
export async function readQueueHealth(db: MeteredFirestore, clock: Clock): Promise<QueueHealth> {
  const now = clock.now();
  const [waiting, retrying, failed, registry, oldest] = await Promise.all([
    db.count("monitor.queue", collections.jobs, { where: [["state", "==", "pending"]] }),
    db.count("monitor.queue", collections.jobs, { where: [["state", "==", "retry"]] }),
    db.count("monitor.queue", collections.jobs, { where: [["state", "==", "failed"]] }),
    readRegistry(db, now),
    db.query("monitor.queue", collections.jobs, {
      where: [["state", "in", ["pending", "retry"]], ["dueAt", "<=", now]],
      orderBy: [["dueAt", "asc"]],
      limit: 1,
    }),
  ]);
  return {
    waiting,
    retrying,
    failed,
    inFlight: registry.inFlight,
    liveDrains: registry.liveDrains,
    oldestDueAt: oldest[0]?.data.dueAt ?? null,
  };
}
