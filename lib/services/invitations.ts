import { docRef, type Snapshot } from "@/lib/adapters/firestore/collection";
import { fieldOps, isAlreadyExists, type TransactionScope, type WriteSet } from "@/lib/adapters/firestore/db";
import {
  collections,
  QUEUED_DELIVERY,
  type AuditEntry,
  type EventDoc,
  type InvitationDoc,
  type JobDoc,
} from "@/lib/adapters/firestore/schemas";
import { linkExpiry } from "@/lib/domain/events/schema";
import { invitationIdFor, queueJobIdFor } from "@/lib/domain/invitations/identity";
import type { RecipientRow } from "@/lib/domain/invitations/recipients";
import { canReinvite, PENDING_STATUSES, type InvitationStatus } from "@/lib/domain/invitations/status";
import { issueInvitationToken } from "@/lib/domain/invitations/token";
import { priorityRank } from "@/lib/domain/delivery/job";
import type { Result, ServiceContext } from "./context";
import { eventRef } from "./events";
import { announceCancellations } from "./settings";

export const invitationRef = (id: string) => docRef(collections.invitations, id);
export const jobRef = (id: string) => docRef(collections.jobs, id);

/**
 * The status an admin sees: the guest's answer or a revocation when there is one, otherwise what the queue
 * did with the email, and "expired" once an unanswered link has run out.
 */
export function displayStatus(inv: Pick<InvitationDoc, "status" | "delivery" | "linkExpiresAt">, now: Date): InvitationStatus {
  if (inv.status === "accepted" || inv.status === "declined" || inv.status === "revoked" || inv.status === "expired") {
    return inv.status;
  }
  if (inv.linkExpiresAt.getTime() <= now.getTime() && inv.delivery.state !== "failed" && inv.delivery.state !== "bounced") {
    return "expired";
  }
  return inv.delivery.state;
}

/** What happened to one row of an upload, shown to the admin next to the row. */
export type InviteRowOutcome =
  | { row: number; email: string; outcome: "invited" | "reinvited"; invitationId: string }
  | { row: number; email: string; outcome: "duplicate"; reason: string }
  | { row: number; email: string; outcome: "rejected"; reason: string };

export interface InviteSummary {
  invited: number;
  reinvited: number;
  duplicates: number;
  rejected: number;
  rows: InviteRowOutcome[];
}

/**
 * Invitations per atomic batch: each costs two writes (invitation + its queue job) and the batch one more for
 * the event's counters, inside Firestore's 500-writes-per-commit limit.
 */
const CHUNK = 249;
/** Chunks committed at once: enough to hide round trips, few enough to stay kind to one event document. */
const PARALLEL_CHUNKS = 4;

type Recipient = Required<Pick<RecipientRow, "row" | "email" | "emailKey">> & Pick<RecipientRow, "name" | "fields">;

function newInvitation(
  ctx: ServiceContext,
  eventId: string,
  event: EventDoc,
  r: Recipient,
  invitationId: string,
  sendSeq: number,
  now: Date,
): { invitation: InvitationDoc; job: JobDoc; jobId: string } {
  const { tokenHash } = issueInvitationToken(ctx.tokenSecret, invitationId, sendSeq);
  const jobId = queueJobIdFor(invitationId, sendSeq);
  return {
    jobId,
    invitation: {
      eventId,
      email: r.email,
      emailKey: r.emailKey,
      name: r.name ?? "",
      fields: r.fields ?? {},
      status: "queued",
      tokenHash,
      tokenVersion: sendSeq,
      linkExpiresAt: linkExpiry(now, event.linkLifetimeDays, event.endsAt),
      jobId,
      sendSeq,
      delivery: QUEUED_DELIVERY,
      answeredAt: null,
      createdAt: now,
      updatedAt: now,
    },
    job: newJob({
      kind: "invitation",
      eventId,
      invitationId,
      to: { email: r.email, name: r.name ?? "" },
      fields: r.fields ?? {},
      tokenVersion: sendSeq,
      now,
    }),
  };
}

export function newJob(input: {
  kind: JobDoc["kind"];
  eventId: string;
  invitationId: string;
  to: { email: string; name: string };
  fields?: Record<string, string>;
  tokenVersion: number;
  now: Date;
  providerId?: string | null;
}): JobDoc {
  const priority = input.kind === "invitation" ? "normal" : "high";
  return {
    kind: input.kind,
    priority,
    rank: priorityRank(priority),
    state: "pending",
    eventId: input.eventId,
    invitationId: input.invitationId,
    to: input.to,
    recipientKey: input.to.email.toLowerCase(),
    fields: input.fields ?? {},
    tokenVersion: input.tokenVersion,
    providerId: input.providerId ?? null,
    attempts: 0,
    deferrals: 0,
    dueAt: input.now,
    waitingReason: null,
    lastError: null,
    avoidProviderId: null,
    sentBy: null,
    simulated: false,
    createdAt: input.now,
    updatedAt: input.now,
    completedAt: null,
  };
}

/** Counter changes when an existing invitation gets a new link and a new email. */
function reinviteDeltas(previous: InvitationStatus): Record<string, number> {
  if (previous === "accepted" || previous === "declined") return {}; // the answer stands; only the link is new
  const deltas: Record<string, number> = {};
  if (!PENDING_STATUSES.has(previous)) deltas.pending = 1;
  if (previous === "revoked") deltas.revoked = -1;
  if (previous === "failed" || previous === "bounced") deltas.failed = -1;
  return deltas;
}

function counterUpdate(deltas: Record<string, number>): Record<string, unknown> {
  const update: Record<string, unknown> = {};
  for (const [key, n] of Object.entries(deltas)) if (n !== 0) update[`counters.${key}`] = fieldOps.increment(n);
  return update;
}

/**
 * Writes a fresh link and a new queue job for an existing invitation, inside the caller's transaction.
 * The old job, if still waiting, is cancelled so only the newest link is mailed.
 */
function writeReinvite(
  ctx: ServiceContext,
  tx: WriteSet,
  event: EventDoc,
  id: string,
  existing: InvitationDoc,
  now: Date,
  recipient?: Pick<Recipient, "name" | "fields">,
) {
  const sendSeq = existing.sendSeq + 1;
  const { tokenHash } = issueInvitationToken(ctx.tokenSecret, id, sendSeq);
  const jobId = queueJobIdFor(id, sendSeq);
  const keepsAnswer = existing.status === "accepted" || existing.status === "declined";
  tx.update(invitationRef(id), {
    status: keepsAnswer ? existing.status : "queued",
    tokenHash,
    tokenVersion: sendSeq,
    sendSeq,
    jobId,
    linkExpiresAt: linkExpiry(now, event.linkLifetimeDays, event.endsAt),
    delivery: QUEUED_DELIVERY,
    ...(recipient ? { name: recipient.name ?? existing.name, fields: recipient.fields ?? existing.fields } : {}),
    updatedAt: now,
  });
  tx.create(
    jobRef(jobId),
    newJob({
      kind: "invitation",
      eventId: existing.eventId,
      invitationId: id,
      to: { email: existing.email, name: recipient?.name ?? existing.name },
      fields: recipient?.fields ?? existing.fields,
      tokenVersion: sendSeq,
      now,
    }),
  );
  return reinviteDeltas(displayStatus(existing, now));
}

async function anyProviderEnabled(ctx: ServiceContext): Promise<boolean> {
  const found = await ctx.db.queryIds("invite.providers", collections.providers, {
    where: [["enabled", "==", true]],
    limit: 1,
  });
  return found.length > 0;
}

export type InviteFailureCode = "not_found" | "conflict" | "unavailable";

/**
 * Invites validated recipients to an event.
 *
 * Cost-wise the common case, a fresh address, is write-only: each chunk is one batch of create()s (invitation
 * and its queue job together, plus the counters), so a new invitation costs two writes and no read. Only when a
 * batch fails because an address is already invited (by an earlier upload or a concurrent one: the ids are
 * deterministic, so create() is the duplicate check) does that chunk fall back to a transaction that reads
 * its invitations and decides, row by row, between a new invitation, a re-invite (old link expired, revoked
 * or bounced) and a duplicate.
 */
export async function inviteGuests(
  ctx: ServiceContext,
  eventId: string,
  rows: readonly RecipientRow[],
  onProgress?: (done: number, total: number) => void,
): Promise<Result<InviteSummary, InviteFailureCode>> {
  const event = await ctx.db.get("invite.event", eventRef(eventId));
  if (!event) return { ok: false, code: "not_found", message: "This event no longer exists" };
  if (event.data.lifecycle !== "active") return { ok: false, code: "conflict", message: "This event is being deleted" };
  if (!(await anyProviderEnabled(ctx))) {
    return {
      ok: false,
      code: "unavailable",
      message: "No email provider is set up, so nothing could be sent. Add one under Providers, then invite again.",
    };
  }

  const outcomes: InviteRowOutcome[] = [];
  const recipients: Recipient[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const email = r.email ?? "";
    if (r.status === "invalid" || !r.emailKey || !r.email) {
      outcomes.push({ row: r.row, email, outcome: "rejected", reason: r.reason ?? "Not a valid email address" });
    } else if (r.status === "duplicate" || seen.has(r.emailKey)) {
      outcomes.push({ row: r.row, email, outcome: "duplicate", reason: r.reason ?? "Listed twice in this upload" });
    } else {
      seen.add(r.emailKey);
      recipients.push({ row: r.row, email: r.email, emailKey: r.emailKey, name: r.name, fields: r.fields });
    }
  }

  const chunks: Recipient[][] = [];
  for (let i = 0; i < recipients.length; i += CHUNK) chunks.push(recipients.slice(i, i + CHUNK));
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      outcomes.push(...(await inviteChunk(ctx, eventId, event.data, chunk)));
      done += chunk.length;
      onProgress?.(done, recipients.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_CHUNKS, chunks.length) }, worker));

  outcomes.sort((a, b) => a.row - b.row);
  const count = (o: InviteRowOutcome["outcome"]) => outcomes.filter((x) => x.outcome === o).length;
  return {
    ok: true,
    invited: count("invited"),
    reinvited: count("reinvited"),
    duplicates: count("duplicate"),
    rejected: count("rejected"),
    rows: outcomes,
  };
}

async function inviteChunk(
  ctx: ServiceContext,
  eventId: string,
  event: EventDoc,
  chunk: Recipient[],
): Promise<InviteRowOutcome[]> {
  const now = ctx.clock.now();
  const ids = chunk.map((r) => invitationIdFor(eventId, r.emailKey));
  const batch = ctx.db.batch("invite.create");
  chunk.forEach((r, i) => {
    const made = newInvitation(ctx, eventId, event, r, ids[i]!, 1, now);
    batch.create(invitationRef(ids[i]!), made.invitation);
    batch.create(jobRef(made.jobId), made.job);
  });
  batch.update(eventRef(eventId), counterUpdate({ invited: chunk.length, pending: chunk.length }));
  try {
    await batch.commit();
    return chunk.map((r, i) => ({ row: r.row, email: r.email, outcome: "invited", invitationId: ids[i]! }));
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  return ctx.db.transaction("invite.resolve", async (tx) => {
    const existing = await tx.getAll(ids.map(invitationRef));
    const current = await tx.get(eventRef(eventId));
    const reinvitable = existing.map((old) =>
      old && canReinvite({ status: displayStatus(old, now), linkExpiresAt: old.linkExpiresAt }, now) ? old : null,
    );
    const oldJobs = await tx.getAll(reinvitable.flatMap((old) => (old ? [jobRef(old.jobId)] : [])));
    const oldJobById = new Map(oldJobs.map((job, i) => [reinvitable.filter(Boolean)[i]!.jobId, job]));
    if (!current || current.lifecycle !== "active") {
      return chunk.map((r) => ({ row: r.row, email: r.email, outcome: "rejected" as const, reason: "The event is being deleted" }));
    }
    const deltas: Record<string, number> = { invited: 0, pending: 0 };
    const add = (d: Record<string, number>) => {
      for (const [k, v] of Object.entries(d)) deltas[k] = (deltas[k] ?? 0) + v;
    };
    const result = chunk.map((r, i): InviteRowOutcome => {
      const id = ids[i]!;
      const old = existing[i];
      if (!old) {
        const made = newInvitation(ctx, eventId, current, r, id, 1, now);
        tx.create(invitationRef(id), made.invitation);
        tx.create(jobRef(made.jobId), made.job);
        add({ invited: 1, pending: 1 });
        return { row: r.row, email: r.email, outcome: "invited", invitationId: id };
      }
      if (reinvitable[i]) {
        add(writeReinvite(ctx, tx, current, id, old, now, r));
        cancelJobIfWaiting(tx, old.jobId, oldJobById.get(old.jobId) ?? null, now);
        return { row: r.row, email: r.email, outcome: "reinvited", invitationId: id };
      }
      return { row: r.row, email: r.email, outcome: "duplicate", reason: `Already invited (${old.status})` };
    });
    const update = counterUpdate(deltas);
    if (Object.keys(update).length > 0) tx.update(eventRef(eventId), update);
    return result;
  });
}

/**
 * Cancels an older job if it has not been sent: a job already completed or failed keeps its state as history.
 * The caller read the job in the same transaction, so a drain finishing it meanwhile aborts and retries us.
 */
function cancelJobIfWaiting(tx: WriteSet, jobId: string, job: JobDoc | null, now: Date) {
  if (!job || (job.state !== "pending" && job.state !== "retry")) return;
  tx.update(jobRef(jobId), { state: "cancelled", waitingReason: "Replaced or revoked", updatedAt: now });
}

export type BulkOutcome = { id: string; ok: boolean; message: string };

/**
 * Resend: a new link (the old one stops working) and a new email. Allowed for any invitation of a live event,
 * except that answered guests keep their answer.
 */
export async function resendInvitations(ctx: ServiceContext, ids: string[]): Promise<BulkOutcome[]> {
  const results: BulkOutcome[] = [];
  for (const id of ids) {
    results.push(
      await ctx.db.transaction("invite.resend", async (tx) => {
        const inv = await tx.get(invitationRef(id));
        if (!inv) return { id, ok: false, message: "Not found" };
        const event = await tx.get(eventRef(inv.eventId));
        if (!event || event.lifecycle !== "active") return { id, ok: false, message: "The event is being deleted" };
        const oldJob = await tx.get(jobRef(inv.jobId));
        const deltas = writeReinvite(ctx, tx, event, id, inv, ctx.clock.now());
        cancelJobIfWaiting(tx, inv.jobId, oldJob, ctx.clock.now());
        const update = counterUpdate(deltas);
        if (Object.keys(update).length > 0) tx.update(eventRef(inv.eventId), update);
        return { id, ok: true, message: "New link sent" };
      }),
    );
  }
  return results;
}

/** Revoke: the link stops working at once and a waiting email is not sent. */
export async function revokeInvitations(ctx: ServiceContext, ids: string[]): Promise<BulkOutcome[]> {
  const results: BulkOutcome[] = [];
  const revoked: string[] = [];
  for (const id of ids) {
    results.push(
      await ctx.db.transaction("invite.revoke", async (tx: TransactionScope) => {
        const inv = await tx.get(invitationRef(id));
        if (!inv) return { id, ok: false, message: "Not found" };
        if (inv.status === "revoked") return { id, ok: true, message: "Already revoked" };
        const oldJob = await tx.get(jobRef(inv.jobId));
        const now = ctx.clock.now();
        const shown = displayStatus(inv, now);
        const deltas: Record<string, number> = { revoked: 1 };
        if (PENDING_STATUSES.has(inv.status)) deltas.pending = -1;
        if (inv.status === "accepted") deltas.accepted = -1;
        if (inv.status === "declined") deltas.declined = -1;
        if (shown === "failed" || shown === "bounced") deltas.failed = -1;
        tx.update(invitationRef(id), { status: "revoked", updatedAt: now });
        if (inv.status === "accepted") tx.delete(docRef(collections.participants, id));
        cancelJobIfWaiting(tx, inv.jobId, oldJob, now);
        tx.update(eventRef(inv.eventId), counterUpdate(deltas));
        revoked.push(id);
        return { id, ok: true, message: "Revoked" };
      }),
    );
  }
  if (revoked.length > 0) await announceCancellations(ctx.db, ctx.clock, { invitationIds: revoked });
  return results;
}

export interface InvitationFilter {
  status?: InvitationStatus;
  /** Any of these stored statuses (one `in` filter), e.g. queued and expired to find expired links; ignored when `status` is given. */
  statuses?: readonly InvitationStatus[];
  /** Prefix of the email address (case-insensitive). */
  search?: string;
  limit?: number;
  after?: string;
}

/**
 * One page of an event's invitations, newest email first by address. The search is a prefix range on the
 * lower-cased address, served by the same index; costs one read per invitation shown.
 */
export async function listInvitations(
  ctx: ServiceContext,
  eventId: string,
  filter: InvitationFilter = {},
): Promise<Snapshot<InvitationDoc>[]> {
  const where: [string, "==" | "in" | ">=" | "<", unknown][] = [["eventId", "==", eventId]];
  const status = filter.status;
  if (status === "sent" || status === "failed" || status === "bounced" || status === "queued") {
    // Unanswered invitations keep status "queued"; what the queue did is in delivery.state.
    where.push(["status", "==", "queued"], ["delivery.state", "==", status]);
  } else if (status) {
    where.push(["status", "==", status]);
  } else if (filter.statuses && filter.statuses.length > 0) {
    where.push(["status", "in", [...filter.statuses]]);
  }
  const search = filter.search?.trim().toLowerCase();
  if (search) {
    where.push(["emailKey", ">=", search]);
    where.push(["emailKey", "<", `${search}\uf8ff`]);
  }
  return ctx.db.query("invite.list", collections.invitations, {
    where,
    orderBy: [["emailKey", "asc"]],
    limit: filter.limit ?? 100,
    startAfter: filter.after ? [filter.after] : undefined,
  });
}

export async function getInvitation(ctx: ServiceContext, id: string): Promise<Snapshot<InvitationDoc> | null> {
  return ctx.db.get("invite.read", invitationRef(id));
}

/** One delivery attempt of an invitation, as the drain recorded it. */
export type DeliveryAttempt = AuditEntry;

/** Audit documents read per lookup: each holds a drain's batch, so this covers the recent history. */
const ATTEMPT_DOCS = 20;

/**
 * The recent delivery attempts of one invitation, newest first. Audit documents batch many invitations'
 * attempts and repeat their ids in `invitationIds`, so this is one array-contains query (one read per batch
 * document, at most 20) and the entries of other invitations are dropped here.
 */
export async function listAttempts(ctx: ServiceContext, invitationId: string): Promise<DeliveryAttempt[]> {
  const docs = await ctx.db.query("invite.attempts", collections.audit, {
    where: [["invitationIds", "array-contains", invitationId]],
    orderBy: [["at", "desc"]],
    limit: ATTEMPT_DOCS,
  });
  return docs
    .flatMap((d) => d.data.entries.filter((e) => e.invitationId === invitationId))
    .sort((a, b) => b.at.getTime() - a.at.getTime() || b.attempt - a.attempt);
}
