/**
 * `npm run bench:remind`: what the reminder scheduler costs, in Firestore reads counted by the burn meter.
 * 1. Idle: 10,000 open, delivered invitations on an event with three reminder rules, none due: reads of one
 *    scheduler run, and of one whole scheduled run (scheduler + drain, functions/src/container.ts `runDrain`).
 * 2. Due: a second event's rule comes due with 1,000 open, delivered invitations: reads per reminder queued,
 *    then a second run (nothing more may be queued). See bench/README.md.
 */
import type { Firestore } from "firebase-admin/firestore";
import type { EventInput } from "@/lib/domain/events/schema";
import { inviteGuests } from "@/lib/services/invitations";
import { queueDueReminders, type ReminderSummary } from "@/lib/services/reminders/scheduler";
import { ensureStarterTemplates } from "@/lib/services/templates";
import { addresses, eventInput, recipients, seedEvent, seedProvider } from "@/tests/support/fixtures";
import { createDrainContainer, runDrain } from "../functions/src/container";
import { progress, round } from "./lib/output";
import { runBench, withTestStack } from "./lib/stack";
import { burnDelta, countForEvent } from "./lib/verify";

const TARGETS = { idleRunReads: 3, readsPerReminderQueued: 1.1 } as const;
const DAY = 86_400_000;
const IDLE_GUESTS = Number(process.env.BENCH_REMIND_IDLE_GUESTS ?? 10_000);
const DUE_GUESTS = Number(process.env.BENCH_REMIND_DUE_GUESTS ?? 1_000);

/**
 * What the drain would have recorded once every invitation left: delivered, and its job completed. Written with
 * the raw client (not metered), so setting the scene costs nothing in the figures.
 */
async function markDelivered(raw: Firestore, eventId: string): Promise<void> {
  const writer = raw.bulkWriter();
  const at = new Date();
  for (const doc of (await raw.collection("invitations").where("eventId", "==", eventId).get()).docs) {
    writer.update(doc.ref, { "delivery.state": "sent", "delivery.at": at, "delivery.simulated": true });
  }
  for (const doc of (await raw.collection("jobs").where("eventId", "==", eventId).get()).docs) {
    writer.update(doc.ref, { state: "completed", attempts: 1, completedAt: at, updatedAt: at, simulated: true });
  }
  await writer.close();
  await raw.collection("events").doc(eventId).update({ "counters.delivered": (await countForEvent(raw, "invitations", eventId)) });
}

async function invitedEvent(ctx: Parameters<typeof inviteGuests>[0], raw: Firestore, guests: number, prefix: string, event: Partial<EventInput>) {
  const eventId = await seedEvent(ctx, event);
  const started = performance.now();
  const invited = await inviteGuests(ctx, eventId, recipients(addresses(guests, prefix)));
  if (!invited.ok || invited.invited !== guests) throw new Error(`seeding failed: ${JSON.stringify(invited).slice(0, 200)}`);
  await markDelivered(raw, eventId);
  progress(`${guests.toLocaleString("en")} open, delivered invitations on event ${eventId} (${round((performance.now() - started) / 1000, 1)} s)`);
  return eventId;
}

await runBench("remind", () =>
  withTestStack({ app: false }, async (stack) => {
    const { ctx, firestore } = stack;
    const { raw } = firestore;
    await seedProvider(ctx.db);
    await ensureStarterTemplates(ctx);
    const now = Date.now();
    // Answers by day 20, three rules (days 13, 17 and 19); links last until the event ends.
    const big = await invitedEvent(ctx, raw, IDLE_GUESTS, "idle", {
      startsAt: new Date(now + 25 * DAY),
      endsAt: new Date(now + 25 * DAY + 3 * 3_600_000),
      rsvpDeadline: new Date(now + 20 * DAY),
      linkLifetimeDays: 60,
      reminders: [7, 3, 1],
    });
    // Answers by day 3, one rule "1 day before": due on day 2.
    const due = await invitedEvent(ctx, raw, DUE_GUESTS, "due", {
      ...eventInput({ rsvpDeadline: new Date(now + 3 * DAY), linkLifetimeDays: 60 }),
      reminders: [1],
    });

    const schedule = async (at: number, runId: string): Promise<{ summary: ReminderSummary; reads: number; writes: number; ms: number }> => {
      const before = ctx.db.meter.lifetimeTotals();
      const started = performance.now();
      const summary = await queueDueReminders({ db: ctx.db, clock: { now: () => new Date(at) } }, { runId, budgetMs: 60_000 });
      const burn = burnDelta(before, ctx.db.meter.lifetimeTotals());
      return { summary, reads: burn.reads, writes: burn.writes, ms: Math.round(performance.now() - started) };
    };

    progress("idle: one scheduler run with nothing due");
    const idle = await schedule(Date.now(), "bench-idle");
    progress("idle: one whole scheduled run (scheduler + drain), as the Cloud Function and the worker make it");
    const container = createDrainContainer({ ...stack.env, FIREBASE_PROJECT_ID: String(stack.env.FIREBASE_PROJECT_ID) });
    const beforeRun = container.firestore.meter.lifetimeTotals().reads;
    const run = await runDrain(container, 20_000);
    const idleWholeRunReads = container.firestore.meter.lifetimeTotals().reads - beforeRun;

    progress(`due: the rule of ${DUE_GUESTS.toLocaleString("en")} guests comes due (the clock moved to day 2)`);
    const dueAt = now + 2 * DAY + 60_000;
    const queued = await schedule(dueAt, "bench-due");
    const again = await schedule(dueAt + 60_000, "bench-again");
    const jobs = await raw.collection("jobs").where("eventId", "==", due).where("kind", "==", "reminder").count().get();
    const bigJobs = await raw.collection("jobs").where("eventId", "==", big).where("kind", "==", "reminder").count().get();
    const figures = {
      idleRunReads: idle.reads,
      readsPerReminderQueued: round(queued.reads / Math.max(1, queued.summary.queued), 4),
    };
    return {
      ...figures,
      idle: { openInvitations: IDLE_GUESTS, rules: 3, reads: idle.reads, writes: idle.writes, ms: idle.ms, summary: idle.summary },
      idleWholeRun: { reads: idleWholeRunReads, claimed: run.claimed, reminders: run.reminders },
      due: {
        openInvitations: DUE_GUESTS,
        queued: queued.summary.queued,
        reads: queued.reads,
        writes: queued.writes,
        writesPerReminderQueued: round(queued.writes / Math.max(1, queued.summary.queued), 4),
        ms: queued.ms,
        summary: queued.summary,
      },
      secondRun: { queued: again.summary.queued, reads: again.reads },
      correct: jobs.data().count === DUE_GUESTS && bigJobs.data().count === 0 && again.summary.queued === 0,
      targets: TARGETS,
      targetsMet: {
        idleRunReads: figures.idleRunReads <= TARGETS.idleRunReads && idleWholeRunReads <= TARGETS.idleRunReads,
        readsPerReminderQueued: figures.readsPerReminderQueued <= TARGETS.readsPerReminderQueued,
      },
    };
  }),
);
