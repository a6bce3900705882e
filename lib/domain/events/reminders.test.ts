import { describe, expect, it } from "vitest";
import {
  answersCloseAt,
  claimableRule,
  describeRules,
  EMPTY_RUN,
  mergeRules,
  nextReminderAt,
  parseReminderKey,
  reminderJobIdFor,
  remindNowKey,
  reminderRefusal,
  REMINDER_REFUSALS,
  ruleDueAt,
  type ReminderEventFacts,
} from "./reminders";

const DAY = 86_400_000;
const T0 = new Date("2026-11-01T09:00:00Z");
const at = (days: number) => new Date(T0.getTime() + days * DAY);

/** An event starting in 20 days, answers by day 14, with rules added at T0. */
function event(over: Partial<ReminderEventFacts> = {}): ReminderEventFacts {
  return {
    lifecycle: "active",
    startsAt: at(20),
    endsAt: at(20.2),
    rsvpDeadline: at(14),
    reminderRules: mergeRules([], [7, 2], T0),
    reminderRuns: {},
    ...over,
  };
}

describe("reminder rules", () => {
  it("count back whole 24-hour days from the RSVP deadline, or from the start when there is none", () => {
    expect(ruleDueAt(event(), 7)).toEqual(at(7));
    expect(ruleDueAt(event({ rsvpDeadline: null }), 7)).toEqual(at(13));
    expect(answersCloseAt(event())).toEqual(at(14));
    expect(answersCloseAt(event({ rsvpDeadline: null }))).toEqual(at(20.2));
  });

  it("schedule the earliest rule still ahead, then the next once it is done, then nothing", () => {
    expect(nextReminderAt(event())).toEqual(at(7));
    const sevenDone = event({ reminderRuns: { r7d: { ...EMPTY_RUN, doneAt: at(7) } } });
    expect(nextReminderAt(sevenDone)).toEqual(at(12));
    expect(nextReminderAt(event({ reminderRuns: { r7d: { ...EMPTY_RUN, doneAt: at(7) }, r2d: { ...EMPTY_RUN, doneAt: at(12) } } }))).toBeNull();
    expect(nextReminderAt(event({ lifecycle: "deleting" }))).toBeNull();
    expect(nextReminderAt(event({ reminderRules: [] }))).toBeNull();
  });

  it("never fire a rule whose moment had passed when the organiser set it", () => {
    // Added on day 10: "7 days before the deadline" was day 7, already gone; "2 days before" is still ahead.
    const late = event({ reminderRules: mergeRules([], [7, 2], at(10)) });
    expect(describeRules(late, at(10)).map((r) => [r.key, r.state])).toEqual([
      ["r7d", "passed"],
      ["r2d", "scheduled"],
    ]);
    expect(nextReminderAt(late)).toEqual(at(12));
  });

  it("keep a rule's identity and arming across edits; moving the deadline moves the rule", () => {
    const edited = mergeRules(event().reminderRules, [2, 3], at(5));
    expect(edited).toEqual([
      { daysBefore: 3, addedAt: at(5) },
      { daysBefore: 2, addedAt: T0 },
    ]);
    const moved = event({ reminderRules: edited, rsvpDeadline: at(16) });
    expect(describeRules(moved, at(5)).map((r) => [r.key, r.dueAt])).toEqual([
      ["r3d", at(13)],
      ["r2d", at(14)],
    ]);
  });

  it("let a scheduler claim a due rule only when no other live run holds it", () => {
    const now = at(7.01);
    expect(claimableRule(event(), at(6.9), "a")).toBeNull();
    expect(claimableRule(event(), now, "a")?.key).toBe("r7d");
    const held = event({ reminderRuns: { r7d: { ...EMPTY_RUN, claimedBy: "b", claimedUntil: at(7.02) } } });
    expect(claimableRule(held, now, "a")).toBeNull();
    expect(claimableRule(held, now, "b")?.key).toBe("r7d");
    // A claim that ran out (its run died) is taken over.
    expect(claimableRule(held, at(7.03), "a")?.key).toBe("r7d");
  });

  it("name jobs after the invitation and the rule, or the day of a 'remind now' in the event's zone", () => {
    expect(reminderJobIdFor("ab12", "r7d")).toBe("ab12-r7d");
    // 23:30 in Auckland is still the day before in UTC.
    expect(remindNowKey(new Date("2026-11-30T10:30:00Z"), "Pacific/Auckland")).toBe("m20261130");
    expect(remindNowKey(new Date("2026-11-30T11:30:00Z"), "Pacific/Auckland")).toBe("m20261201");
    expect(parseReminderKey("r7d")).toEqual({ rule: 7 });
    expect(parseReminderKey("m20261201")).toEqual({ day: "2026-12-01" });
    expect(parseReminderKey("c1")).toBeNull();
    expect(() => reminderJobIdFor("ab12", "x")).toThrow(RangeError);
    expect(() => reminderJobIdFor("AB/12", "r7d")).toThrow(RangeError);
  });
});

describe("who may be reminded", () => {
  const open = { status: "queued", deliveryState: "sent", linkExpiresAt: at(10) };
  const now = at(7);

  it("a guest who has not answered, whose email was delivered and whose link still works", () => {
    expect(reminderRefusal(open, event(), now)).toBeNull();
  });

  it("nobody else, and each refusal says why", () => {
    expect(reminderRefusal({ ...open, status: "accepted" }, event(), now)).toBe(REMINDER_REFUSALS.answered);
    expect(reminderRefusal({ ...open, status: "declined" }, event(), now)).toBe(REMINDER_REFUSALS.answered);
    expect(reminderRefusal({ ...open, status: "revoked" }, event(), now)).toBe(REMINDER_REFUSALS.revoked);
    expect(reminderRefusal({ ...open, deliveryState: "queued" }, event(), now)).toBe(REMINDER_REFUSALS.notDelivered);
    expect(reminderRefusal({ ...open, deliveryState: "bounced" }, event(), now)).toBe(REMINDER_REFUSALS.notDelivered);
    expect(reminderRefusal({ ...open, linkExpiresAt: now }, event(), now)).toBe(REMINDER_REFUSALS.linkExpired);
    expect(reminderRefusal(open, event(), at(14))).toBe(REMINDER_REFUSALS.closed);
    expect(reminderRefusal(open, event({ lifecycle: "deleting" }), now)).toBe(REMINDER_REFUSALS.eventGone);
    expect(reminderRefusal(open, null, now)).toBe(REMINDER_REFUSALS.eventGone);
  });
});
