import { docRef } from "@/lib/adapters/firestore/collection";
import { fieldOps } from "@/lib/adapters/firestore/db";
import { collections, QUEUED_DELIVERY } from "@/lib/adapters/firestore/schemas";
import type { ServiceContext } from "./context";

/** Jobs re-queued per batch: each costs a job write and an invitation write, plus the counters. */
const CHUNK = 200;

/**
 * Gives failed emails a fresh set of attempts, e.g. after an admin fixed a provider. The job keeps its id, so
 * the retried email carries the same link and idempotency key as before. Jobs of events being deleted stay
 * failed (the drain would cancel them anyway). Returns how many were re-queued.
 */
export async function retryFailedJobs(ctx: ServiceContext, options: { eventId?: string; limit?: number } = {}): Promise<number> {
  const limit = options.limit ?? 5_000;
  let requeued = 0;
  while (requeued < limit) {
    const where: [string, "==", unknown][] = [["state", "==", "failed"]];
    if (options.eventId) where.push(["eventId", "==", options.eventId]);
    const failed = await ctx.db.query("queue.retryFailed", collections.jobs, { where, limit: Math.min(CHUNK, limit - requeued) });
    if (failed.length === 0) break;
    const now = ctx.clock.now();
    const batch = ctx.db.batch("queue.retryFailed");
    const perEvent = new Map<string, number>();
    for (const { id, data } of failed) {
      batch.update(docRef(collections.jobs, id), {
        state: "retry",
        attempts: 0,
        deferrals: 0,
        dueAt: now,
        completedAt: null,
        waitingReason: "Retried by an admin",
        updatedAt: now,
      });
      if (data.kind === "invitation") {
        batch.update(docRef(collections.invitations, data.invitationId), { delivery: QUEUED_DELIVERY, updatedAt: now });
        perEvent.set(data.eventId, (perEvent.get(data.eventId) ?? 0) + 1);
      }
    }
    for (const [eventId, n] of perEvent) {
      batch.update(docRef(collections.events, eventId), { "counters.failed": fieldOps.increment(-n) });
    }
    await batch.commit();
    requeued += failed.length;
  }
  return requeued;
}
