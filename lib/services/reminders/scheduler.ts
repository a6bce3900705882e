import { fieldOps, type MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections } from "@/lib/adapters/firestore/schemas";
import {
  answersCloseAt,
  claimableRule,
  describeRules,
  EMPTY_RUN,
  nextReminderAt,
  type ReminderRun,
} from "@/lib/domain/events/reminders";
import type { Clock } from "@/lib/ports/clock";
import { eventRef } from "../events";
import { createReminders, reminderFor } from "./queue";

/**
 * The reminder scheduler: the Cloud Function and the local worker run it right before each drain
 * (functions/src/container.ts), so the reminders it queues leave in the same run.
 *
 * Its cost follows the reminders due, not the guests:
 * - nothing due: one query on events (`nextReminderAt <= now`, a handful at most), which returns nothing and
 *   costs one read;
 * - a rule due: one transaction claims it on the event (one read), then the event's open, delivered invitations
 *   whose link still works are paged once, in the order of one index, each page turned into reminder jobs with
 *   create() in one batch that also moves the rule's cursor; a last transaction marks the rule done and sets the
 *   event's next `nextReminderAt` (one read). About one read per reminder queued.
 *
 * Exactly one reminder per guest per rule, whatever runs at once: the claim keeps a second run off a rule being
 * queued; if a claim expires under a slow run, the runs may overlap, and the deterministic job ids make the second
 * creation of any reminder fail instead of doubling it. A run cut short (its budget, a crash) leaves the cursor
 * where its last batch committed, and the next run resumes there.
 */

export interface ReminderPorts {
  db: MeteredFirestore;
  clock: Clock;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface ReminderOptions {
  /** Unique per process, like a drain id: claims carry it. */
  runId: string;
  /** Stop starting new pages after this long (at least one page per claimed rule is queued). */
  budgetMs: number;
  /** Invitations per page, and so reminders per batch (with one bookkeeping write, under 500 per commit). */
  pageSize?: number;
  /** How long a claim keeps other runs off a rule; each batch extends it. */
  claimMs?: number;
  /** Events with due rules looked at per run; the rest wait for the next run. */
  eventsPerRun?: number;
}

export interface ReminderSummary {
  /** Events whose due rules this run looked at. */
  events: number;
  /** Rules finished by this run. */
  rules: number;
  /** Reminder jobs created by this run. */
  queued: number;
  /** Reminders this run found already queued by another run it overlapped with (each created once all the same). */
  alreadyQueued: number;
  stoppedBecause: "idle" | "done" | "budget";
}

const DEFAULTS = { pageSize: 450, claimMs: 120_000, eventsPerRun: 5 };

interface Claim {
  key: string;
  run: ReminderRun;
  /** When the claim was made: reminders go to guests whose link still works then. */
  at: Date;
}

export async function queueDueReminders(ports: ReminderPorts, options: ReminderOptions): Promise<ReminderSummary> {
  const o = { ...DEFAULTS, ...options };
  const deadline = Date.now() + o.budgetMs;
  const summary: ReminderSummary = { events: 0, rules: 0, queued: 0, alreadyQueued: 0, stoppedBecause: "idle" };
  const due = await ports.db.queryIds("remind.due", collections.events, {
    where: [["nextReminderAt", "<=", ports.clock.now()]],
    orderBy: [["nextReminderAt", "asc"]],
    limit: o.eventsPerRun,
  });
  for (const eventId of due) {
    if (summary.events > 0 && Date.now() >= deadline) {
      summary.stoppedBecause = "budget";
      break;
    }
    summary.events++;
    summary.stoppedBecause = "done";
    try {
      let finished: string | null = null;
      for (;;) {
        const claim = await advance(ports, eventId, finished, o);
        if (!claim) break;
        const outcome = await queueRule(ports, eventId, claim, o, deadline);
        summary.queued += outcome.queued;
        summary.alreadyQueued += outcome.alreadyQueued;
        if (!outcome.finished) {
          // Out of time: let the next run carry on from the cursor now rather than when the claim expires.
          await ports.db.update("remind.release", eventRef(eventId), {
            [`reminderRuns.${claim.key}.claimedBy`]: null,
            [`reminderRuns.${claim.key}.claimedUntil`]: null,
          });
          summary.stoppedBecause = "budget";
          return summary;
        }
        summary.rules++;
        finished = claim.key;
      }
    } catch (error) {
      // One event's trouble (deleted mid-run, contention) must not keep the others' reminders or the drain waiting.
      ports.log?.("could not queue an event's reminders", { eventId, error: (error as Error).message });
    }
  }
  return summary;
}

/**
 * One transaction on the event: marks the rule just finished as done, finishes every due rule of an event that no
 * longer takes answers, claims the next due rule if another run does not hold it, and keeps `nextReminderAt` true
 * to the event as it is now (its rules may have been edited meanwhile).
 */
function advance(ports: ReminderPorts, eventId: string, finished: string | null, o: typeof DEFAULTS & ReminderOptions): Promise<Claim | null> {
  return ports.db.transaction("remind.claim", async (tx) => {
    const event = await tx.get(eventRef(eventId));
    if (!event) return null;
    const now = ports.clock.now();
    const runs: Record<string, ReminderRun> = { ...event.reminderRuns };
    const update: Record<string, unknown> = {};
    const set = (key: string, fields: Partial<ReminderRun>) => {
      runs[key] = { ...(runs[key] ?? EMPTY_RUN), ...fields };
      for (const [field, value] of Object.entries(fields)) update[`reminderRuns.${key}.${field}`] = value;
    };
    if (finished) set(finished, { doneAt: now, claimedBy: null, claimedUntil: null });

    let claim: Claim | null = null;
    if (event.lifecycle === "active") {
      if (now.getTime() >= answersCloseAt(event).getTime()) {
        // Nobody can answer any more: a rule reached this late is over, with whatever it queued.
        for (const rule of describeRules({ ...event, reminderRuns: runs }, now)) {
          if (rule.state === "due") set(rule.key, { doneAt: now, claimedBy: null, claimedUntil: null });
        }
      } else {
        const rule = claimableRule({ ...event, reminderRuns: runs }, now, o.runId);
        if (rule) {
          set(rule.key, { claimedBy: o.runId, claimedUntil: new Date(now.getTime() + o.claimMs) });
          claim = { key: rule.key, run: runs[rule.key]!, at: now };
        }
      }
    }
    const next = nextReminderAt({ ...event, reminderRuns: runs });
    if (next?.getTime() !== event.nextReminderAt?.getTime()) update.nextReminderAt = next;
    if (Object.keys(update).length > 0) tx.update(eventRef(eventId), update);
    return claim;
  });
}

/**
 * Pages the event's open, delivered invitations whose link still works, from the rule's cursor, and queues one
 * reminder each. Every page is one batch: its reminders, the cursor, the count and a longer claim, together.
 */
async function queueRule(
  ports: ReminderPorts,
  eventId: string,
  claim: Claim,
  o: typeof DEFAULTS & ReminderOptions,
  deadline: number,
): Promise<{ queued: number; alreadyQueued: number; finished: boolean }> {
  const { key } = claim;
  let after = claim.run.after;
  let queued = 0;
  let alreadyQueued = 0;
  for (;;) {
    const page = await ports.db.query("remind.page", collections.invitations, {
      where: [
        ["eventId", "==", eventId],
        ["status", "==", "queued"],
        ["delivery.state", "==", "sent"],
        ["linkExpiresAt", ">", claim.at],
      ],
      orderBy: [
        ["linkExpiresAt", "asc"],
        ["__name__", "asc"],
      ],
      startAfter: after ? [after.linkExpiresAt, after.id] : undefined,
      limit: o.pageSize,
    });
    const last = page.at(-1);
    if (last) {
      const cursor = { linkExpiresAt: last.data.linkExpiresAt, id: last.id };
      const { created, existing } = await createReminders(
        ports.db,
        "remind.queue",
        page.map((s) => reminderFor(s.id, s.data, key, claim.at)),
        (batch, creating) =>
          batch.update(eventRef(eventId), {
            [`reminderRuns.${key}.after`]: cursor,
            [`reminderRuns.${key}.queued`]: fieldOps.increment(creating),
            [`reminderRuns.${key}.claimedUntil`]: new Date(ports.clock.now().getTime() + o.claimMs),
          }),
      );
      queued += created.length;
      alreadyQueued += existing.length;
      after = cursor;
    }
    if (page.length < o.pageSize) return { queued, alreadyQueued, finished: true };
    if (Date.now() >= deadline) return { queued, alreadyQueued, finished: false };
  }
}
