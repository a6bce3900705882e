import type { InvitationStatus } from "../invitations/status";
import { reminderRefusal, ruleKey } from "../events/reminders";
import { confirmationsWithinDay, MAX_CONFIRMATIONS_PER_DAY } from "../invitations/confirmation";

/**
 * The one answer to "may this email be sent now?". The drain asks it right before every send (after any wait
 * for the provider's rate limit) and again, through a precondition on the job document, when it records the
 * outcome: an email that is no longer true (a confirmation after a decline, a revoked or replaced link, an
 * event being deleted) is not sent, and its late outcome cannot resurrect a cancelled job.
 *
 * What the drain knows when it asks:
 * - the job as it claimed it;
 * - the event as loaded for the chunk, plus deletions announced since (the runtime listener);
 * - the runtime switches: halt, cancelled events and cancelled job ids (revokes, resends), from the listener;
 * - for guest-triggered mail (confirmations, reminders) the invitation itself, read just before sending: a
 *   guest can change an answer at any moment, and these jobs are few, so one read each buys an exact check.
 *   Answering, a revoke or a resend does not cancel a waiting reminder: this check does, when it comes due.
 *   Invitation emails are not read again (that would double the reads per email); every admin action that
 *   stops one cancels the job in Firestore and announces its id on the runtime document instead;
 * - whether the recipient's address is on the suppression list, from the drain's listener on the list's
 *   shards (no read per email). A suppressed address fails the job before any provider is tried.
 */

export type JobKindForRule = "invitation" | "confirmation" | "reminder" | "test";

export interface SendCandidate {
  id: string;
  kind: JobKindForRule;
  eventId: string;
  invitationId: string;
  /** The link version the email carries. */
  tokenVersion: number;
  /** Confirmations only: the answer this email confirms. */
  answer?: "accepted" | "declined" | null;
  /** Reminders only: the rule (or "remind now" day) the reminder belongs to. */
  reminderKey?: string | null;
}

/** The event as the drain loaded it for the chunk. */
export interface EventFacts {
  lifecycle: "active" | "deleting";
  endsAt: Date;
  rsvpDeadline: Date | null;
  reminderRules: readonly { daysBefore: number }[];
}

export interface RuntimeView {
  halted: boolean;
  cancelledEvents: Readonly<Record<string, Date>>;
  cancelledJobs: Readonly<Record<string, Date>>;
}

export interface InvitationFacts {
  status: InvitationStatus;
  jobId: string;
  tokenVersion: number;
  linkExpiresAt: Date;
  deliveryState: string;
  confirmationJobId: string | null;
  confirmationsSent: readonly Date[];
}

/** The recipient as far as the suppression list goes; "unknown" while the list cannot be read. */
export type AddressStanding = { suppressed: false } | { suppressed: true; reason: string } | { suppressed: "unknown" };

export type SendVerdict =
  | { send: true }
  /** Not now, nothing wrong with the email: it stays queued (halt, the suppression list unreadable). */
  | { send: false; action: "hold"; reason: string }
  /** The email is no longer true: the job is cancelled. */
  | { send: false; action: "cancel"; reason: string }
  /** The email must never reach this address (it is suppressed): the job fails, no provider tried. */
  | { send: false; action: "fail"; reason: string };

export const REASONS = {
  halted: "Sending is halted",
  eventGone: "The event was deleted",
  cancelled: "Cancelled: the invitation was revoked or its link replaced",
  revoked: "The invitation was revoked",
  replaced: "A newer link replaced this email",
  answerChanged: "The guest's answer changed before this email left",
  confirmationLimit: `This guest already received ${MAX_CONFIRMATIONS_PER_DAY} confirmations today`,
  reminderLinkReplaced: "A newer link replaced the one this reminder carries",
  reminderRuleRemoved: "The organiser removed this reminder from the event",
  suppressionUnknown: "The suppression list could not be read; the email waits for the next run",
} as const;

const OK: SendVerdict = { send: true };
const cancel = (reason: string): SendVerdict => ({ send: false, action: "cancel", reason });

/**
 * The part of the rule that needs no invitation: halt, event deleted, job cancelled, address suppressed. The
 * drain asks it before spending anything on a job (a quota unit, a rate-limit slot); `maySend` asks it again at
 * the last moment.
 */
export function maySendByRuntime(input: {
  job: Pick<SendCandidate, "id" | "eventId" | "kind">;
  event: { lifecycle: "active" | "deleting" } | null;
  runtime: RuntimeView;
  /** Where the recipient stands on the suppression list (a test email to the admin's own address is not checked). */
  recipient: AddressStanding;
}): SendVerdict {
  const { job, event, runtime, recipient } = input;
  if (runtime.halted) return { send: false, action: "hold", reason: REASONS.halted };
  if (!event || event.lifecycle !== "active" || runtime.cancelledEvents[job.eventId]) return cancel(REASONS.eventGone);
  if (runtime.cancelledJobs[job.id]) return cancel(REASONS.cancelled);
  if (job.kind === "test") return OK;
  if (recipient.suppressed === "unknown") return { send: false, action: "hold", reason: REASONS.suppressionUnknown };
  if (recipient.suppressed) return { send: false, action: "fail", reason: recipient.reason };
  return OK;
}

export function maySend(input: {
  job: SendCandidate;
  event: EventFacts | null;
  runtime: RuntimeView;
  recipient: AddressStanding;
  /** Required for confirmations; for other kinds used when the caller happens to have it. */
  invitation?: InvitationFacts | null;
  now: Date;
}): SendVerdict {
  const { job, invitation, now } = input;
  const early = maySendByRuntime(input);
  if (!early.send || job.kind === "test") return early;
  // maySendByRuntime refused every email of a missing event.
  const event = input.event!;

  if (invitation === null) return cancel(REASONS.eventGone);
  if (invitation === undefined) {
    // Only invitation emails may be judged without the invitation; guest-triggered mail must be checked on it.
    return job.kind === "invitation" ? OK : cancel(REASONS.answerChanged);
  }
  if (invitation.status === "revoked") return cancel(REASONS.revoked);
  switch (job.kind) {
    case "invitation":
      return invitation.jobId === job.id ? OK : cancel(REASONS.replaced);
    case "confirmation":
      if (invitation.confirmationJobId !== job.id || invitation.status !== job.answer) return cancel(REASONS.answerChanged);
      if (confirmationsWithinDay(invitation.confirmationsSent, now).length >= MAX_CONFIRMATIONS_PER_DAY) {
        return cancel(REASONS.confirmationLimit);
      }
      return OK;
    case "reminder": {
      // The same rule that chose the guest (open, delivered, link still working, answers still open), applied
      // to the invitation as it is now; then what is particular to this job: its link and its rule still stand.
      const refusal = reminderRefusal(invitation, event, now);
      if (refusal) return cancel(refusal);
      if (invitation.tokenVersion !== job.tokenVersion) return cancel(REASONS.reminderLinkReplaced);
      const rule = job.reminderKey ?? "";
      if (rule.startsWith("r") && !event.reminderRules.some((r) => ruleKey(r.daysBefore) === rule)) return cancel(REASONS.reminderRuleRemoved);
      return OK;
    }
  }
}
