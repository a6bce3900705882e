import { randomBytes } from "node:crypto";
import { docRef, type CollectionDef, type Snapshot } from "@/lib/adapters/firestore/collection";
import { fieldOps, MAX_WRITES_PER_COMMIT } from "@/lib/adapters/firestore/db";
import {
  collections,
  ZERO_COUNTERS,
  type EventDoc,
} from "@/lib/adapters/firestore/schemas";
import { mergeRules, nextReminderAt, type ReminderEventFacts, type ReminderRule } from "@/lib/domain/events/reminders";
import type { EventInput } from "@/lib/domain/events/schema";
import type { Failure, Result, ServiceContext } from "./context";
import { announceCancellations } from "./settings";

export interface Host {
  name: string;
  email: string;
}

export const eventRef = (id: string) => docRef(collections.events, id);

function newEventId(): string {
  // 20 url-safe characters, like Firestore's auto ids, but made here so the id is known before the write.
  return randomBytes(15).toString("base64url");
}

async function templateExists(ctx: ServiceContext, templateId: string): Promise<boolean> {
  return (await ctx.db.get("event.template", docRef(collections.templates, templateId))) !== null;
}

const noTemplate = (): Failure<"invalid_input"> => ({
  ok: false,
  code: "invalid_input",
  message: "Choose an email template",
  fieldErrors: { templateId: "That template does not exist" },
});

/**
 * The organiser's reminder rules after an edit and when the scheduler should next look at the event. Written in
 * the same write as the dates they count back from, so the schedule always matches the event.
 */
function reminderSchedule(
  event: Omit<ReminderEventFacts, "reminderRules">,
  previous: readonly ReminderRule[],
  days: readonly number[],
  now: Date,
): Pick<EventDoc, "reminderRules" | "nextReminderAt"> {
  const reminderRules = mergeRules(previous, days, now);
  return { reminderRules, nextReminderAt: nextReminderAt({ ...event, reminderRules }) };
}

/** One write: the event and its counters are one document, so they are created together or not at all. */
export async function createEvent(
  ctx: ServiceContext,
  input: EventInput,
  host: Host,
): Promise<Result<{ id: string }, "invalid_input">> {
  if (!(await templateExists(ctx, input.templateId))) return noTemplate();
  const id = newEventId();
  const now = ctx.clock.now();
  const { reminders, ...fields } = input;
  const doc: EventDoc = {
    ...fields,
    capacity: input.capacity ?? null,
    rsvpDeadline: input.rsvpDeadline ?? null,
    host,
    lifecycle: "active",
    sequence: 0,
    counters: { ...ZERO_COUNTERS },
    ...reminderSchedule({ lifecycle: "active", ...input, rsvpDeadline: input.rsvpDeadline ?? null, reminderRuns: {} }, [], reminders, now),
    reminderRuns: {},
    createdAt: now,
    updatedAt: now,
  };
  await ctx.db.create("event.create", eventRef(id), doc);
  return { ok: true, id };
}

/**
 * Edits keep the counters and bump the calendar sequence. Runs in a transaction so a capacity lowered below
 * the accepted count is refused against the count as it is now, not as it was when the form was opened.
 */
export async function updateEvent(
  ctx: ServiceContext,
  id: string,
  input: EventInput,
): Promise<Result<object, "invalid_input" | "not_found" | "conflict">> {
  if (!(await templateExists(ctx, input.templateId))) return noTemplate();
  return ctx.db.transaction("event.update", async (tx) => {
    const current = await tx.get(eventRef(id));
    if (!current) return { ok: false, code: "not_found", message: "This event no longer exists" } as const;
    if (current.lifecycle !== "active") {
      return { ok: false, code: "conflict", message: "This event is being deleted" } as const;
    }
    if (input.capacity !== undefined && input.capacity < current.counters.accepted) {
      return {
        ok: false,
        code: "invalid_input",
        message: "Capacity is below the number of guests already going",
        fieldErrors: { capacity: `${current.counters.accepted} guests have already accepted` },
      } as const;
    }
    const now = ctx.clock.now();
    const { reminders, ...fields } = input;
    const rsvpDeadline = input.rsvpDeadline ?? null;
    tx.update(eventRef(id), {
      ...fields,
      ...reminderSchedule({ ...current, ...input, rsvpDeadline }, current.reminderRules, reminders, now),
      description: input.description ?? fieldOps.delete(),
      location: input.location ?? fieldOps.delete(),
      onlineUrl: input.onlineUrl ?? fieldOps.delete(),
      capacity: input.capacity ?? null,
      rsvpDeadline,
      sequence: current.sequence + 1,
      updatedAt: now,
    });
    return { ok: true } as const;
  });
}

export async function getEvent(ctx: ServiceContext, id: string): Promise<Snapshot<EventDoc> | null> {
  return ctx.db.get("event.read", eventRef(id));
}

export async function listEvents(ctx: ServiceContext): Promise<Snapshot<EventDoc>[]> {
  return ctx.db.query("event.list", collections.events, { orderBy: [["startsAt", "desc"]], limit: 200 });
}

/** Chunk size for cascade deletes: Firestore's per-commit limit. */
const DELETE_CHUNK = MAX_WRITES_PER_COMMIT;

/** Related documents go first, the event document last; jobs first of all, so nothing more is mailed. */
const CASCADE: CollectionDef<unknown>[] = [collections.jobs, collections.participants, collections.invitations];

export interface DeleteProgress {
  deleted: number;
}

export interface DeleteStep {
  /** True once the event document itself is gone. */
  done: boolean;
  /** Documents deleted by this step, the event document included when `done`. */
  deleted: number;
}

/**
 * One bounded slice of an event's deletion, so a browser can drive a large deletion call by call and show
 * progress, and a deletion cut off anywhere resumes from the next call.
 *
 * 1. The event is marked `deleting` and announced to drains, so nothing new starts and an email already
 *    claimed by a worker is not sent. `announce` repeats the announcement for an event already marked (a
 *    resumed deletion), since drains forget cancellations after a while.
 * 2. Up to `maxDocs` related documents (invitations, participants, queue jobs) are deleted, in batches of at
 *    most 500. Audit entries stay.
 * 3. Only when nothing related is left does the event document go: if the process dies half-way, the event is
 *    still listed as "deleting" and the next step carries on.
 */
export async function deleteEventStep(
  ctx: ServiceContext,
  id: string,
  maxDocs: number = DELETE_CHUNK,
  options: { announce?: boolean } = {},
): Promise<Result<DeleteStep, "not_found">> {
  const event = await ctx.db.get("event.delete", eventRef(id));
  if (!event) return { ok: false, code: "not_found", message: "This event no longer exists" };
  const marking = event.data.lifecycle !== "deleting";
  if (marking) {
    await ctx.db.update("event.delete", eventRef(id), { lifecycle: "deleting", updatedAt: ctx.clock.now() });
  }
  if (marking || options.announce) await announceCancellations(ctx.db, ctx.clock, { eventIds: [id] });

  let budget = Math.max(1, Math.floor(maxDocs));
  let deleted = 0;
  for (const collection of CASCADE) {
    while (budget > 0) {
      const limit = Math.min(budget, DELETE_CHUNK);
      const ids = await ctx.db.queryIds("event.delete", collection, { where: [["eventId", "==", id]], limit });
      if (ids.length > 0) {
        const batch = ctx.db.batch("event.delete");
        for (const docId of ids) batch.delete(docRef(collection, docId));
        await batch.commit();
        deleted += ids.length;
        budget -= ids.length;
      }
      // A short page means this collection holds nothing more for the event.
      if (ids.length < limit) break;
    }
    if (budget === 0) return { ok: true, done: false, deleted };
  }
  await ctx.db.delete("event.delete", eventRef(id));
  return { ok: true, done: true, deleted: deleted + 1 };
}

/**
 * How many documents deleting this event removes (the event included), for a progress bar. Count queries cost
 * one read per 1,000 documents counted.
 */
export async function countEventDocuments(ctx: ServiceContext, id: string): Promise<number> {
  const counts = await Promise.all(
    CASCADE.map((collection) => ctx.db.count("event.delete.count", collection, { where: [["eventId", "==", id]] })),
  );
  return counts.reduce((a, b) => a + b, 1);
}

/** Deletes an event and everything hanging off it in one call: `deleteEventStep` until done. */
export async function deleteEvent(
  ctx: ServiceContext,
  id: string,
  onProgress?: (p: DeleteProgress) => void,
): Promise<Result<{ deleted: number }, "not_found">> {
  let deleted = 0;
  for (let first = true; ; first = false) {
    const step = await deleteEventStep(ctx, id, DELETE_CHUNK, { announce: first });
    if (!step.ok) return step;
    const related = step.done ? step.deleted - 1 : step.deleted;
    if (related > 0) {
      deleted += related;
      onProgress?.({ deleted });
    }
    if (step.done) return { ok: true, deleted: deleted + 1 };
  }
}
