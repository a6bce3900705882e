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
import { emailSearchPrefix, hasUtf8LocalPart, UTF8_LOCAL_PART_SUPPORT } from "@/lib/domain/email-address";
import { linkExpiry } from "@/lib/domain/events/schema";
import { invitationIdFor, queueJobIdFor } from "@/lib/domain/invitations/identity";
import type { RecipientRow } from "@/lib/domain/invitations/recipients";
import { addDeltas, counterDeltas, type Countable, type Counters } from "@/lib/domain/invitations/counters";
import { canReinvite, type InvitationStatus } from "@/lib/domain/invitations/status";
import { issueInvitationToken } from "@/lib/domain/invitations/token";
import { isWaiting, jobTransition, InvalidJobTransitionError, priorityRank } from "@/lib/domain/delivery/job";
import { shardOfInvitation } from "@/lib/domain/delivery/lease";
import { suppressionReason } from "@/lib/domain/suppression";
import type { Result, ServiceContext } from "./context";
import { eventRef } from "./events";
import { announceCancellations } from "./settings";
import { findSuppressed, suppressedIn } from "./suppression";

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
      answerSeq: 0,
      confirmationJobId: null,
      confirmationsSent: [],
      deliveryReports: [],
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
  /** When the job becomes due; now unless it should wait (a confirmation's settle delay). */
  dueAt?: Date;
  providerId?: string | null;
  /** Confirmations: the answer confirmed. */
  answer?: "accepted" | "declined" | null;
  /** Reminders: the rule or "remind now" day the reminder belongs to. */
  reminderKey?: string;
}): JobDoc {
  // Reminders wait behind invitations, which wait behind confirmations (a guest is looking at their screen).
  const priority = input.kind === "invitation" ? "normal" : input.kind === "reminder" ? "low" : "high";
  return {
    kind: input.kind,
    priority,
    rank: priorityRank(priority),
    shard: shardOfInvitation(input.invitationId),
    state: "pending",
    eventId: input.eventId,
    invitationId: input.invitationId,
    to: input.to,
    recipientKey: input.to.email.toLowerCase(),
    fields: input.fields ?? {},
    tokenVersion: input.tokenVersion,
    answer: input.answer ?? null,
    reminderKey: input.reminderKey ?? null,
    providerId: input.providerId ?? null,
    attempts: 0,
    deferrals: 0,
    dueAt: input.dueAt ?? input.now,
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

export function countable(inv: Pick<InvitationDoc, "status" | "delivery">): Countable {
  return { status: inv.status, deliveryState: inv.delivery.state };
}

export function counterUpdate(deltas: Partial<Counters>): Record<string, unknown> {
  const update: Record<string, unknown> = {};
  for (const [key, n] of Object.entries(deltas)) if (n !== 0) update[`counters.${key}`] = fieldOps.increment(n);
  return update;
}

/**
 * Writes a fresh link and a new queue job for an existing invitation, inside the caller's transaction, and
 * cancels the old job if it has not been sent, so only the newest link is mailed. Returns the counter moves
 * and the cancelled job's id, which the caller announces to running drains.
 */
function writeReinvite(
  ctx: ServiceContext,
  tx: WriteSet,
  event: EventDoc,
  id: string,
  existing: InvitationDoc,
  oldJob: JobDoc | null,
  now: Date,
  recipient?: Pick<Recipient, "name" | "fields">,
): { deltas: Partial<Counters>; cancelled: string | null } {
  const sendSeq = existing.sendSeq + 1;
  const { tokenHash } = issueInvitationToken(ctx.tokenSecret, id, sendSeq);
  const jobId = queueJobIdFor(id, sendSeq);
  const keepsAnswer = existing.status === "accepted" || existing.status === "declined";
  const status = keepsAnswer ? existing.status : "queued";
  tx.update(invitationRef(id), {
    status,
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
  return {
    deltas: counterDeltas(countable(existing), { status, deliveryState: "queued" }),
    cancelled: cancelJobIfWaiting(tx, existing.jobId, oldJob, "Replaced by a newer link", now),
  };
}

async function anyProviderEnabled(ctx: ServiceContext): Promise<boolean> {
  const found = await ctx.db.queryIds("invite.providers", collections.providers, {
    where: [["enabled", "==", true]],
    limit: 1,
  });
  return found.length > 0;
}

/**
 * A non-ASCII local part can only leave through a provider that carries SMTPUTF8 (an SMTP relay). With none
 * enabled, such addresses are refused now, with the reason, instead of queued for a send that can only fail.
 * Costs a read per enabled provider, and only for uploads that hold such an address.
 */
async function refuseUnsendable(ctx: ServiceContext, recipients: Recipient[], outcomes: InviteRowOutcome[]): Promise<Recipient[]> {
  if (!recipients.some((r) => hasUtf8LocalPart(r.emailKey))) return recipients;
  const enabled = await ctx.db.query("invite.providers", collections.providers, { where: [["enabled", "==", true]], limit: 50 });
  if (enabled.some((p) => UTF8_LOCAL_PART_SUPPORT[p.data.kind].supported)) return recipients;
  const reason =
    "No enabled provider can send to an address with non-ASCII characters before the @: that needs an SMTP provider whose server offers SMTPUTF8 (SendGrid and Resend cannot)";
  return recipients.filter((r) => {
    if (!hasUtf8LocalPart(r.emailKey)) return true;
    outcomes.push({ row: r.row, email: r.email, outcome: "rejected", reason });
    return false;
  });
}

/**
 * Addresses on the suppression list are refused with the reason: inviting one again takes removing it from the
 * list first. Reads only the list's shards these addresses fall in (at most eight per call, not one per row).
 */
async function refuseSuppressed(ctx: ServiceContext, recipients: Recipient[], outcomes: InviteRowOutcome[]): Promise<Recipient[]> {
  const suppressed = await findSuppressed(ctx.db, "invite.suppressions", recipients.map((r) => r.emailKey));
  if (suppressed.size === 0) return recipients;
  return recipients.filter((r) => {
    const entry = suppressed.get(r.emailKey);
    if (!entry) return true;
    outcomes.push({ row: r.row, email: r.email, outcome: "rejected", reason: suppressionReason(entry) });
    return false;
  });
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
  const listed: Recipient[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const email = r.email ?? "";
    if (r.status === "invalid" || !r.emailKey || !r.email) {
      outcomes.push({ row: r.row, email, outcome: "rejected", reason: r.reason ?? "Not a valid email address" });
    } else if (r.status === "duplicate" || seen.has(r.emailKey)) {
      outcomes.push({ row: r.row, email, outcome: "duplicate", reason: r.reason ?? "Listed twice in this upload" });
    } else {
      seen.add(r.emailKey);
      listed.push({ row: r.row, email: r.email, emailKey: r.emailKey, name: r.name, fields: r.fields });
    }
  }
  const recipients = await refuseSuppressed(ctx, await refuseUnsendable(ctx, listed, outcomes), outcomes);

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
  const cancelled: string[] = [];
  const rows = await ctx.db.transaction("invite.resolve", async (tx) => {
    cancelled.length = 0;
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
    const deltas: Partial<Counters> = {};
    const add = (d: Partial<Counters>) => addDeltas(deltas, d);
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
        const written = writeReinvite(ctx, tx, current, id, old, oldJobById.get(old.jobId) ?? null, now, r);
        add(written.deltas);
        if (written.cancelled) cancelled.push(written.cancelled);
        return { row: r.row, email: r.email, outcome: "reinvited", invitationId: id };
      }
      return { row: r.row, email: r.email, outcome: "duplicate", reason: `Already invited (${old.status})` };
    });
    const update = counterUpdate(deltas);
    if (Object.keys(update).length > 0) tx.update(eventRef(eventId), update);
    return result;
  });
  await announceCancellations(ctx.db, ctx.clock, { jobIds: cancelled });
  return rows;
}

/**
 * Cancels a job if it has not been sent (a job already completed or failed keeps its state as history) and
 * returns its id for the drains' runtime listener. The caller read the job in the same transaction, so a
 * drain recording it meanwhile makes us retry with the fresh state.
 */
export function cancelJobIfWaiting(tx: WriteSet, jobId: string, job: JobDoc | null, reason: string, now: Date): string | null {
  if (!job || !isWaiting(job.state)) return null;
  const change = jobTransition(jobId, job.state, "cancelled", { waitingReason: reason, updatedAt: now });
  if (change instanceof InvalidJobTransitionError) throw change;
  tx.update(jobRef(jobId), change);
  return jobId;
}

export type BulkOutcome = { id: string; ok: boolean; message: string };

/**
 * Resend: a new link (the old one stops working) and a new email. Allowed for any invitation of a live event,
 * except that answered guests keep their answer.
 */
export async function resendInvitations(ctx: ServiceContext, ids: string[]): Promise<BulkOutcome[]> {
  const results: BulkOutcome[] = [];
  const cancelled: string[] = [];
  for (const id of ids) {
    const outcome = await ctx.db.transaction("invite.resend", async (tx) => {
      const inv = await tx.get(invitationRef(id));
      if (!inv) return { result: { id, ok: false, message: "Not found" }, cancelled: null };
      const event = await tx.get(eventRef(inv.eventId));
      if (!event || event.lifecycle !== "active") return { result: { id, ok: false, message: "The event is being deleted" }, cancelled: null };
      // A resend is a re-invite: not to a suppressed address until an admin takes it off the list.
      const suppressed = await suppressedIn(tx, inv.emailKey);
      if (suppressed) return { result: { id, ok: false, message: suppressionReason(suppressed) }, cancelled: null };
      const oldJob = await tx.get(jobRef(inv.jobId));
      const written = writeReinvite(ctx, tx, event, id, inv, oldJob, ctx.clock.now());
      const update = counterUpdate(written.deltas);
      if (Object.keys(update).length > 0) tx.update(eventRef(inv.eventId), update);
      return { result: { id, ok: true, message: "New link sent" }, cancelled: written.cancelled };
    });
    results.push(outcome.result);
    if (outcome.cancelled) cancelled.push(outcome.cancelled);
  }
  await announceCancellations(ctx.db, ctx.clock, { jobIds: cancelled });
  return results;
}

/** Revoke: the link stops working at once, and no email of the invitation that has not left will. */
export async function revokeInvitations(ctx: ServiceContext, ids: string[]): Promise<BulkOutcome[]> {
  const results: BulkOutcome[] = [];
  const cancelled: string[] = [];
  for (const id of ids) {
    const outcome = await ctx.db.transaction("invite.revoke", async (tx: TransactionScope) => {
      const inv = await tx.get(invitationRef(id));
      if (!inv) return { result: { id, ok: false, message: "Not found" }, cancelled: [] };
      if (inv.status === "revoked") return { result: { id, ok: true, message: "Already revoked" }, cancelled: [] };
      const [job, confirmation] = await tx.getAll([jobRef(inv.jobId), ...(inv.confirmationJobId ? [jobRef(inv.confirmationJobId)] : [])]);
      const now = ctx.clock.now();
      tx.update(invitationRef(id), { status: "revoked", confirmationJobId: null, updatedAt: now });
      if (inv.status === "accepted") tx.delete(docRef(collections.participants, id));
      const stopped = [
        cancelJobIfWaiting(tx, inv.jobId, job ?? null, "The invitation was revoked", now),
        inv.confirmationJobId ? cancelJobIfWaiting(tx, inv.confirmationJobId, confirmation ?? null, "The invitation was revoked", now) : null,
      ].filter((j): j is string => j !== null);
      tx.update(eventRef(inv.eventId), counterUpdate(counterDeltas(countable(inv), { status: "revoked", deliveryState: inv.delivery.state })));
      return { result: { id, ok: true, message: "Revoked" }, cancelled: stopped };
    });
    results.push(outcome.result);
    cancelled.push(...outcome.cancelled);
  }
  await announceCancellations(ctx.db, ctx.clock, { jobIds: cancelled });
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
  const search = filter.search === undefined ? "" : emailSearchPrefix(filter.search);
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
