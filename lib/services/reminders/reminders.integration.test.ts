import { describe, expect, it } from "vitest";
import { REASONS } from "@/lib/domain/delivery/may-send";
import { REMINDER_REFUSALS } from "@/lib/domain/events/reminders";
import { eventInput, seedProvider } from "@/tests/support/fixtures";
import { drainWorld, httpProvider, mailServers, smtpProvider, until, type DrainWorld } from "@/tests/support/drain-world";
import { decodeBody, type SmtpCatcher } from "@/tests/support/smtp-catcher";
import { checkInvariants } from "../doctor";
import { deleteEventStep, getEvent, updateEvent } from "../events";
import { resendInvitations, revokeInvitations } from "../invitations";
import { answerInvitation } from "../rsvp";
import { setHalted, setSimulation } from "../settings";
import { reminderOverview } from "./overview";
import { remindInvitations } from "./remind-now";
import { queueDueReminders, type ReminderOptions } from "./scheduler";

/**
 * Reminders against the real emulator, a real SMTP catcher and an HTTP provider stand-in, on a clock the test
 * moves: who is reminded, exactly once, with which link, and what stops a reminder right up to its send.
 */

const DAY = 86_400_000;
const mail = mailServers();

/**
 * A world whose event answers until T0 + 14 days (starts on day 20) with one rule, "5 days before the deadline"
 * (day 9), and links that work until the event ends unless said otherwise.
 */
async function reminderWorld(event: Parameters<typeof eventInput>[0] = {}) {
  const T0 = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const clock = { now: T0 };
  const w = await drainWorld({
    now: () => clock.now,
    event: {
      startsAt: new Date(T0.getTime() + 20 * DAY),
      endsAt: new Date(T0.getTime() + 20 * DAY + 3 * 3600_000),
      rsvpDeadline: new Date(T0.getTime() + 14 * DAY),
      linkLifetimeDays: 90,
      reminders: [5],
      ...event,
    },
  });
  const at = (days: number) => new Date(T0.getTime() + days * DAY);
  const schedule = (o: Partial<ReminderOptions> = {}) => queueDueReminders({ db: w.db, clock: w.ctx.clock }, { runId: "test-run", budgetMs: 20_000, ...o });
  const reminderJobs = async () => (await w.jobs()).filter((j) => j.kind === "reminder");
  const reads = () => w.db.meter.lifetimeTotals().reads;
  return { w, T0, clock, at, schedule, reminderJobs, reads };
}

/** The organiser's edit of the event's reminder rules, through the same service the event form saves with. */
async function setRules(w: DrainWorld, reminders: number[]) {
  const e = (await getEvent(w.ctx, w.eventId))!.data;
  const input = eventInput({ startsAt: e.startsAt, endsAt: e.endsAt, rsvpDeadline: e.rsvpDeadline ?? undefined, linkLifetimeDays: e.linkLifetimeDays, reminders });
  expect(await updateEvent(w.ctx, w.eventId, input)).toMatchObject({ ok: true });
}

/** Invitations delivered in simulation mode: real outcomes through the drain, no provider needed. */
async function deliverSimulated(w: DrainWorld) {
  await setSimulation(w.db, w.ctx.clock, true);
  await w.drain();
  await setSimulation(w.db, w.ctx.clock, false);
}

const remindersIn = (smtp: SmtpCatcher) => smtp.messages.filter((m) => m.subject?.startsWith("Reminder:"));

async function expectHealthy(w: DrainWorld) {
  const report = await checkInvariants(w.db, w.ctx.clock);
  expect(report.violations).toEqual([]);
  return report;
}

describe("the reminder scheduler", () => {
  it("reminds exactly the guests who have not answered, whose email was delivered and whose link works, once", async () => {
    const smtp = await mail.catcher();
    const { w, clock, at, schedule, reminderJobs, reads } = await reminderWorld({ linkLifetimeDays: 8 });
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    // Fay is invited on day 0, so her link runs out on day 8, before the reminder on day 9.
    const [fay] = await w.invite(["fay@example.com"]);
    await w.drain();
    clock.now = at(5);
    const [ada, bob, cy, dee] = await w.invite(["ada@example.com", "bob@example.com", "cy@example.com", "dee@example.com"]);
    await w.drain();
    await answerInvitation(w.ctx, w.token(bob!), "accept");
    await answerInvitation(w.ctx, w.token(cy!), "decline");
    await revokeInvitations(w.ctx, [dee!]);
    // Eve's invitation has not been sent yet when the reminder's moment comes.
    const [eve] = await w.invite(["eve@example.com"]);
    const before = await w.counters();

    expect((await getEvent(w.ctx, w.eventId))?.data.nextReminderAt).toEqual(at(9));
    clock.now = at(8.99);
    let r = reads();
    expect(await schedule()).toMatchObject({ queued: 0, stoppedBecause: "idle" });
    expect(reads() - r).toBe(1);

    clock.now = at(9.001);
    expect(await schedule()).toMatchObject({ events: 1, rules: 1, queued: 1 });
    const jobs = await reminderJobs();
    expect(jobs.map((j) => j.id)).toEqual([`${ada}-r5d`]);
    expect(jobs[0]).toMatchObject({ state: "pending", priority: "low", rank: 2, tokenVersion: 1, reminderKey: "r5d" });
    const event = (await getEvent(w.ctx, w.eventId))!.data;
    expect(event.nextReminderAt).toBeNull();
    expect(event.reminderRuns.r5d).toMatchObject({ queued: 1, claimedBy: null });
    expect(event.reminderRuns.r5d?.doneAt).toEqual(at(9.001));

    // A second run finds nothing due and queues nothing.
    r = reads();
    expect(await schedule({ runId: "another" })).toMatchObject({ queued: 0 });
    expect(reads() - r).toBe(1);

    await w.drain();
    const sent = remindersIn(smtp);
    expect(sent.map((m) => m.to[0])).toEqual(["ada@example.com"]);
    // The guest's current link, the one in her invitation: nothing was rotated.
    expect(decodeBody(sent[0]!).text).toContain(`/invite/${w.token(ada!)}`);
    expect((await w.invitation(ada!)).tokenVersion).toBe(1);
    expect(await w.counters()).toMatchObject({ ...before, delivered: before.delivered + 1 });
    expect((await w.job(`${ada}-r5d`))?.state).toBe("completed");
    for (const id of [fay, bob, cy, dee, eve]) expect(await w.job(`${id}-r5d`)).toBeUndefined();
    await expectHealthy(w);
  });

  it("three runs at once, even with claims that expire at once, queue one reminder per guest", async () => {
    const { w, clock, at, schedule, reminderJobs } = await reminderWorld();
    await seedProvider(w.db);
    await w.invite(Array.from({ length: 30 }, (_, i) => `g${i}@example.com`));
    await deliverSimulated(w);

    clock.now = at(9.5);
    const claimed = await Promise.all(["a", "b", "c"].map((runId) => schedule({ runId, pageSize: 4 })));
    expect(claimed.reduce((n, s) => n + s.queued, 0)).toBe(30);
    // Claims that expire as soon as they are made: every run pages every guest, and create() keeps one each.
    await w.raw.doc(`events/${w.eventId}`).update({ reminderRules: [{ daysBefore: 6, addedAt: at(0) }], nextReminderAt: at(8) });
    const overlapping = await Promise.all(["a", "b", "c"].map((runId) => schedule({ runId, pageSize: 4, claimMs: 0 })));
    expect(overlapping.reduce((n, s) => n + s.queued, 0)).toBe(30);

    const jobs = await reminderJobs();
    expect(jobs).toHaveLength(60);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(60);
    const event = (await getEvent(w.ctx, w.eventId))!.data;
    expect(event.reminderRuns.r5d?.queued).toBe(30);
    expect(event.reminderRuns.r6d?.queued).toBe(30);
    await expectHealthy(w);
  });

  it("a run cut short leaves its place, and the next run carries on from there", async () => {
    const { w, clock, at, schedule, reminderJobs } = await reminderWorld();
    await seedProvider(w.db);
    const ids = await w.invite(Array.from({ length: 10 }, (_, i) => `g${i}@example.com`));
    await deliverSimulated(w);
    clock.now = at(9.5);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await schedule({ runId: `run-${i}`, pageSize: 4, budgetMs: 0 }));
    expect(runs.map((s) => [s.queued, s.stoppedBecause])).toEqual([
      [4, "budget"],
      [4, "budget"],
      [2, "done"],
    ]);
    expect((await reminderJobs()).map((j) => j.invitationId).sort()).toEqual([...ids].sort());
    expect((await getEvent(w.ctx, w.eventId))!.data.reminderRuns.r5d).toMatchObject({ queued: 10, claimedBy: null });
  });

  it("skips a rule whose moment had passed when it was set, and sends nothing for an event being deleted", async () => {
    const { w, clock, at, schedule, reminderJobs } = await reminderWorld({ reminders: [] });
    await seedProvider(w.db);
    await w.invite(["ada@example.com"]);
    await deliverSimulated(w);
    // On day 10, "5 days before the deadline" (day 9) is already gone; "3 days before" (day 11) is ahead.
    clock.now = at(10);
    await setRules(w, [5, 3]);
    const overview = await reminderOverview(w.ctx, w.eventId, (await getEvent(w.ctx, w.eventId))!.data);
    expect(overview.rules.map((r) => [r.key, r.state])).toEqual([
      ["r5d", "passed"],
      ["r3d", "scheduled"],
    ]);
    expect(overview.next).toMatchObject({ rule: { key: "r3d", dueAt: at(11) }, guests: 1 });

    await deleteEventStep(w.ctx, w.eventId, 1);
    clock.now = at(11.5);
    expect(await schedule()).toMatchObject({ queued: 0 });
    expect(await reminderJobs()).toEqual([]);
    expect((await getEvent(w.ctx, w.eventId))?.data.nextReminderAt).toBeNull();
  });
});

describe("the last check before a reminder leaves", () => {
  it("cancels the reminder of a guest who answered, was revoked or got a new link since it was queued", async () => {
    const smtp = await mail.catcher();
    const { w, clock, at, schedule, reminderJobs } = await reminderWorld();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [ada, bob, cy, dee] = await w.invite(["ada@example.com", "bob@example.com", "cy@example.com", "dee@example.com", "eve@example.com"]);
    await w.drain();
    clock.now = at(9.1);
    await schedule();
    expect(await reminderJobs()).toHaveLength(5);

    await answerInvitation(w.ctx, w.token(ada!), "accept");
    await answerInvitation(w.ctx, w.token(bob!), "decline");
    await revokeInvitations(w.ctx, [cy!]);
    await resendInvitations(w.ctx, [dee!]);
    // Before the drain, the doctor sees reminders waiting for guests who no longer need them: warnings only.
    const waiting = await expectHealthy(w);
    expect(waiting.warnings.filter((f) => f.check === "reminder")).toHaveLength(4);

    await w.drain();
    expect(remindersIn(smtp).map((m) => m.to[0])).toEqual(["eve@example.com"]);
    const reasons = Object.fromEntries(await Promise.all([ada, bob, cy, dee].map(async (id) => [id, (await w.job(`${id}-r5d`))?.waitingReason])));
    expect(reasons).toEqual({
      [ada!]: REMINDER_REFUSALS.answered,
      [bob!]: REMINDER_REFUSALS.answered,
      [cy!]: REASONS.revoked,
      [dee!]: expect.any(String),
    });
    // The resend re-queued Dee's invitation on a new link: her reminder finds it undelivered, or sent on that link.
    expect([REMINDER_REFUSALS.notDelivered, REASONS.reminderLinkReplaced]).toContain(reasons[dee!]);
    expect(await w.counters()).toMatchObject({ accepted: 1, declined: 1, revoked: 1, pending: 2 });
    const after = await expectHealthy(w);
    expect(after.warnings.filter((f) => f.check === "reminder")).toEqual([]);
  });

  it("cancels reminders once answers close, once the rule is removed, and holds them while sending is halted", async () => {
    const smtp = await mail.catcher();
    const { w, clock, at, schedule } = await reminderWorld();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [ada] = await w.invite(["ada@example.com"]);
    await w.drain();
    clock.now = at(9.1);
    await schedule();

    await setHalted(w.db, w.ctx.clock, true, "test");
    await w.drain();
    expect((await w.job(`${ada}-r5d`))?.state).toBe("pending");
    await setHalted(w.db, w.ctx.clock, false, "test");

    // The organiser drops the rule before its reminders left.
    await setRules(w, []);
    await w.drain();
    expect(await w.job(`${ada}-r5d`)).toMatchObject({ state: "cancelled", waitingReason: REASONS.reminderRuleRemoved });

    // "Remind now" the day after the deadline: refused; queued before it and sent after it: cancelled.
    clock.now = at(13.9);
    expect(await remindInvitations(w.ctx, [ada!])).toEqual([{ id: ada, ok: true, message: "Reminder queued" }]);
    clock.now = at(14);
    expect(await remindInvitations(w.ctx, [ada!])).toEqual([{ id: ada, ok: false, message: REMINDER_REFUSALS.closed }]);
    await w.drain();
    expect((await w.jobs()).find((j) => j.kind === "reminder" && j.id !== `${ada}-r5d`)).toMatchObject({ state: "cancelled", waitingReason: REMINDER_REFUSALS.closed });
    expect(remindersIn(smtp)).toEqual([]);
    await expectHealthy(w);
  });

  it("a guest who answers while their reminder is on its way keeps their answer; the reminder is recorded once", async () => {
    const standin = await mail.standin("sendgrid");
    const { w, clock, at, schedule } = await reminderWorld();
    await seedProvider(w.db, "sendgrid", httpProvider("sendgrid", "sendgrid", standin, { settings: { baseUrl: standin.url, timeoutMs: 10_000 } }));
    const [ada] = await w.invite(["ada@example.com"]);
    await w.drain();
    clock.now = at(9.1);
    await schedule();

    standin.setBehaviour({ latencyMs: 1_500 });
    standin.clear();
    const draining = w.drain();
    await until(() => standin.requests.length === 1, 10_000, "the reminder to reach the provider");
    expect(await answerInvitation(w.ctx, w.token(ada!), "accept")).toMatchObject({ ok: true, outcome: "accepted" });
    await draining;

    expect(standin.accepted).toBe(1);
    expect(await w.job(`${ada}-r5d`)).toMatchObject({ state: "completed" });
    expect(await w.invitation(ada!)).toMatchObject({ status: "accepted", delivery: { state: "sent" } });
    expect(await w.counters()).toMatchObject({ accepted: 1, pending: 0, delivered: 1 });
    expect((await w.raw.doc(`participants/${ada}`).get()).exists).toBe(true);
    // A later drain and a later scheduler run send nothing more.
    standin.setBehaviour({});
    await schedule();
    await w.drain();
    expect(standin.requests.filter((r) => r.status !== null && r.status < 300)).toHaveLength(1);
    await expectHealthy(w);
  });
});

describe("remind now", () => {
  it("reminds the selected guests who may be reminded, once a day each, and says why not for the others", async () => {
    const smtp = await mail.catcher();
    const { w, clock, at, reminderJobs } = await reminderWorld({ reminders: [] });
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [ada, bob] = await w.invite(["ada@example.com", "bob@example.com"]);
    await w.drain();
    const [eve] = await w.invite(["eve@example.com"]);
    await answerInvitation(w.ctx, w.token(bob!), "decline");

    clock.now = at(3);
    expect(await remindInvitations(w.ctx, [ada!, bob!, eve!, "0".repeat(32)])).toEqual([
      { id: ada, ok: true, message: "Reminder queued" },
      { id: bob, ok: false, message: REMINDER_REFUSALS.answered },
      { id: eve, ok: false, message: REMINDER_REFUSALS.notDelivered },
      { id: "0".repeat(32), ok: false, message: "Not found" },
    ]);
    expect(await remindInvitations(w.ctx, [ada!])).toEqual([{ id: ada, ok: false, message: "Already reminded today" }]);
    // The next day, a double click (or two admins at once): one reminder.
    clock.now = at(4);
    const twice = await Promise.all([remindInvitations(w.ctx, [ada!]), remindInvitations(w.ctx, [ada!])]);
    expect(twice.flat().map((r) => r.message).sort()).toEqual(["Already reminded today", "Reminder queued"]);
    expect((await reminderJobs()).map((j) => j.id).sort()).toEqual([`${ada}-m${day(at(3))}`, `${ada}-m${day(at(4))}`].sort());

    await w.drain();
    expect(remindersIn(smtp).map((m) => m.to[0])).toEqual(["ada@example.com", "ada@example.com"]);
    await expectHealthy(w);
  });
});

describe("the doctor", () => {
  it("reports a reminder sent after the guest answered, and two reminders for one rule", async () => {
    const { w, at } = await reminderWorld();
    await seedProvider(w.db);
    const [ada] = await w.invite(["ada@example.com"]);
    await w.raw.doc(`invitations/${ada}`).update({ status: "accepted", answeredAt: at(1) });
    const job = { ...(await w.job(`${ada}-1`))!, kind: "reminder", priority: "low", rank: 2, reminderKey: "r5d", state: "completed", completedAt: at(2) };
    await w.raw.doc(`jobs/${ada}-r5d`).set(job);
    await w.raw.doc(`jobs/${ada}-r5d-again`).set({ ...job, state: "pending", completedAt: null });
    const report = await checkInvariants(w.db, w.ctx.clock);
    expect(report.violations.filter((v) => v.check === "reminder").map((v) => v.detail)).toEqual([
      expect.stringMatching(/^sent at .* after the guest was accepted/),
      expect.stringMatching(/not made under its deterministic id/),
      expect.stringMatching(/^2 reminders for one rule/),
    ]);
  });
});

/** The day in the event's zone (Europe/Paris), as "remind now" job ids carry it. */
function day(at: Date): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" }).format(at).replaceAll("-", "");
}
