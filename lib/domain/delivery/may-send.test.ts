import { describe, expect, it } from "vitest";
import { MAX_CONFIRMATIONS_PER_DAY } from "../invitations/confirmation";
import { REMINDER_REFUSALS } from "../events/reminders";
import { maySend, maySendByRuntime, REASONS, type EventFacts, type InvitationFacts, type RuntimeView, type SendCandidate } from "./may-send";

const NOW = new Date("2026-12-01T12:00:00Z");
const runtime = (over: Partial<RuntimeView> = {}): RuntimeView => ({ halted: false, cancelledEvents: {}, cancelledJobs: {}, ...over });
const DAY = 86_400_000;
const active: EventFacts = {
  lifecycle: "active",
  endsAt: new Date(NOW.getTime() + 10 * DAY),
  rsvpDeadline: new Date(NOW.getTime() + 5 * DAY),
  reminderRules: [{ daysBefore: 7 }],
};
const CLEAR = { suppressed: false } as const;
const invitationJob: SendCandidate = { id: "inv1-2", kind: "invitation", eventId: "ev", invitationId: "inv1", tokenVersion: 2 };
const confirmationJob: SendCandidate = { id: "inv1-c3", kind: "confirmation", eventId: "ev", invitationId: "inv1", tokenVersion: 2, answer: "accepted" };
const facts = (over: Partial<InvitationFacts> = {}): InvitationFacts => ({
  status: "accepted",
  jobId: "inv1-2",
  tokenVersion: 2,
  linkExpiresAt: new Date(NOW.getTime() + 3 * DAY),
  deliveryState: "sent",
  confirmationJobId: "inv1-c3",
  confirmationsSent: [],
  ...over,
});

describe("may this email be sent now?", () => {
  it("sends a current invitation email of a live event", () => {
    expect(maySend({ recipient: CLEAR, job: invitationJob, event: active, runtime: runtime(), now: NOW })).toEqual({ send: true });
    expect(maySend({ recipient: CLEAR, job: invitationJob, event: active, runtime: runtime(), invitation: facts({ status: "queued" }), now: NOW })).toEqual({ send: true });
  });

  it("holds everything while halted, without cancelling: the email goes once sending resumes", () => {
    expect(maySend({ recipient: CLEAR, job: confirmationJob, event: active, runtime: runtime({ halted: true }), invitation: facts(), now: NOW })).toEqual({
      send: false,
      action: "hold",
      reason: REASONS.halted,
    });
  });

  it("cancels mail of an event that is gone or being deleted, even before the drain reloads the event", () => {
    for (const event of [null, { ...active, lifecycle: "deleting" as const }]) {
      expect(maySend({ recipient: CLEAR, job: invitationJob, event, runtime: runtime(), now: NOW })).toMatchObject({ action: "cancel", reason: REASONS.eventGone });
    }
    const announced = runtime({ cancelledEvents: { ev: NOW } });
    expect(maySend({ recipient: CLEAR, job: invitationJob, event: active, runtime: announced, now: NOW })).toMatchObject({ action: "cancel" });
  });

  it("cancels a job announced as cancelled, and only that job: a newer job of the same invitation still goes", () => {
    const announced = runtime({ cancelledJobs: { "inv1-1": NOW } });
    expect(maySend({ recipient: CLEAR, job: { ...invitationJob, id: "inv1-1" }, event: active, runtime: announced, now: NOW })).toMatchObject({ action: "cancel" });
    expect(maySend({ recipient: CLEAR, job: invitationJob, event: active, runtime: announced, now: NOW })).toEqual({ send: true });
  });

  it("never mails a revoked invitation or a replaced link", () => {
    expect(maySend({ recipient: CLEAR, job: invitationJob, event: active, runtime: runtime(), invitation: facts({ status: "revoked" }), now: NOW })).toMatchObject({
      reason: REASONS.revoked,
    });
    expect(maySend({ recipient: CLEAR, job: invitationJob, event: active, runtime: runtime(), invitation: facts({ jobId: "inv1-3" }), now: NOW })).toMatchObject({
      reason: REASONS.replaced,
    });
  });

  it("sends a confirmation only while the answer it confirms still stands", () => {
    expect(maySend({ recipient: CLEAR, job: confirmationJob, event: active, runtime: runtime(), invitation: facts(), now: NOW })).toEqual({ send: true });
    expect(maySend({ recipient: CLEAR, job: confirmationJob, event: active, runtime: runtime(), invitation: facts({ status: "declined" }), now: NOW })).toMatchObject({
      reason: REASONS.answerChanged,
    });
    // Declined and accepted again: this job confirms the first "accepted", and a newer one confirms the second.
    expect(maySend({ recipient: CLEAR, job: confirmationJob, event: active, runtime: runtime(), invitation: facts({ confirmationJobId: "inv1-c5" }), now: NOW })).toMatchObject({
      reason: REASONS.answerChanged,
    });
  });

  it("refuses to judge a confirmation without the invitation, rather than risk a wrong email", () => {
    expect(maySend({ recipient: CLEAR, job: confirmationJob, event: active, runtime: runtime(), now: NOW })).toMatchObject({ action: "cancel" });
    expect(maySend({ recipient: CLEAR, job: confirmationJob, event: active, runtime: runtime(), invitation: null, now: NOW })).toMatchObject({ action: "cancel" });
  });

  it("stops confirmations at the daily limit, counting only the last 24 hours", () => {
    const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000);
    const full = Array.from({ length: MAX_CONFIRMATIONS_PER_DAY }, (_, i) => hoursAgo(i + 1));
    expect(maySend({ recipient: CLEAR, job: confirmationJob, event: active, runtime: runtime(), invitation: facts({ confirmationsSent: full }), now: NOW })).toMatchObject({
      reason: REASONS.confirmationLimit,
    });
    const yesterday = full.map((d) => new Date(d.getTime() - 24 * 3600_000));
    expect(maySend({ recipient: CLEAR, job: confirmationJob, event: active, runtime: runtime(), invitation: facts({ confirmationsSent: yesterday }), now: NOW })).toEqual({ send: true });
  });

  describe("reminders", () => {
    const reminder: SendCandidate = { id: "inv1-r7d", kind: "reminder", eventId: "ev", invitationId: "inv1", tokenVersion: 2, reminderKey: "r7d" };
    const open = facts({ status: "queued" });
    const verdict = (over: { job?: Partial<SendCandidate>; event?: Partial<EventFacts> | null; invitation?: Partial<InvitationFacts> | null; now?: Date } = {}) =>
      maySend({
        recipient: CLEAR,
        job: { ...reminder, ...over.job },
        event: over.event === null ? null : { ...active, ...over.event },
        runtime: runtime(),
        invitation: over.invitation === null ? null : { ...open, ...over.invitation },
        now: over.now ?? NOW,
      });

    it("reminds a guest who has not answered, whose email was delivered and whose link still works", () => {
      expect(verdict()).toEqual({ send: true });
      expect(verdict({ job: { id: "inv1-m20261201", reminderKey: "m20261201" } })).toEqual({ send: true });
    });

    it("never reminds a guest who answered, was revoked, or whose invitation is gone", () => {
      expect(verdict({ invitation: { status: "declined" } })).toMatchObject({ action: "cancel", reason: REMINDER_REFUSALS.answered });
      expect(verdict({ invitation: { status: "accepted" } })).toMatchObject({ action: "cancel", reason: REMINDER_REFUSALS.answered });
      expect(verdict({ invitation: { status: "revoked" } })).toMatchObject({ action: "cancel", reason: REASONS.revoked });
      expect(verdict({ invitation: null })).toMatchObject({ action: "cancel" });
      expect(maySend({ recipient: CLEAR, job: reminder, event: active, runtime: runtime(), now: NOW })).toMatchObject({ action: "cancel" });
    });

    it("needs a delivered invitation and a link that still works: a reminder carries the same link", () => {
      for (const deliveryState of ["queued", "failed", "bounced"]) {
        expect(verdict({ invitation: { deliveryState } })).toMatchObject({ action: "cancel", reason: REMINDER_REFUSALS.notDelivered });
      }
      expect(verdict({ invitation: { linkExpiresAt: NOW } })).toMatchObject({ reason: REMINDER_REFUSALS.linkExpired });
      expect(verdict({ invitation: { status: "expired" } })).toMatchObject({ reason: REMINDER_REFUSALS.linkExpired });
      // A resend replaced the link this reminder was queued with.
      expect(verdict({ invitation: { tokenVersion: 3 } })).toMatchObject({ reason: REASONS.reminderLinkReplaced });
    });

    it("stops once answers are closed, the event is deleted, or the organiser removed the rule", () => {
      expect(verdict({ now: active.rsvpDeadline! })).toMatchObject({ reason: REMINDER_REFUSALS.closed });
      expect(verdict({ event: { rsvpDeadline: null }, now: active.endsAt })).toMatchObject({ reason: REMINDER_REFUSALS.closed });
      expect(verdict({ event: null })).toMatchObject({ reason: REASONS.eventGone });
      expect(verdict({ event: { lifecycle: "deleting" } })).toMatchObject({ reason: REASONS.eventGone });
      expect(verdict({ event: { reminderRules: [{ daysBefore: 3 }] } })).toMatchObject({ reason: REASONS.reminderRuleRemoved });
      // "Remind now" belongs to no rule.
      expect(verdict({ job: { id: "inv1-m20261201", reminderKey: "m20261201" }, event: { reminderRules: [] } })).toEqual({ send: true });
    });

    it("holds a reminder while sending is halted, like any email", () => {
      expect(maySend({ recipient: CLEAR, job: reminder, event: active, runtime: runtime({ halted: true }), invitation: open, now: NOW })).toMatchObject({ action: "hold" });
    });
  });

  it("fails mail to a suppressed address before any provider is tried, and says why", () => {
    const suppressed = { suppressed: true as const, reason: "ada@example.com is on the suppression list (hard bounce …)" };
    for (const [job, invitation] of [
      [invitationJob, undefined],
      [confirmationJob, facts()],
    ] as const) {
      expect(maySend({ recipient: suppressed, job, event: active, runtime: runtime(), invitation, now: NOW })).toEqual({
        send: false,
        action: "fail",
        reason: suppressed.reason,
      });
    }
    // The early check (before a quota unit is taken) already refuses it.
    expect(maySendByRuntime({ recipient: suppressed, job: invitationJob, event: active, runtime: runtime() })).toMatchObject({ action: "fail" });
  });

  it("holds mail while the suppression list cannot be read, rather than sending blind", () => {
    expect(maySend({ recipient: { suppressed: "unknown" }, job: invitationJob, event: active, runtime: runtime(), now: NOW })).toEqual({
      send: false,
      action: "hold",
      reason: REASONS.suppressionUnknown,
    });
  });

  it("a deleted event or a revoke still cancels, whatever the list says: cancellation is the stronger verdict", () => {
    const suppressed = { suppressed: true as const, reason: "suppressed" };
    expect(maySend({ recipient: suppressed, job: invitationJob, event: null, runtime: runtime(), now: NOW })).toMatchObject({ action: "cancel" });
  });
});
