import { docRef } from "@/lib/adapters/firestore/collection";
import { fieldOps } from "@/lib/adapters/firestore/db";
import { collections, QUEUED_DELIVERY } from "@/lib/adapters/firestore/schemas";
import type { TrackerFilters } from "@/lib/domain/tracker/filters";
import type { ServiceContext } from "./context";
import { trackerQuerySpec } from "./tracker";

/** Jobs re-queued per batch: each costs a job write and an invitation write, plus the counters. */
const CHUNK = 200;

/** The tracker filters that make sense for failed jobs (state is "failed" by definition; nothing failed is simulated). */
export type RetryFilters = Pick<TrackerFilters, "eventId" | "kind" | "providerId" | "from" | "to" | "tz">;

export interface RetryResult {
  requeued: number;
  /** Failed jobs that matched but stay failed: their event is being deleted or is gone. */
  skipped: number;
}

/**
 * Gives failed emails a fresh set of attempts, e.g. after an admin fixed a provider, for every failed job the
 * filters match (the Sent Tracker's current view). The job keeps its id, so the retried email carries the same
 * link and idempotency key as before. Jobs of events being deleted stay failed. Pages through the matches with
 * a cursor, so a job it skips is not found again.
 */
export async function retryFailedJobs(ctx: ServiceContext, options: { filters?: RetryFilters; limit?: number } = {}): Promise<RetryResult> {
  const limit = options.limit ?? 5_000;
  const result: RetryResult = { requeued: 0, skipped: 0 };
  let after: unknown[] | undefined;
  while (result.requeued + result.skipped < limit) {
    const spec = trackerQuerySpec({ tz: "UTC", ...options.filters, state: "failed" }, after);
    const failed = await ctx.db.query("queue.retryFailed", collections.jobs, { ...spec, limit: Math.min(CHUNK, limit - result.requeued - result.skipped) });
    if (failed.length === 0) break;
    const last = failed[failed.length - 1]!;
    after = [last.data.createdAt, last.id];
    const eventIds = [...new Set(failed.map((f) => f.data.eventId))];
    const events = await ctx.db.getAll("queue.retryFailed", eventIds.map((id) => docRef(collections.events, id)));
    const active = new Set(eventIds.filter((_, i) => events[i]?.data.lifecycle === "active"));
    const now = ctx.clock.now();
    const batch = ctx.db.batch("queue.retryFailed");
    const perEvent = new Map<string, number>();
    for (const { id, data } of failed) {
      if (!active.has(data.eventId)) {
        result.skipped++;
        continue;
      }
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
      result.requeued++;
    }
    for (const [eventId, n] of perEvent) {
      batch.update(docRef(collections.events, eventId), { "counters.failed": fieldOps.increment(-n) });
    }
    await batch.commit();
  }
  return result;
}
