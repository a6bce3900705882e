import { randomUUID } from "node:crypto";
import { docRef } from "@/lib/adapters/firestore/collection";
import { fieldOps } from "@/lib/adapters/firestore/db";
import { collections, type EventDoc, type InvitationDoc } from "@/lib/adapters/firestore/schemas";
import { buildInvitationIcs } from "@/lib/domain/invitations/ics";
import { isWaiting } from "@/lib/domain/delivery/job";
import { confirmationsWithinDay, planConfirmation } from "@/lib/domain/invitations/confirmation";
import { decideRsvp, isLinkLive, type RsvpAnswer, type RsvpOutcome } from "@/lib/domain/invitations/status";
import { matchingTokenHash, tokenHashesEqual, verifyInvitationLink } from "@/lib/domain/invitations/token";
import type { Result, ServiceContext } from "./context";
import { eventRef } from "./events";
import { directFirstOpens } from "./first-opens";
import { uncachedGuestPageEvents } from "./guest-page-events";
import { cancelJobIfWaiting, invitationRef, jobRef, newJob } from "./invitations";
import { announceCancellations } from "./settings";
import { KeyedLock } from "./keyed-lock";

export interface InvitationView {
  invitationId: string;
  invitation: Pick<InvitationDoc, "name" | "email" | "status" | "linkExpiresAt">;
  event: Pick<
    EventDoc,
    "title" | "description" | "startsAt" | "endsAt" | "timezone" | "location" | "onlineUrl" | "host" | "capacity" | "rsvpDeadline"
  > & { full: boolean };
}

export type InvitationProblem = "not_found" | "gone";

/** Same words for every token we cannot honour, so a response never hints whether another token exists. */
const NOT_FOUND = {
  ok: false,
  code: "not_found",
  message: "This invitation link is not valid. Check that you opened the whole link from your email.",
} as const;

async function findByToken(ctx: ServiceContext, token: string) {
  // The link carries the server's signature: a forged or mangled one is refused here, before any database
  // read, so a scanner or an attacker hammering made-up links costs nothing. A genuine one is a get by id.
  const secrets = ctx.previousTokenSecret ? [ctx.tokenSecret, ctx.previousTokenSecret] : [ctx.tokenSecret];
  const link = verifyInvitationLink(secrets, token);
  if (!link) return null;
  const found = await ctx.db.get("rsvp.lookup", invitationRef(link.invitationId));
  // A resend bumps the version: the older link still carries a valid signature but no longer opens anything.
  if (!found || found.data.tokenVersion !== link.tokenVersion) return null;
  const hash = matchingTokenHash(secrets, link, found.data.tokenHash);
  return hash ? { hash, id: found.id, data: found.data, version: found.version } : null;
}

function goneReason(invitation: InvitationDoc, event: EventDoc | null, now: Date) {
  if (!event || event.lifecycle !== "active") {
    return { ok: false, code: "gone", message: "This event has been cancelled." } as const;
  }
  if (invitation.status === "revoked") {
    return { ok: false, code: "gone", message: "This invitation has been withdrawn by the host." } as const;
  }
  const answered = invitation.status === "accepted" || invitation.status === "declined";
  if (!answered && (invitation.status === "expired" || !isLinkLive(invitation, now))) {
    return {
      ok: false,
      code: "gone",
      message: "This invitation link has expired. Ask the host to send you a new one.",
    } as const;
  }
  return null;
}

/**
 * GET of the invitation page: two reads (the invitation by id, its event) and, the first time only, one write
 * more, recording when the page was first opened. Nothing else changes on a GET, since mail scanners open links
 * too. The record is conditional on the invitation being as just read, so two first GETs at once record one
 * time, and every later GET (which sees it set) writes nothing. `later` runs the record after the response
 * (Next's `after`): the guest's page need not wait for a write only the organiser's timeline shows.
 */
export async function openInvitation(
  ctx: ServiceContext,
  token: string,
  options: { later?: (task: () => Promise<void>) => void } = {},
): Promise<Result<InvitationView, InvitationProblem>> {
  const found = await findByToken(ctx, token);
  if (!found) return NOT_FOUND;
  const recorder = ctx.firstOpens ?? directFirstOpens(ctx.db);
  const openedAt = ctx.clock.now();
  const record = found.data.openedAt ? null : () => recorder.record(found.id, found.version, openedAt);
  if (record && options.later) options.later(record);
  const events = ctx.guestPageEvents ?? uncachedGuestPageEvents(ctx.db);
  const [event] = await Promise.all([events.get(found.data.eventId), record && !options.later ? record() : null]);
  const gone = goneReason(found.data, event, ctx.clock.now());
  if (gone) return gone;
  const e = event!;
  return {
    ok: true,
    invitationId: found.id,
    invitation: {
      name: found.data.name,
      email: found.data.email,
      status: found.data.status,
      linkExpiresAt: found.data.linkExpiresAt,
    },
    event: {
      title: e.title,
      description: e.description,
      startsAt: e.startsAt,
      endsAt: e.endsAt,
      timezone: e.timezone,
      location: e.location,
      onlineUrl: e.onlineUrl,
      host: e.host,
      capacity: e.capacity,
      rsvpDeadline: e.rsvpDeadline,
      full: e.capacity !== null && e.counters.accepted >= e.capacity,
    },
  };
}

/** Answers kept on the invitation for its timeline. */
const ANSWERS_KEPT = 20;

const perEvent = new KeyedLock();

export type AnswerResult = Result<{ outcome: RsvpOutcome }, InvitationProblem>;

/**
 * POST of the invitation page. One transaction reads the invitation, its event and its pending confirmation,
 * lets the domain decide, and writes exactly what it decided: invitation status, participant, counters, and
 * the confirmation email that follows the new answer (replacing one that has not left yet). Idempotent and
 * safe under concurrency: the participant's id is the invitation's, the confirmation's id is the answer's, the
 * capacity check reads the counter inside the transaction, and answers for one event are serialised in this
 * process so concurrent guests queue up instead of fighting over the event document.
 */
export async function answerInvitation(ctx: ServiceContext, token: string, answer: RsvpAnswer): Promise<AnswerResult> {
  const found = await findByToken(ctx, token);
  if (!found) return NOT_FOUND;
  const id = found.id;
  const repeated = (found.data.status === "accepted" && answer === "accept") || (found.data.status === "declined" && answer === "decline");
  if (repeated) {
    // A double click or a retried POST: the answer is already on record, so no transaction is needed to say so.
    const event = await ctx.db.get("rsvp.event", eventRef(found.data.eventId));
    return goneReason(found.data, event?.data ?? null, ctx.clock.now()) ?? { ok: true, outcome: answer === "accept" ? "already_accepted" : "already_declined" };
  }
  let replaced: string | null = null;
  const request = randomUUID();
  const result = await perEvent.run(found.data.eventId, () =>
    ctx.db.transaction("rsvp.answer", async (tx): Promise<AnswerResult> => {
      replaced = null;
      const invitation = await tx.get(invitationRef(id));
      // The link may have been rotated since the lookup: only the current token answers.
      if (!invitation || !tokenHashesEqual(invitation.tokenHash, found.hash)) return NOT_FOUND;
      // This very request's earlier attempt committed (its reply was lost, and the transaction is being run again).
      if (invitation.lastAnswer?.request === request) return { ok: true, outcome: invitation.lastAnswer.outcome };
      const [event, previous] = await Promise.all([
        tx.get(eventRef(invitation.eventId)),
        invitation.confirmationJobId ? tx.get(jobRef(invitation.confirmationJobId)) : Promise.resolve(null),
      ]);
      const now = ctx.clock.now();
      const decision = decideRsvp({
        invitation,
        event: event
          ? {
              lifecycle: event.lifecycle,
              endsAt: event.endsAt,
              rsvpDeadline: event.rsvpDeadline ?? undefined,
              capacity: event.capacity ?? undefined,
              acceptedCount: event.counters.accepted,
            }
          : null,
        answer,
        now,
      });
      if (decision.outcome === "event_gone" || decision.outcome === "revoked" || decision.outcome === "expired") {
        return goneReason(invitation, event, now) ?? { ok: true, outcome: decision.outcome };
      }
      if (!("status" in decision)) return { ok: true, outcome: decision.outcome };

      const answerSeq = invitation.answerSeq + 1;
      const confirmation = planConfirmation({
        invitationId: id,
        answerSeq,
        answer: decision.status,
        declineNotice: event!.declineNotice,
        previous: invitation.confirmationJobId ? { jobId: invitation.confirmationJobId, waiting: previous !== null && isWaiting(previous.state) } : null,
        confirmationsSent: invitation.confirmationsSent,
        now,
      });
      tx.update(invitationRef(id), {
        status: decision.status,
        answeredAt: now,
        answerSeq,
        confirmationJobId: confirmation.queue?.jobId ?? null,
        // Only the last day's confirmations matter to the daily limit; older ones are dropped here.
        confirmationsSent: confirmationsWithinDay(invitation.confirmationsSent, now),
        updatedAt: now,
        // The tracker's "accepted, then declined"; the last few are plenty, and a guest toggling cannot grow it.
        answers: [...(invitation.answers ?? []).slice(-(ANSWERS_KEPT - 1)), { status: decision.status, at: now }],
        lastAnswer: { request, outcome: decision.outcome },
      });
      const participant = docRef(collections.participants, id);
      if (decision.participant === "create") {
        tx.set(participant, { eventId: invitation.eventId, invitationId: id, email: invitation.email, name: invitation.name, acceptedAt: now });
      } else if (decision.participant === "delete") {
        tx.delete(participant);
      }
      const counters: Record<string, unknown> = { updatedAt: now };
      for (const [key, delta] of Object.entries(decision.deltas)) {
        if (delta !== 0) counters[`counters.${key}`] = fieldOps.increment(delta);
      }
      tx.update(eventRef(invitation.eventId), counters);
      if (confirmation.cancelJobId) {
        replaced = cancelJobIfWaiting(tx, confirmation.cancelJobId, previous, "The guest changed their answer", now);
      }
      if (confirmation.queue) {
        tx.create(
          jobRef(confirmation.queue.jobId),
          newJob({
            kind: "confirmation",
            eventId: invitation.eventId,
            invitationId: id,
            to: { email: invitation.email, name: invitation.name },
            tokenVersion: invitation.tokenVersion,
            answer: confirmation.queue.answer,
            now,
            dueAt: confirmation.queue.dueAt,
          }),
        );
      }
      return { ok: true, outcome: decision.outcome };
    }),
  );
  // The drain reads the invitation before sending a confirmation, so this only spares it that read.
  if (replaced) await announceCancellations(ctx.db, ctx.clock, { jobIds: [replaced] }).catch(() => undefined);
  return result;
}

/** The .ics for an accepted invitation: UID stable per invitation, SEQUENCE from the event's edit count. */
export async function invitationCalendar(
  ctx: ServiceContext,
  token: string,
): Promise<Result<{ ics: string; filename: string }, InvitationProblem | "conflict">> {
  const found = await findByToken(ctx, token);
  if (!found) return NOT_FOUND;
  const event = await ctx.db.get("rsvp.event", eventRef(found.data.eventId));
  const gone = goneReason(found.data, event?.data ?? null, ctx.clock.now());
  if (gone) return gone;
  if (found.data.status !== "accepted") {
    return { ok: false, code: "conflict", message: "Accept the invitation to add it to your calendar." };
  }
  return { ok: true, ...eventCalendar(ctx, found.id, event!.data) };
}

export function eventCalendar(ctx: ServiceContext, invitationId: string, e: EventDoc) {
  const ics = buildInvitationIcs({
    event: {
      title: e.title,
      description: e.description,
      startsAt: e.startsAt,
      endsAt: e.endsAt,
      location: e.location,
      onlineUrl: e.onlineUrl,
      sequence: e.sequence,
    },
    invitationId,
    host: e.host,
    // The last edit, not now: a retried confirmation email carries identical bytes.
    stamp: e.updatedAt,
    uidDomain: new URL(ctx.baseUrl).hostname,
  });
  const slug = e.title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "event";
  return { ics, filename: `${slug}.ics` };
}
