/**
 * Confirmation emails ("You're going", and optionally "Sorry you can't make it") follow the guest's answer,
 * and nothing a guest does may multiply them:
 * - one job per answer, with a deterministic id (`<invitation>-c<answerSeq>`), so a replayed POST of the same
 *   answer collides with it instead of queueing a second email;
 * - at most one pending per invitation: a new answer cancels the previous one if it has not left yet;
 * - a short settle delay, so a guest who clicks Accept and then Decline gets nothing at all;
 * - at most MAX_CONFIRMATIONS_PER_DAY sent per invitation in any 24 hours, whatever the answer pattern.
 */

export const MAX_CONFIRMATIONS_PER_DAY = 3;
/** How long an answer must stand before its confirmation leaves: within the 30 s promised for confirmations. */
export const CONFIRMATION_SETTLE_MS = 5_000;
const DAY_MS = 24 * 3600_000;

export function confirmationJobIdFor(invitationId: string, answerSeq: number): string {
  if (!Number.isSafeInteger(answerSeq) || answerSeq < 1) throw new RangeError(`answerSeq must be a positive integer, got ${answerSeq}`);
  return `${invitationId}-c${answerSeq}`;
}

/** The confirmations sent within the 24 hours before `now`, oldest first. */
export function confirmationsWithinDay(sent: readonly Date[], now: Date): Date[] {
  return sent.filter((at) => now.getTime() - at.getTime() < DAY_MS).sort((a, b) => a.getTime() - b.getTime());
}

export interface ConfirmationPlan {
  /** The previous confirmation job to cancel, when it has not been sent. */
  cancelJobId: string | null;
  /** The confirmation to queue for this answer, if any. */
  queue: { jobId: string; answer: "accepted" | "declined"; dueAt: Date } | null;
  /** Why nothing is queued, for the audit and the tests. */
  skipped: "no_notice" | "daily_limit" | null;
}

export function planConfirmation(input: {
  invitationId: string;
  /** The sequence number of the answer being recorded (the invitation's answerSeq after this answer). */
  answerSeq: number;
  answer: "accepted" | "declined";
  /** The organiser asked for a "sorry you can't make it" email on declines. */
  declineNotice: boolean;
  previous: { jobId: string; waiting: boolean } | null;
  confirmationsSent: readonly Date[];
  now: Date;
}): ConfirmationPlan {
  const cancelJobId = input.previous?.waiting ? input.previous.jobId : null;
  if (input.answer === "declined" && !input.declineNotice) return { cancelJobId, queue: null, skipped: "no_notice" };
  if (confirmationsWithinDay(input.confirmationsSent, input.now).length >= MAX_CONFIRMATIONS_PER_DAY) {
    return { cancelJobId, queue: null, skipped: "daily_limit" };
  }
  return {
    cancelJobId,
    queue: {
      jobId: confirmationJobIdFor(input.invitationId, input.answerSeq),
      answer: input.answer,
      dueAt: new Date(input.now.getTime() + CONFIRMATION_SETTLE_MS),
    },
    skipped: null,
  };
}
