import type { Random } from "../../ports/clock";
import type { SendErrorClass } from "../../ports/mailer";

export const JOB_STATES = ["pending", "active", "completed", "retry", "failed", "cancelled"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a job document can hold. "active" is never stored: a job is active while a live lease lists it. */
export type StoredJobState = Exclude<JobState, "active">;

/** A job in one of these states may be claimed and sent. */
export const WAITING_JOB_STATES = ["pending", "retry"] as const satisfies readonly StoredJobState[];

export const TERMINAL_JOB_STATES: readonly JobState[] = ["completed", "failed", "cancelled"];

export function isTerminal(state: JobState): boolean {
  return TERMINAL_JOB_STATES.includes(state);
}

export function isWaiting(state: JobState): state is (typeof WAITING_JOB_STATES)[number] {
  return state === "pending" || state === "retry";
}

/**
 * Every job write goes through `jobTransition`, so this table is what the queue actually obeys.
 * - A drain's outcome always starts from "active" (the job it claimed); a lease that expired with the worker
 *   returns the job to "retry" through the next drain's outcome, never by a direct write.
 * - Completed and cancelled have no way out, so a sent email can never be picked up and sent twice, and a
 *   cancelled one never comes back (a new answer or a resend makes a new job instead).
 * - failed → retry is an admin's "retry failed" after fixing a provider: a fresh set of attempts, same job id,
 *   same link and idempotency key.
 */
const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  pending: ["active", "cancelled"],
  retry: ["active", "cancelled"],
  active: ["completed", "retry", "failed", "cancelled"],
  failed: ["retry"],
  completed: [],
  cancelled: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

export class InvalidJobTransitionError extends Error {
  constructor(
    readonly jobId: string,
    readonly from: JobState,
    readonly to: JobState,
  ) {
    super(`Queue job ${jobId} cannot go from ${from} to ${to}`);
    this.name = "InvalidJobTransitionError";
  }
}

/**
 * The fields that move a job from `from` to `to`, or an InvalidJobTransitionError: callers refuse (and log)
 * the write instead of storing a state the queue could mistake for work to do.
 */
export function jobTransition<F extends Record<string, unknown>>(
  jobId: string,
  from: JobState,
  to: StoredJobState,
  fields: F,
): ({ state: StoredJobState } & F) | InvalidJobTransitionError {
  if (!canTransition(from, to)) return new InvalidJobTransitionError(jobId, from, to);
  return { ...fields, state: to };
}

export const JOB_PRIORITIES = ["high", "normal", "low"] as const;
export type JobPriority = (typeof JOB_PRIORITIES)[number];

/** Lower sorts first. Stored on the job so a Firestore query can order by it directly. */
export const PRIORITY_RANK: Readonly<Record<JobPriority, number>> = { high: 0, normal: 1, low: 2 };

export function priorityRank(priority: JobPriority): number {
  return PRIORITY_RANK[priority];
}

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** No retry waits longer than this, whatever the attempt or a provider's Retry-After says. */
  maxMs: number;
  factor: number;
  /** Attempts that may be spent on transient failures before the job fails. */
  maxAttempts: number;
}

/** Six attempts spread over roughly an hour ride out a typical provider incident without holding a job all day. */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: 30_000,
  maxMs: 60 * 60_000,
  factor: 2,
  maxAttempts: 6,
};

/** Used when a provider says "slow down" without a Retry-After. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/**
 * Auth and quota failures are the provider's problem, not the email's: the job becomes due again almost at
 * once and the next drain sends it through another provider.
 */
export const DEFAULT_REROUTE_DELAY_MS = 5_000;

/**
 * Deferrals (rate limits, reroutes) do not spend attempts, but a provider that answers 429 forever must not
 * keep a job alive forever: every job has to reach a terminal state.
 */
export const DEFAULT_MAX_DEFERRALS = 100;

/** The largest delay before the retry that follows the `attempt`-th spent attempt (1-based). */
export function backoffCeilingMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const n = Math.max(1, Math.floor(attempt));
  return Math.min(policy.maxMs, policy.baseMs * policy.factor ** (n - 1));
}

/**
 * Full jitter (uniform in [0, ceiling)), chosen over decorrelated jitter because it needs no memory of the
 * previous delay, so the job document only has to store its attempt count. When a provider blips, every
 * in-flight job fails at once; full jitter spreads their retries over the whole window instead of
 * re-synchronising them into the next burst.
 */
export function backoffDelayMs(
  attempt: number,
  random: Random,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  return Math.floor(random.next() * backoffCeilingMs(attempt, policy));
}

export type RetryReason = "transient" | "rate_limited" | "auth" | "quota_exhausted";
export type FailReason =
  | "permanent_recipient"
  | "permanent"
  | "attempts_exhausted"
  | "deferrals_exhausted";

export type Decision =
  | { kind: "complete" }
  | {
      kind: "retry";
      at: Date;
      /** When true the caller increments the job's attempt count, otherwise its deferral count. */
      spendsAttempt: boolean;
      /**
       * The provider that caused the failure. A preference for the next attempt, not a ban: if it is the only
       * usable provider, sending through it beats leaving the job stuck.
       */
      avoidProviderId?: string;
      reason: RetryReason;
    }
  | { kind: "fail"; bounce: boolean; reason: FailReason };

/** Structurally a subset of SendResult, so a SendResult can be passed as is. */
export type AttemptOutcome =
  | { ok: true }
  | { ok: false; errorClass: SendErrorClass; retryAfterMs?: number };

export interface AttemptInput {
  outcome: AttemptOutcome;
  /** Attempts spent before this one. */
  attemptsSpent: number;
  /** Deferrals (retries that did not spend an attempt) before this one. */
  deferrals?: number;
  /** Overrides policy.maxAttempts for this job. */
  maxAttempts?: number;
  maxDeferrals?: number;
  providerId?: string;
  policy?: BackoffPolicy;
  rateLimitWaitMs?: number;
  rerouteDelayMs?: number;
  now: Date;
  random: Random;
}

export function decideAfterAttempt(input: AttemptInput): Decision {
  const { outcome, now } = input;
  if (outcome.ok) return { kind: "complete" };

  const policy = input.policy ?? DEFAULT_BACKOFF;
  const avoid = input.providerId === undefined ? {} : { avoidProviderId: input.providerId };
  const deferralsLeft = (input.deferrals ?? 0) + 1 <= (input.maxDeferrals ?? DEFAULT_MAX_DEFERRALS);
  const after = (ms: number) => new Date(now.getTime() + ms);

  switch (outcome.errorClass) {
    case "permanent_recipient":
      return { kind: "fail", bounce: true, reason: "permanent_recipient" };
    case "permanent":
      return { kind: "fail", bounce: false, reason: "permanent" };
    case "transient": {
      const spent = input.attemptsSpent + 1;
      if (spent >= (input.maxAttempts ?? policy.maxAttempts)) {
        return { kind: "fail", bounce: false, reason: "attempts_exhausted" };
      }
      return {
        kind: "retry",
        at: after(backoffDelayMs(spent, input.random, policy)),
        spendsAttempt: true,
        // Another provider may well be up; a transient failure is a reason to prefer it next time.
        ...avoid,
        reason: "transient",
      };
    }
    case "rate_limited": {
      if (!deferralsLeft) return { kind: "fail", bounce: false, reason: "deferrals_exhausted" };
      const asked = outcome.retryAfterMs;
      const wait =
        asked !== undefined && Number.isFinite(asked) && asked > 0
          ? asked
          : (input.rateLimitWaitMs ?? DEFAULT_RATE_LIMIT_WAIT_MS);
      // Being told to slow down says nothing about the email, so it must not eat into its attempts.
      return {
        kind: "retry",
        at: after(Math.min(wait, policy.maxMs)),
        spendsAttempt: false,
        reason: "rate_limited",
      };
    }
    case "auth":
    case "quota_exhausted": {
      if (!deferralsLeft) return { kind: "fail", bounce: false, reason: "deferrals_exhausted" };
      return {
        kind: "retry",
        at: after(input.rerouteDelayMs ?? DEFAULT_REROUTE_DELAY_MS),
        spendsAttempt: false,
        ...avoid,
        reason: outcome.errorClass,
      };
    }
  }
}
