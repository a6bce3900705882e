import { docRef } from "@/lib/adapters/firestore/collection";
import { collections, QUEUED_DELIVERY, type EventDoc, type InvitationDoc, type JobDoc } from "@/lib/adapters/firestore/schemas";
import { InvalidJobTransitionError, jobTransition } from "@/lib/domain/delivery/job";
import { addDeltas, counterDeltas, type Counters } from "@/lib/domain/invitations/counters";
import { trackerQueryPlan, type TrackerFilters } from "@/lib/domain/tracker/filters";
import type { ServiceContext } from "./context";
import { countable, counterUpdate } from "./invitations";
import { trackerQuerySpec } from "./tracker";

/** Failed jobs looked at per transaction: each costs its job, invitation and event reads, then two writes. */
const CHUNK = 100;

/** The tracker filters that make sense for failed jobs (state is "failed" by definition; nothing failed is simulated). */
export type RetryFilters = Pick<TrackerFilters, "eventId" | "kind" | "providerId" | "from" | "to" | "tz">;

export interface RetryFailedResult {
  requeued: number;
  /** Failed jobs left as they are: replaced by a resend, revoked, bounced, answer changed, or event deleted. */
  skipped: number;
}

export type RetrySkipReason = "replaced" | "revoked" | "bounced" | "event_gone" | "answer_changed";

/**
 * Whether a failed job may be sent again. Only the email carrying an invitation's current link, for a live
 * invitation of a live event, and never a bounce (the address refused it: sending again would only hurt the
 * sender's reputation). A confirmation only while the answer it confirms still stands.
 */
export function retryVerdict(job: JobDoc, jobId: string, invitation: InvitationDoc | null, event: EventDoc | null): RetrySkipReason | null {
  if (!event || event.lifecycle !== "active") return "event_gone";
  if (!invitation) return "event_gone";
  if (invitation.status === "revoked") return "revoked";
  if (job.kind === "invitation") {
    if (invitation.jobId !== jobId) return "replaced";
    if (invitation.delivery.state === "bounced" || job.lastError?.errorClass === "permanent_recipient") return "bounced";
    return null;
  }
  if (job.kind === "confirmation") return invitation.confirmationJobId === jobId && invitation.status === job.answer ? null : "answer_changed";
  return null;
}

/**
 * Gives failed emails a fresh set of attempts, e.g. after an admin fixed a provider, for every failed job the
 * filters match (the Sent Tracker's current view, or one event). The job keeps its id, so the retried email
 * carries the same link and idempotency key as before; the invitation's delivery goes back to queued and the
 * counters move with it, in the same transaction. Jobs that must not be sent again are counted as skipped and
 * left failed. Pages through the matches with a cursor on the tracker's sort, so a job it skips is not found
 * again; each page is read once by the query (for the cursor) and once more in the transaction that decides, a
 * second read per job this rare admin action pays so that a job retried or sent meanwhile is never touched.
 */
export async function retryFailedJobs(
  ctx: ServiceContext,
  options: { filters?: RetryFilters; eventId?: string; limit?: number } = {},
): Promise<RetryFailedResult> {
  const limit = options.limit ?? 5_000;
  const result: RetryFailedResult = { requeued: 0, skipped: 0 };
  const filters: TrackerFilters = { tz: "UTC", ...options.filters, ...(options.eventId ? { eventId: options.eventId } : {}), state: "failed" };
  const sort = trackerQueryPlan(filters).orderBy.map(([field]) => field);
  let after: unknown[] | undefined;
  while (result.requeued + result.skipped < limit) {
    const matches = await ctx.db.query("queue.retryFailed", collections.jobs, {
      ...trackerQuerySpec(filters, after),
      limit: Math.min(CHUNK, limit - result.requeued - result.skipped),
    });
    if (matches.length === 0) break;
    const last = matches[matches.length - 1]!;
    after = sort.map((field) => (field === "createdAt" ? last.data.createdAt : field === "recipientKey" ? last.data.recipientKey : last.id));
    const page = matches.map((m) => m.id);
    const chunk = await ctx.db.transaction("queue.retryFailed", async (tx) => {
      const jobs = await tx.getAll(page.map((id) => docRef(collections.jobs, id)));
      const invitationIds = [...new Set(jobs.flatMap((j) => (j ? [j.invitationId] : [])))];
      const eventIds = [...new Set(jobs.flatMap((j) => (j ? [j.eventId] : [])))];
      const [invitations, events] = await Promise.all([
        tx.getAll(invitationIds.map((id) => docRef(collections.invitations, id))),
        tx.getAll(eventIds.map((id) => docRef(collections.events, id))),
      ]);
      const invitationById = new Map(invitationIds.map((id, i) => [id, invitations[i] ?? null]));
      const eventById = new Map(eventIds.map((id, i) => [id, events[i] ?? null]));
      const now = ctx.clock.now();
      const counters = new Map<string, Partial<Counters>>();
      let requeued = 0;
      let skipped = 0;
      page.forEach((id, i) => {
        const job = jobs[i];
        if (!job || job.state !== "failed") return; // retried or deleted meanwhile: not ours to count
        const invitation = invitationById.get(job.invitationId) ?? null;
        if (retryVerdict(job, id, invitation, eventById.get(job.eventId) ?? null)) {
          skipped++;
          return;
        }
        const change = jobTransition(id, "failed", "retry", {
          attempts: 0,
          deferrals: 0,
          dueAt: now,
          completedAt: null,
          waitingReason: "Retried by an admin",
          updatedAt: now,
        });
        if (change instanceof InvalidJobTransitionError) throw change;
        tx.update(docRef(collections.jobs, id), change);
        if (job.kind === "invitation" && invitation) {
          tx.update(docRef(collections.invitations, job.invitationId), { delivery: QUEUED_DELIVERY, updatedAt: now });
          const deltas = counterDeltas(countable(invitation), { status: invitation.status, deliveryState: "queued" });
          counters.set(job.eventId, addDeltas(counters.get(job.eventId) ?? {}, deltas));
        }
        requeued++;
      });
      for (const [eventId, deltas] of counters) {
        const update = counterUpdate(deltas);
        if (Object.keys(update).length > 0) tx.update(docRef(collections.events, eventId), update);
      }
      return { requeued, skipped };
    });
    result.requeued += chunk.requeued;
    result.skipped += chunk.skipped;
  }
  return result;
}
