import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections } from "@/lib/adapters/firestore/schemas";
import type { Clock } from "@/lib/ports/clock";
import { QUEUE_REGISTRY } from "./drain";

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
    db.get("monitor.queue", QUEUE_REGISTRY),
    db.query("monitor.queue", collections.jobs, {
      where: [["state", "in", ["pending", "retry"]], ["dueAt", "<=", now]],
      orderBy: [["dueAt", "asc"]],
      limit: 1,
    }),
  ]);
  const leases = Object.values(registry?.data.leases ?? {}).filter((l) => l.expiresAt > now);
  const drains = Object.values(registry?.data.drains ?? {}).filter((seen) => now.getTime() - seen.getTime() < 90_000);
  return {
    waiting,
    retrying,
    failed,
    inFlight: leases.reduce((sum, l) => sum + l.jobIds.length, 0),
    liveDrains: drains.length,
    oldestDueAt: oldest[0]?.data.dueAt ?? null,
  };
}
