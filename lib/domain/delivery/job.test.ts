import { describe, expect, it } from "vitest";
import type { Random } from "../../ports/clock";
import type { SendErrorClass, SendResult } from "../../ports/mailer";
import {
  backoffCeilingMs,
  backoffDelayMs,
  canTransition,
  decideAfterAttempt,
  DEFAULT_BACKOFF,
  DEFAULT_MAX_DEFERRALS,
  DEFAULT_RATE_LIMIT_WAIT_MS,
  InvalidJobTransitionError,
  isTerminal,
  isWaiting,
  jobTransition,
  JOB_STATES,
  priorityRank,
  type AttemptInput,
  type JobState,
} from "./job";

const fixed = (value: number): Random => ({ next: () => value });
const NOW = new Date("2026-05-01T12:00:00Z");
const secondsAfterNow = (d: Date) => (d.getTime() - NOW.getTime()) / 1000;

function failure(errorClass: SendErrorClass, retryAfterMs?: number): SendResult {
  const hint = retryAfterMs === undefined ? {} : { retryAfterMs };
  return { ok: false, errorClass, message: "x", latencyMs: 100, ...hint };
}

function decide(overrides: Partial<AttemptInput> & Pick<AttemptInput, "outcome">) {
  return decideAfterAttempt({ attemptsSpent: 0, now: NOW, random: fixed(0.5), providerId: "resend", ...overrides });
}

describe("job state machine", () => {
  const legal = (from: JobState, to: Exclude<JobState, "active">) => !(jobTransition("j1", from, to, {}) instanceof InvalidJobTransitionError);

  it("walks the happy path and the retry loop through claims", () => {
    const path: JobState[] = ["pending", "active", "retry", "active", "retry", "active", "completed"];
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });

  it("lets revokes, resends and deletions cancel jobs that are waiting or in flight", () => {
    expect(legal("pending", "cancelled")).toBe(true);
    expect(legal("retry", "cancelled")).toBe(true);
    expect(legal("active", "cancelled")).toBe(true);
  });

  it("never lets a completed or cancelled job come back, so nothing is sent twice or resurrected", () => {
    for (const terminal of ["completed", "cancelled"] as const) {
      expect(isTerminal(terminal)).toBe(true);
      for (const to of JOB_STATES) expect(canTransition(terminal, to)).toBe(false);
    }
    const refused = jobTransition("j1", "cancelled", "retry", { attempts: 2 });
    expect(refused).toBeInstanceOf(InvalidJobTransitionError);
    expect((refused as Error).message).toBe("Queue job j1 cannot go from cancelled to retry");
  });

  it("lets an admin give a failed job a fresh start, and nothing else leave 'failed'", () => {
    expect(jobTransition("j1", "failed", "retry", { attempts: 0 })).toEqual({ state: "retry", attempts: 0 });
    expect(legal("failed", "completed")).toBe(false);
    expect(legal("failed", "cancelled")).toBe(false);
  });

  it("refuses outcomes for a job that was never claimed", () => {
    expect(legal("pending", "completed")).toBe(false);
    expect(legal("retry", "completed")).toBe(false);
    expect(legal("pending", "retry")).toBe(false);
    expect(legal("pending", "failed")).toBe(false);
    expect(isWaiting("retry") && isWaiting("pending") && !isWaiting("failed")).toBe(true);
  });
});

describe("priorities", () => {
  it("ranks high before normal before low, as the claim query orders them", () => {
    expect(priorityRank("high")).toBeLessThan(priorityRank("normal"));
    expect(priorityRank("normal")).toBeLessThan(priorityRank("low"));
  });
});

describe("backoff", () => {
  it("doubles from 30 s and stops growing at one hour", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffCeilingMs(n) / 1000)).toEqual([
      30, 60, 120, 240, 480, 960, 1920, 3600, 3600,
    ]);
  });

  it("spreads retries uniformly below the ceiling (full jitter)", () => {
    expect(backoffDelayMs(3, fixed(0))).toBe(0);
    expect(backoffDelayMs(3, fixed(0.5))).toBe(60_000);
    expect(backoffDelayMs(3, fixed(0.999_999))).toBeLessThan(120_000);
    expect(backoffDelayMs(3, fixed(0.999_999))).toBeGreaterThan(119_000);
  });

  it("honours a custom policy", () => {
    const policy = { baseMs: 1_000, factor: 3, maxMs: 20_000, maxAttempts: 3 };
    expect([1, 2, 3, 4].map((n) => backoffCeilingMs(n, policy))).toEqual([1_000, 3_000, 9_000, 20_000]);
  });
});

describe("decideAfterAttempt", () => {
  it("completes a job whose send succeeded", () => {
    const sent: SendResult = { ok: true, providerMessageId: "m1", latencyMs: 10 };
    expect(decide({ outcome: sent })).toEqual({ kind: "complete" });
  });

  it("retries a transient failure later, spending an attempt and preferring another provider", () => {
    const decision = decide({ outcome: failure("transient"), attemptsSpent: 2, random: fixed(0.5) });
    expect(decision).toEqual({
      kind: "retry",
      at: new Date(NOW.getTime() + 60_000),
      spendsAttempt: true,
      avoidProviderId: "resend",
      reason: "transient",
    });
  });

  it("waits longer after each transient failure", () => {
    const waits = [0, 1, 2, 3].map((spent) => {
      const d = decide({ outcome: failure("transient"), attemptsSpent: spent, random: fixed(0.999) });
      if (d.kind !== "retry") throw new Error(`expected retry, got ${d.kind}`);
      return secondsAfterNow(d.at);
    });
    expect(waits).toEqual([29.97, 59.94, 119.88, 239.76]);
  });

  it("fails a job whose transient failures used up its attempts", () => {
    expect(decide({ outcome: failure("transient"), attemptsSpent: DEFAULT_BACKOFF.maxAttempts - 1 })).toEqual({
      kind: "fail",
      bounce: false,
      reason: "attempts_exhausted",
    });
    const oneLeft = decide({ outcome: failure("transient"), attemptsSpent: DEFAULT_BACKOFF.maxAttempts - 2 });
    expect(oneLeft.kind).toBe("retry");
    expect(decide({ outcome: failure("transient"), attemptsSpent: 1, maxAttempts: 2 }).kind).toBe("fail");
  });

  it("does not use up attempts when rate limited, and waits as long as the provider asked", () => {
    const lastAttempt = DEFAULT_BACKOFF.maxAttempts - 1;
    const decision = decide({ outcome: failure("rate_limited", 42_000), attemptsSpent: lastAttempt });
    expect(decision).toEqual({
      kind: "retry",
      at: new Date(NOW.getTime() + 42_000),
      spendsAttempt: false,
      reason: "rate_limited",
    });
  });

  it("waits a default time when rate limited without Retry-After, and never longer than the backoff cap", () => {
    const noHint = decide({ outcome: failure("rate_limited") });
    expect(noHint.kind === "retry" && secondsAfterNow(noHint.at)).toBe(DEFAULT_RATE_LIMIT_WAIT_MS / 1000);
    const absurd = decide({ outcome: failure("rate_limited", 86_400_000) });
    expect(absurd.kind === "retry" && secondsAfterNow(absurd.at)).toBe(DEFAULT_BACKOFF.maxMs / 1000);
    const custom = decide({ outcome: failure("rate_limited"), rateLimitWaitMs: 7_000 });
    expect(custom.kind === "retry" && secondsAfterNow(custom.at)).toBe(7);
  });

  it.each(["auth", "quota_exhausted"] as const)(
    "reroutes a %s failure through another provider soon, without spending an attempt",
    (errorClass) => {
      const decision = decide({ outcome: failure(errorClass), attemptsSpent: 5, rerouteDelayMs: 1_000 });
      expect(decision).toEqual({
        kind: "retry",
        at: new Date(NOW.getTime() + 1_000),
        spendsAttempt: false,
        avoidProviderId: "resend",
        reason: errorClass,
      });
    },
  );

  it("bounces an invalid recipient at once, whatever attempts are left", () => {
    expect(decide({ outcome: failure("permanent_recipient") })).toEqual({
      kind: "fail",
      bounce: true,
      reason: "permanent_recipient",
    });
  });

  it("fails a malformed request at once without marking the invitee bounced", () => {
    expect(decide({ outcome: failure("permanent") })).toEqual({ kind: "fail", bounce: false, reason: "permanent" });
  });

  it("eventually fails a job that a provider keeps deferring, so every job ends", () => {
    const last = decide({ outcome: failure("rate_limited", 1_000), deferrals: DEFAULT_MAX_DEFERRALS - 1 });
    expect(last.kind).toBe("retry");
    const over = decide({ outcome: failure("rate_limited", 1_000), deferrals: DEFAULT_MAX_DEFERRALS });
    expect(over).toEqual({ kind: "fail", bounce: false, reason: "deferrals_exhausted" });
    expect(decide({ outcome: failure("quota_exhausted"), deferrals: 3, maxDeferrals: 3 }).kind).toBe("fail");
  });

  it("omits avoidProviderId when the caller did not say which provider was used", () => {
    const decision = decideAfterAttempt({ outcome: failure("auth"), attemptsSpent: 0, now: NOW, random: fixed(0) });
    expect(decision.kind === "retry" && "avoidProviderId" in decision).toBe(false);
  });
});
