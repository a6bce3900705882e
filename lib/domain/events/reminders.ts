/**
 * Reminders to guests who have not answered: the rules an organiser sets on an event ("remind them N days before
 * the RSVP deadline, or the start when there is none"), when each rule falls due, and who may still be reminded.
 *
 * - A rule is identified by its number of days (two rules with the same number would be one reminder twice), so
 *   editing the event's dates moves a rule without making it a new one, and its reminders keep their job ids.
 * - A rule only fires if its moment was still ahead when the organiser set it: adding "7 days before" with three
 *   days left does not remind everyone at once ("remind now" does that, on purpose).
 * - Each rule is queued once, by the scheduler, which records per event and rule that it is done; the job id
 *   `<invitationId>-<ruleKey>` makes a second queueing of the same guest and rule collide instead of doubling.
 * - Days are 24-hour periods, as link lifetimes are, so a rule's moment does not depend on who reads it.
 */

export const REMINDER_LIMITS = { maxRules: 3, daysMin: 1, daysMax: 60 } as const;

const DAY_MS = 86_400_000;

export interface ReminderRule {
  daysBefore: number;
  /** When the organiser added this rule: a rule whose moment had already passed then never fires. */
  addedAt: Date;
}

/** The scheduler's progress on one rule of one event. */
export interface ReminderRun {
  /** The scheduler run holding this rule while it queues reminders, and until when. */
  claimedBy: string | null;
  claimedUntil: Date | null;
  /** The last invitation queued, in the order the scheduler pages them: a run cut short resumes after it. */
  after: { linkExpiresAt: Date; id: string } | null;
  /** Reminders queued for this rule so far. */
  queued: number;
  doneAt: Date | null;
}

export interface ReminderEventFacts {
  lifecycle: "active" | "deleting";
  startsAt: Date;
  endsAt: Date;
  rsvpDeadline: Date | null;
  reminderRules: readonly ReminderRule[];
  reminderRuns: Readonly<Record<string, ReminderRun>>;
}

export type ReminderTiming = Pick<ReminderEventFacts, "startsAt" | "endsAt" | "rsvpDeadline">;

export const EMPTY_RUN: ReminderRun = { claimedBy: null, claimedUntil: null, after: null, queued: 0, doneAt: null };

/** The key of a rule in `reminderRuns` and in its reminders' job ids. */
export function ruleKey(daysBefore: number): string {
  return `r${daysBefore}d`;
}

/**
 * The key of the organiser's "remind now" on one day, in the event's zone: at most one such reminder per guest
 * per day, so a double click or two admins at once send one.
 */
export function remindNowKey(now: Date, timeZone: string): string {
  const day = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  return `m${day.replaceAll("-", "")}`;
}

/** What a reminder key stands for: a rule's days, or the day of a "remind now" ("2026-12-01"). */
export function parseReminderKey(key: string): { rule: number } | { day: string } | null {
  const rule = /^r(\d+)d$/.exec(key);
  if (rule) return { rule: Number(rule[1]) };
  const day = /^m(\d{4})(\d{2})(\d{2})$/.exec(key);
  return day ? { day: `${day[1]}-${day[2]}-${day[3]}` } : null;
}

export function reminderJobIdFor(invitationId: string, key: string): string {
  if (!/^[0-9a-f]+$/.test(invitationId)) throw new RangeError("invitationId must come from invitationIdFor");
  if (!parseReminderKey(key)) throw new RangeError(`Not a reminder key: ${key}`);
  return `${invitationId}-${key}`;
}

/** What a rule counts back from: the RSVP deadline, or the start when there is none. */
export function reminderAnchor(e: ReminderTiming): Date {
  return e.rsvpDeadline ?? e.startsAt;
}

/** When guests can no longer answer (the same moment the answer page closes): the deadline or the end. */
export function answersCloseAt(e: Pick<ReminderTiming, "endsAt" | "rsvpDeadline">): Date {
  const end = e.endsAt.getTime();
  return new Date(Math.min(end, e.rsvpDeadline?.getTime() ?? end));
}

export function ruleDueAt(e: ReminderTiming, daysBefore: number): Date {
  return new Date(reminderAnchor(e).getTime() - daysBefore * DAY_MS);
}

/**
 * The rules after an edit: rules kept from before keep when they were added (so a date change does not re-arm
 * or disarm them), new ones are added now. Earliest reminder first.
 */
export function mergeRules(previous: readonly ReminderRule[], days: readonly number[], now: Date): ReminderRule[] {
  const kept = new Map(previous.map((r) => [r.daysBefore, r.addedAt]));
  return [...new Set(days)].sort((a, b) => b - a).map((daysBefore) => ({ daysBefore, addedAt: kept.get(daysBefore) ?? now }));
}

export type RuleState =
  /** Ahead: the scheduler queues it at `dueAt`. */
  | "scheduled"
  /** Its moment has come and the scheduler is queueing (or about to queue) its reminders. */
  | "due"
  | "done"
  /** Its moment had already passed when the organiser set it, so it never fires. */
  | "passed";

export interface RuleStatus {
  key: string;
  daysBefore: number;
  dueAt: Date;
  state: RuleState;
  run: ReminderRun;
}

/** Every rule of the event with its moment and state, earliest first. */
export function describeRules(e: ReminderEventFacts, now: Date): RuleStatus[] {
  return e.reminderRules
    .map((rule): RuleStatus => {
      const key = ruleKey(rule.daysBefore);
      const dueAt = ruleDueAt(e, rule.daysBefore);
      const run = e.reminderRuns[key] ?? EMPTY_RUN;
      const state: RuleState =
        run.doneAt !== null ? "done" : dueAt.getTime() <= rule.addedAt.getTime() ? "passed" : dueAt.getTime() <= now.getTime() ? "due" : "scheduled";
      return { key, daysBefore: rule.daysBefore, dueAt, state, run };
    })
    .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

/**
 * When the scheduler should next look at this event: the earliest rule still to queue, or null when there is
 * none (or the event is being deleted). Stored on the event, so one query finds every event with work due.
 */
export function nextReminderAt(e: ReminderEventFacts): Date | null {
  if (e.lifecycle !== "active") return null;
  let next: number | null = null;
  for (const rule of e.reminderRules) {
    const dueAt = ruleDueAt(e, rule.daysBefore).getTime();
    const done = (e.reminderRuns[ruleKey(rule.daysBefore)] ?? EMPTY_RUN).doneAt !== null;
    if (!done && dueAt > rule.addedAt.getTime() && (next === null || dueAt < next)) next = dueAt;
  }
  return next === null ? null : new Date(next);
}

/** The earliest rule whose moment has come and that no other live scheduler run holds, if any. */
export function claimableRule(e: ReminderEventFacts, now: Date, runId: string): RuleStatus | null {
  return (
    describeRules(e, now).find(
      (r) =>
        r.state === "due" &&
        (r.run.claimedBy === null || r.run.claimedBy === runId || (r.run.claimedUntil?.getTime() ?? 0) <= now.getTime()),
    ) ?? null
  );
}

export interface ReminderInvitationFacts {
  status: string;
  deliveryState: string;
  linkExpiresAt: Date;
}

export const REMINDER_REFUSALS = {
  eventGone: "The event was deleted",
  closed: "Answers are closed for this event",
  answered: "The guest has already answered",
  revoked: "The invitation was revoked",
  notDelivered: "The invitation email has not been delivered yet",
  linkExpired: "The guest's link has expired: resend the invitation instead",
} as const;

/**
 * Why this guest may not be reminded now, or null when they may: the event is live and still taking answers, the
 * guest has not answered and was not revoked, their invitation email was delivered, and the link in it still
 * works (a reminder carries that same link; it is not a resend).
 */
export function reminderRefusal(
  invitation: ReminderInvitationFacts,
  event: Pick<ReminderEventFacts, "lifecycle" | "endsAt" | "rsvpDeadline"> | null,
  now: Date,
): string | null {
  if (!event || event.lifecycle !== "active") return REMINDER_REFUSALS.eventGone;
  if (now.getTime() >= answersCloseAt(event).getTime()) return REMINDER_REFUSALS.closed;
  if (invitation.status === "revoked") return REMINDER_REFUSALS.revoked;
  if (invitation.status === "accepted" || invitation.status === "declined") return REMINDER_REFUSALS.answered;
  if (invitation.status === "expired" || invitation.linkExpiresAt.getTime() <= now.getTime()) return REMINDER_REFUSALS.linkExpired;
  if (invitation.deliveryState !== "sent") return REMINDER_REFUSALS.notDelivered;
  return null;
}
