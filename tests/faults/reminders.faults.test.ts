import { afterEach, describe, expect, it } from "vitest";
import { getEvent, updateEvent } from "@/lib/services/events";
import { queueDueReminders } from "@/lib/services/reminders/scheduler";
import { answerInvitation } from "@/lib/services/rsvp";
import { addresses, eventInput } from "@/tests/support/fixtures";
import { startSmtpCatcher, type SmtpCatcher } from "@/tests/support/smtp-catcher";
import { faultWorld, figures, ledger, record, until, type FaultWorld } from "./harness";

/**
 * Reminders under concurrency, against the real worker process: the worker's own scheduler (run before each of
 * its drains) and two more scheduler runs started the moment a rule comes due, as overlapping Cloud Function
 * invocations on machines whose clocks disagree would. Each open guest gets exactly one reminder, the guests who
 * answered none.
 */

const DAY = 86_400_000;
let world: FaultWorld | null = null;
let smtp: SmtpCatcher | null = null;
afterEach(async () => {
  await world?.close();
  await smtp?.close();
  world = null;
  smtp = null;
});

const reminders = (c: SmtpCatcher) => ledger({ c }).filter((s) => s.subject?.startsWith("Reminder:"));

describe("reminders with schedulers racing", () => {
  it("two scheduler runs at once beside a worker: exactly one reminder per guest per rule", async () => {
    smtp = await startSmtpCatcher({ recordRaw: false });
    const start = new Date(Date.now() + 20 * DAY);
    world = await faultWorld("remind", { event: { startsAt: start, endsAt: new Date(start.getTime() + 3 * 3600_000), linkLifetimeDays: 30 } });
    const w = world;
    await w.smtp("smtp", smtp);
    const guests = addresses(80, "remind");
    const ids = await w.invite(guests);
    await w.startWorker();
    await until(() => smtp!.messages.length === guests.length, 90_000, "the invitations");
    await w.drained();
    const answered = ids.slice(0, 12);
    for (const [i, id] of answered.entries()) {
      expect(await answerInvitation(w.ctx, w.token(id), i % 2 === 0 ? "accept" : "decline")).toMatchObject({ ok: true });
    }

    // A rule "1 day before the RSVP deadline" that comes due four seconds from now.
    const dueAt = Date.now() + 4_000;
    const e = (await getEvent(w.ctx, w.eventId))!.data;
    const edited = await updateEvent(
      w.ctx,
      w.eventId,
      eventInput({ startsAt: e.startsAt, endsAt: e.endsAt, linkLifetimeDays: e.linkLifetimeDays, rsvpDeadline: new Date(dueAt + DAY), reminders: [1] }),
    );
    expect(edited).toMatchObject({ ok: true });
    // The two extra runs' clock is two seconds ahead of the worker's (machines disagree), so they find the rule
    // due first; their claims have lapsed as soon as they are made (as if their runs had died), so they page the
    // same guests side by side, and the worker takes the rule over from their cursor two seconds later.
    const SKEW_MS = 2_000;
    const ahead = { now: () => new Date(Date.now() + SKEW_MS) };
    await new Promise((r) => setTimeout(r, Math.max(0, dueAt - SKEW_MS - Date.now())));
    // The second starts a moment after the first, once the first's claim is written rather than while both fight
    // over the event document, so it pages from wherever the first has got to, alongside it.
    const runs = await Promise.all(
      [0, 300].map(async (delayMs, i) => {
        await new Promise((r) => setTimeout(r, delayMs));
        return queueDueReminders({ db: w.db, clock: ahead }, { runId: `extra-${i}`, budgetMs: 20_000, pageSize: 4, claimMs: -SKEW_MS });
      }),
    );

    const open = guests.length - answered.length;
    await until(() => reminders(smtp!).length >= open, 90_000, "the reminders");
    await w.drained();
    // Long enough for a duplicate, had any been queued, to leave too.
    await new Promise((r) => setTimeout(r, 3_000));

    const sent = reminders(smtp);
    const answeredAddresses = new Set(answered.map((id) => guests[ids.indexOf(id)]!.toLowerCase()));
    expect(sent).toHaveLength(open);
    expect(new Set(sent.map((s) => s.to)).size).toBe(open);
    expect(sent.filter((s) => answeredAddresses.has(s.to))).toEqual([]);
    const jobs = (await w.jobStates()).filter((j) => j.kind === "reminder");
    expect(jobs).toHaveLength(open);
    expect(jobs.every((j) => j.state === "completed")).toBe(true);
    const run = (await getEvent(w.ctx, w.eventId))!.data.reminderRuns.r1d;
    expect(run).toMatchObject({ queued: open });
    expect(run?.doneAt).not.toBeNull();
    await w.doctor();
    record("two scheduler runs at once beside a worker", {
      ...figures(sent),
      reminders: sent.length,
      queuedByTheExtraRuns: runs.map((r) => r.queued),
      foundAlreadyQueuedByTheExtraRuns: runs.map((r) => r.alreadyQueued),
      queuedByTheWorker: open - runs.reduce((n, r) => n + r.queued, 0),
    });
  });
});
