export const INVITATION_STATUSES = [
  "queued",
  "sent",
  "failed",
  "bounced",
  "accepted",
  "declined",
  "expired",
  "revoked",
] as const;

export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/**
 * Invited, not answered, still open. Failed and bounced belong here: the guest may hold an earlier copy of the
 * link (a bounce can follow a delivery, a "failed" send may have reached the provider before the crash), and
 * the event's `pending` counter counts these.
 */
export const PENDING_STATUSES: ReadonlySet<InvitationStatus> = new Set(["queued", "sent", "failed", "bounced"]);

export type RsvpAnswer = "accept" | "decline";

export type EventLifecycle = "active" | "deleting" | "deleted";

export interface RsvpInvitation {
  status: InvitationStatus;
  linkExpiresAt: Date;
}

export interface RsvpEvent {
  lifecycle: EventLifecycle;
  endsAt: Date;
  rsvpDeadline?: Date | undefined;
  /** Undefined: no limit. */
  capacity?: number | undefined;
  /** The accepted counter as read inside the transaction. */
  acceptedCount: number;
}

/** Per-event counters, as increments. Every key is present; zero means "leave it". */
export interface RsvpCounterDeltas {
  pending: number;
  accepted: number;
  declined: number;
}

/**
 * - create: write the participant record (the guest is coming).
 * - delete: remove it (they were coming and no longer are).
 * - none: leave it.
 */
export type ParticipantChange = "create" | "delete" | "none";

export type RsvpDecision =
  | {
      outcome: "accepted" | "declined" | "changed";
      /** The invitation's new status. */
      status: "accepted" | "declined";
      deltas: RsvpCounterDeltas;
      participant: ParticipantChange;
    }
  | {
      /** Nothing to write; say so to the guest. */
      outcome:
        | "already_accepted"
        | "already_declined"
        | "full"
        | "deadline_passed"
        | "expired"
        | "revoked"
        | "event_gone";
    };

export type RsvpOutcome = RsvpDecision["outcome"];

const ZERO: RsvpCounterDeltas = { pending: 0, accepted: 0, declined: 0 };

/** True when `now` is before the link's expiry. */
export function isLinkLive(invitation: Pick<RsvpInvitation, "linkExpiresAt">, now: Date): boolean {
  return now.getTime() < invitation.linkExpiresAt.getTime();
}

/**
 * What an RSVP POST does, decided from the documents read inside the transaction. The service applies exactly
 * the returned status, deltas and participant change, or nothing when there are none.
 *
 * Order matters: a deleted event or a revoked invitation wins over everything; repeating the answer already on
 * record is a success at any time (a double click or a retried request must not turn into "link expired");
 * then the link, the event's end and the RSVP deadline close the door; capacity only limits accepting, and a
 * guest refused as "full" keeps an answerable invitation in case a seat frees up.
 *
 * `event` is null when the event document no longer exists.
 */
export function decideRsvp(input: {
  invitation: RsvpInvitation;
  event: RsvpEvent | null;
  answer: RsvpAnswer;
  now: Date;
}): RsvpDecision {
  const { invitation, event, answer, now } = input;
  if (event === null || event.lifecycle !== "active") return { outcome: "event_gone" };
  if (invitation.status === "revoked") return { outcome: "revoked" };
  if (invitation.status === "accepted" && answer === "accept") return { outcome: "already_accepted" };
  if (invitation.status === "declined" && answer === "decline") return { outcome: "already_declined" };
  if (invitation.status === "expired" || !isLinkLive(invitation, now)) return { outcome: "expired" };
  const t = now.getTime();
  if (t >= event.endsAt.getTime()) return { outcome: "deadline_passed" };
  if (event.rsvpDeadline !== undefined && t >= event.rsvpDeadline.getTime()) return { outcome: "deadline_passed" };

  if (answer === "accept") {
    if (event.capacity !== undefined && event.acceptedCount >= event.capacity) return { outcome: "full" };
    if (invitation.status === "declined") {
      return {
        outcome: "changed",
        status: "accepted",
        deltas: { ...ZERO, declined: -1, accepted: 1 },
        participant: "create",
      };
    }
    return { outcome: "accepted", status: "accepted", deltas: { ...ZERO, pending: -1, accepted: 1 }, participant: "create" };
  }

  if (invitation.status === "accepted") {
    return {
      outcome: "changed",
      status: "declined",
      deltas: { ...ZERO, accepted: -1, declined: 1 },
      participant: "delete",
    };
  }
  return { outcome: "declined", status: "declined", deltas: { ...ZERO, pending: -1, declined: 1 }, participant: "none" };
}

/**
 * May this address be invited again (new link, new email) when it turns up in another upload? Yes when the old
 * invitation can no longer reach or serve the guest: revoked, bounced, failed, marked expired, or its link has
 * run out. No while a live link is out there (queued, sent, accepted, declined): sending another would
 * duplicate the email, and for an answered invitation the guest can still change their answer with the link
 * they have.
 *
 * Re-inviting an answered invitation whose link expired must keep the answer and its counters; only the link
 * (tokenVersion, tokenHash, linkExpiresAt) and the email are new.
 */
export function canReinvite(existing: RsvpInvitation, now: Date): boolean {
  switch (existing.status) {
    case "revoked":
    case "bounced":
    case "failed":
    case "expired":
      return true;
    case "queued":
    case "sent":
    case "accepted":
    case "declined":
      return !isLinkLive(existing, now);
  }
}
