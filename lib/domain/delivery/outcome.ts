import type { SendErrorClass, SendResult } from "../../ports/mailer";
import { counterDeltas, type Counters } from "../invitations/counters";
import { jobTransition, InvalidJobTransitionError, type Decision, type StoredJobState } from "./job";

/**
 * What one attempt's outcome writes, as pure data: the job's new state, the invitation's delivery, the
 * event's counter moves and the audit entry. The drain writes these in batches, each job write conditional on
 * the job being exactly as it was claimed, so an outcome can never resurrect a job that was cancelled or
 * replaced while the email was on its way.
 */

export interface ClaimedJobFacts {
  id: string;
  kind: "invitation" | "confirmation" | "reminder" | "test";
  eventId: string;
  invitationId: string;
  attempts: number;
  deferrals: number;
  lastError: { errorClass: string; message: string; providerId: string | null } | null;
  /** Taken over from a dead drain's lease: that drain may have made an attempt, which is counted. */
  resumed: boolean;
}

/** The attempt count before this attempt, with a dead drain's possible attempt included. */
export function attemptsSpent(job: Pick<ClaimedJobFacts, "attempts" | "resumed">): number {
  return job.attempts + (job.resumed ? 1 : 0);
}

export type Resolution =
  | { kind: "sent"; providerId: string | null; simulated: boolean; latencyMs: number }
  /** A send was made (result) or none could be (no provider usable: result null, no attempt spent). */
  | { kind: "retry"; decision: Extract<Decision, { kind: "retry" }>; providerId: string | null; result: SendResult | null }
  | {
      kind: "failed";
      bounce: boolean;
      providerId: string | null;
      /** "suppressed": the address is on the suppression list, so no provider was tried. */
      errorClass: SendErrorClass | "internal" | "suppressed";
      message: string;
      latencyMs: number | null;
      attempted: boolean;
    }
  | { kind: "cancelled"; reason: string };

export type AuditOutcome = "sent" | "simulated" | "retry" | "failed" | "bounced" | "cancelled" | "waiting";

export interface AuditFacts {
  at: Date;
  jobId: string;
  invitationId: string;
  eventId: string;
  kind: ClaimedJobFacts["kind"];
  providerId: string | null;
  outcome: AuditOutcome;
  errorClass: string | null;
  message: string | null;
  latencyMs: number | null;
  attempt: number;
  idempotencyKey: string;
  resumed: boolean;
  superseded: boolean;
}

export type Tally = "sent" | "simulated" | "retried" | "failed" | "bounced" | "cancelled";

export interface OutcomePlan {
  /** Fields for the job, its new `state` included; written only if the job is unchanged since its claim. */
  job: Record<string, unknown> & { state: StoredJobState };
  /** The invitation's delivery, for the email carrying its current link; null when the invitation is untouched. */
  delivery: { state: "sent" | "failed" | "bounced"; at: Date; providerId: string | null; simulated: boolean; error: string | null } | null;
  /** A confirmation that left: counted against the guest's daily confirmation limit. */
  confirmationSentAt: Date | null;
  /**
   * The receiving side refused the address itself at send time (an SMTP 5xx to RCPT TO, a provider's "invalid
   * recipient"): it goes on the suppression list with the failure, like a hard bounce a webhook reports.
   */
  suppress: boolean;
  counters: Partial<Counters>;
  audit: AuditFacts;
  tally: Tally;
}

/**
 * Before its outcome, an email whose job is current carries the invitation's freshly queued link (a resend or
 * an admin's retry resets delivery to queued), and the invitation is not revoked (a revoke cancels the job,
 * which makes this outcome's conditional write fail). The answer does not matter to these two counters.
 */
const queued = { status: "queued", deliveryState: "queued" } as const;

/**
 * Maps an outcome onto writes. The drain holds the job "active" (in its lease) while it works on it, so every
 * outcome must be a legal move out of "active": an illegal one comes back as an error to refuse and log.
 */
export function planOutcome(claimed: ClaimedJobFacts, resolution: Resolution, at: Date): OutcomePlan | InvalidJobTransitionError {
  const spent = attemptsSpent(claimed);
  const isInvitation = claimed.kind === "invitation";
  const base = {
    at,
    jobId: claimed.id,
    invitationId: claimed.invitationId,
    eventId: claimed.eventId,
    kind: claimed.kind,
    idempotencyKey: claimed.id,
    resumed: claimed.resumed,
    superseded: false,
  };
  const plan = (
    to: StoredJobState,
    fields: Record<string, unknown>,
    rest: Omit<OutcomePlan, "job">,
  ): OutcomePlan | InvalidJobTransitionError => {
    const job = jobTransition(claimed.id, "active", to, { ...fields, updatedAt: at });
    return job instanceof InvalidJobTransitionError ? job : { job, ...rest };
  };

  switch (resolution.kind) {
    case "sent": {
      const attempt = spent + 1;
      const delivery = isInvitation
        ? { state: "sent" as const, at, providerId: resolution.providerId, simulated: resolution.simulated, error: null }
        : null;
      return plan(
        "completed",
        { attempts: attempt, sentBy: resolution.providerId, simulated: resolution.simulated, waitingReason: null, completedAt: at },
        {
          delivery,
          confirmationSentAt: claimed.kind === "confirmation" && !resolution.simulated ? at : null,
          suppress: false,
          counters: delivery ? counterDeltas(queued, { status: "queued", deliveryState: "sent" }) : {},
          audit: { ...base, providerId: resolution.providerId, outcome: resolution.simulated ? "simulated" : "sent", errorClass: null, message: null, latencyMs: resolution.latencyMs, attempt },
          tally: resolution.simulated ? "simulated" : "sent",
        },
      );
    }
    case "retry": {
      const { decision, result } = resolution;
      const attempted = result !== null;
      const attempt = decision.spendsAttempt ? spent + 1 : spent;
      const error = result && !result.ok ? { errorClass: result.errorClass, message: result.message, providerId: resolution.providerId } : null;
      return plan(
        "retry",
        {
          attempts: attempt,
          deferrals: decision.spendsAttempt ? claimed.deferrals : claimed.deferrals + 1,
          dueAt: decision.at,
          avoidProviderId: decision.avoidProviderId ?? null,
          waitingReason: attempted ? `Retrying after ${decision.reason.replace("_", " ")}` : "Waiting for a provider's quota or recovery",
          lastError: error ?? claimed.lastError,
        },
        {
          delivery: null,
          confirmationSentAt: null,
          suppress: false,
          counters: {},
          audit: {
            ...base,
            providerId: resolution.providerId,
            outcome: attempted ? "retry" : "waiting",
            errorClass: error?.errorClass ?? null,
            message: error?.message ?? null,
            latencyMs: result?.latencyMs ?? null,
            attempt,
          },
          tally: "retried",
        },
      );
    }
    case "failed": {
      const attempt = resolution.attempted ? spent + 1 : spent;
      const state: "bounced" | "failed" = resolution.bounce ? "bounced" : "failed";
      const delivery = isInvitation
        ? { state, at, providerId: resolution.providerId, simulated: false, error: resolution.message }
        : null;
      return plan(
        "failed",
        {
          attempts: attempt,
          waitingReason: null,
          lastError: { errorClass: resolution.errorClass, message: resolution.message, providerId: resolution.providerId },
          completedAt: at,
        },
        {
          delivery,
          confirmationSentAt: null,
          suppress: resolution.attempted && resolution.errorClass === "permanent_recipient",
          counters: delivery ? counterDeltas(queued, { status: "queued", deliveryState: state }) : {},
          audit: {
            ...base,
            providerId: resolution.providerId,
            outcome: resolution.bounce ? "bounced" : "failed",
            errorClass: resolution.errorClass,
            message: resolution.message,
            latencyMs: resolution.latencyMs,
            attempt,
          },
          tally: resolution.bounce ? "bounced" : "failed",
        },
      );
    }
    case "cancelled":
      return plan(
        "cancelled",
        { waitingReason: resolution.reason },
        {
          delivery: null,
          confirmationSentAt: null,
          suppress: false,
          counters: {},
          audit: { ...base, providerId: null, outcome: "cancelled", errorClass: null, message: resolution.reason, latencyMs: null, attempt: spent },
          tally: "cancelled",
        },
      );
  }
}

/** The same outcome, kept only as history: its job changed meanwhile, so nothing but the audit entry is written. */
export function supersede(plan: OutcomePlan): OutcomePlan {
  return { ...plan, delivery: null, confirmationSentAt: null, suppress: false, counters: {}, audit: { ...plan.audit, superseded: true } };
}
