import { describe, expect, it } from "vitest";
import { addDeltas, counterDeltas, countsOf, sumCounts, type Countable } from "./counters";
import { confirmationJobIdFor, CONFIRMATION_SETTLE_MS, MAX_CONFIRMATIONS_PER_DAY, planConfirmation } from "./confirmation";

const inv = (status: Countable["status"], deliveryState: Countable["deliveryState"] = "queued"): Countable => ({ status, deliveryState });

describe("event counters as a function of invitations", () => {
  it("counts an invitation once as invited, and in exactly one of pending / accepted / declined / revoked", () => {
    for (const status of ["queued", "accepted", "declined", "revoked"] as const) {
      const c = countsOf(inv(status));
      expect(c.invited).toBe(1);
      expect(c.pending + c.accepted + c.declined + c.revoked).toBe(1);
    }
  });

  it("counts delivery only for invitations that are not revoked", () => {
    expect(countsOf(inv("accepted", "sent"))).toMatchObject({ delivered: 1, failed: 0 });
    expect(countsOf(inv("queued", "bounced"))).toMatchObject({ delivered: 0, failed: 1 });
    expect(countsOf(inv("revoked", "sent"))).toMatchObject({ delivered: 0, failed: 0, revoked: 1 });
  });

  it("moves counters by the difference: a re-invite of an expired link is not pending twice", () => {
    expect(counterDeltas(inv("queued", "sent"), inv("queued", "queued"))).toEqual({ delivered: -1 });
    expect(counterDeltas(inv("revoked", "sent"), inv("queued", "queued"))).toEqual({ revoked: -1, pending: 1 });
    expect(counterDeltas(inv("queued", "failed"), inv("revoked", "failed"))).toEqual({ pending: -1, failed: -1, revoked: 1 });
    expect(counterDeltas(null, inv("queued"))).toEqual({ invited: 1, pending: 1 });
  });

  it("sums any sequence of changes to what a fresh count finds", () => {
    const history: Countable[] = [inv("queued"), inv("queued", "sent"), inv("accepted", "sent"), inv("declined", "sent"), inv("revoked", "sent"), inv("queued", "queued"), inv("queued", "bounced")];
    const total = {};
    let before: Countable | null = null;
    for (const step of history) {
      addDeltas(total, counterDeltas(before, step));
      before = step;
    }
    const fresh = sumCounts([before!]);
    expect({ ...fresh, ...total }).toEqual(fresh);
    expect(Object.fromEntries(Object.entries(fresh).filter(([, n]) => n !== 0))).toEqual(total);
  });
});

describe("confirmation planning", () => {
  const NOW = new Date("2026-12-01T12:00:00Z");
  const base = { invitationId: "inv1", answerSeq: 4, declineNotice: false, previous: null, confirmationsSent: [], now: NOW };

  it("queues one confirmation per answer, due after a short settle delay", () => {
    expect(planConfirmation({ ...base, answer: "accepted" })).toEqual({
      cancelJobId: null,
      queue: { jobId: "inv1-c4", answer: "accepted", dueAt: new Date(NOW.getTime() + CONFIRMATION_SETTLE_MS) },
      skipped: null,
    });
    expect(confirmationJobIdFor("inv1", 4)).toBe("inv1-c4");
  });

  it("cancels the previous confirmation if it has not left, and sends a decline nothing unless asked to", () => {
    const plan = planConfirmation({ ...base, answer: "declined", previous: { jobId: "inv1-c3", waiting: true } });
    expect(plan).toEqual({ cancelJobId: "inv1-c3", queue: null, skipped: "no_notice" });
    expect(planConfirmation({ ...base, answer: "declined", declineNotice: true }).queue).toMatchObject({ answer: "declined" });
    expect(planConfirmation({ ...base, answer: "accepted", previous: { jobId: "inv1-c3", waiting: false } }).cancelJobId).toBeNull();
  });

  it("queues nothing more once the day's confirmations are spent", () => {
    const sent = Array.from({ length: MAX_CONFIRMATIONS_PER_DAY }, (_, i) => new Date(NOW.getTime() - (i + 1) * 60_000));
    expect(planConfirmation({ ...base, answer: "accepted", confirmationsSent: sent })).toMatchObject({ queue: null, skipped: "daily_limit" });
  });
});
