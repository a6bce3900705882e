import { describe, expect, it } from "vitest";
import { planOutcome, supersede, type ClaimedJobFacts, type OutcomePlan } from "./outcome";

const AT = new Date("2026-12-01T12:00:00Z");
const job = (over: Partial<ClaimedJobFacts> = {}): ClaimedJobFacts => ({
  id: "inv1-1",
  kind: "invitation",
  eventId: "ev",
  invitationId: "inv1",
  attempts: 0,
  deferrals: 0,
  lastError: null,
  resumed: false,
  ...over,
});
const plan = (p: ReturnType<typeof planOutcome>): OutcomePlan => {
  if (p instanceof Error) throw p;
  return p;
};

describe("what an outcome writes", () => {
  it("a sent invitation completes the job, marks the link's delivery sent and counts one delivered", () => {
    const p = plan(planOutcome(job(), { kind: "sent", providerId: "smtp", simulated: false, latencyMs: 80 }, AT));
    expect(p.job).toMatchObject({ state: "completed", attempts: 1, sentBy: "smtp", completedAt: AT, updatedAt: AT });
    expect(p.delivery).toEqual({ state: "sent", at: AT, providerId: "smtp", simulated: false, error: null });
    expect(p.counters).toEqual({ delivered: 1 });
    expect(p.audit).toMatchObject({ outcome: "sent", attempt: 1, idempotencyKey: "inv1-1", superseded: false });
  });

  it("a sent confirmation counts against the guest's daily limit and leaves delivery and counters alone", () => {
    const p = plan(planOutcome(job({ id: "inv1-c1", kind: "confirmation" }), { kind: "sent", providerId: "smtp", simulated: false, latencyMs: 80 }, AT));
    expect(p.delivery).toBeNull();
    expect(p.confirmationSentAt).toEqual(AT);
    expect(p.counters).toEqual({});
  });

  it("a simulated send is recorded as simulated and not counted against the confirmation limit", () => {
    const p = plan(planOutcome(job({ kind: "confirmation" }), { kind: "sent", providerId: null, simulated: true, latencyMs: 0 }, AT));
    expect(p.tally).toBe("simulated");
    expect(p.confirmationSentAt).toBeNull();
  });

  it("a bounce fails the job, marks the invitation bounced and counts it failed", () => {
    const p = plan(
      planOutcome(job(), { kind: "failed", bounce: true, providerId: "smtp", errorClass: "permanent_recipient", message: "550 no such user", latencyMs: 40, attempted: true }, AT),
    );
    expect(p.job).toMatchObject({ state: "failed", attempts: 1, lastError: { errorClass: "permanent_recipient", message: "550 no such user", providerId: "smtp" } });
    expect(p.delivery).toMatchObject({ state: "bounced", error: "550 no such user" });
    expect(p.counters).toEqual({ failed: 1 });
    expect(p.tally).toBe("bounced");
  });

  it("a taken-over job counts its interrupted attempt, and a wait for a provider spends none", () => {
    const resumed = plan(planOutcome(job({ attempts: 2, resumed: true }), { kind: "sent", providerId: "smtp", simulated: false, latencyMs: 1 }, AT));
    expect(resumed.job.attempts).toBe(4);
    expect(resumed.audit).toMatchObject({ resumed: true, attempt: 4 });
    const waiting = plan(
      planOutcome(job({ attempts: 1, deferrals: 3 }), { kind: "retry", decision: { kind: "retry", at: AT, spendsAttempt: false, reason: "quota_exhausted" }, providerId: null, result: null }, AT),
    );
    expect(waiting.job).toMatchObject({ state: "retry", attempts: 1, deferrals: 4, waitingReason: "Waiting for a provider's quota or recovery" });
    expect(waiting.audit.outcome).toBe("waiting");
  });

  it("a cancellation moves nothing but the job, with the reason shown", () => {
    const p = plan(planOutcome(job(), { kind: "cancelled", reason: "The event was deleted" }, AT));
    expect(p.job).toMatchObject({ state: "cancelled", waitingReason: "The event was deleted" });
    expect(p.delivery).toBeNull();
    expect(p.counters).toEqual({});
  });

  it("a superseded outcome keeps only its audit entry, marked as such", () => {
    const p = supersede(plan(planOutcome(job(), { kind: "sent", providerId: "smtp", simulated: false, latencyMs: 80 }, AT)));
    expect(p).toMatchObject({ delivery: null, confirmationSentAt: null, counters: {}, audit: { outcome: "sent", superseded: true } });
  });
});
