import { randomBytes } from "node:crypto";
import { docRef, type CollectionDef, type Snapshot } from "@/lib/adapters/firestore/collection";
import { fieldOps, MAX_WRITES_PER_COMMIT } from "@/lib/adapters/firestore/db";
import {
  collections,
  ZERO_COUNTERS,
  type EventDoc,
} from "@/lib/adapters/firestore/schemas";
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

/** One write: the event and its counters are one document, so they are created together or not at all. */
export async function createEvent(
  ctx: ServiceContext,
  input: EventInput,
  host: Host,
): Promise<Result<{ id: string }, "invalid_input">> {
  if (!(await templateExists(ctx, input.templateId))) return noTemplate();
  const id = newEventId();
  const now = ctx.clock.now();
  const doc: EventDoc = {
    ...input,
    capacity: input.capacity ?? null,
    rsvpDeadline: input.rsvpDeadline ?? null,
    host,
    lifecycle: "active",
    sequence: 0,
    counters: { ...ZERO_COUNTERS },
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
    tx.update(eventRef(id), {
      ...input,
      description: input.description ?? fieldOps.delete(),
      location: input.location ?? fieldOps.delete(),
      onlineUrl: input.onlineUrl ?? fieldOps.delete(),
      capacity: input.capacity ?? null,
      rsvpDeadline: input.rsvpDeadline ?? null,
      sequence: current.sequence + 1,
      updatedAt: ctx.clock.now(),
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

export interface DeleteProgress {
  deleted: number;
}

/**
 * Deletes an event and everything hanging off it: invitations, participants and queue jobs. Audit entries stay.
 *
 * 1. The event is marked `deleting` and announced to drains, so nothing new starts and an email already
 *    claimed by a worker is not sent.
 * 2. Related documents go in chunks of up to 500 deletes per batch, so events of any size work.
 * 3. The event document goes last: if the process dies half-way, the event is still listed as "deleting"
 *    and calling this again resumes where it stopped.
 */
export async function deleteEvent(
  ctx: ServiceContext,
  id: string,
  onProgress?: (p: DeleteProgress) => void,
): Promise<Result<{ deleted: number }, "not_found">> {
  const event = await ctx.db.get("event.delete", eventRef(id));
  if (!event) return { ok: false, code: "not_found", message: "This event no longer exists" };
  if (event.data.lifecycle !== "deleting") {
    await ctx.db.update("event.delete", eventRef(id), { lifecycle: "deleting", updatedAt: ctx.clock.now() });
  }
  await announceCancellations(ctx.db, ctx.clock, { eventIds: [id] });

  let deleted = 0;
  const cascade: CollectionDef<unknown>[] = [collections.jobs, collections.participants, collections.invitations];
  for (const collection of cascade) {
    for (;;) {
      const ids = await ctx.db.queryIds("event.delete", collection, {
        where: [["eventId", "==", id]],
        limit: DELETE_CHUNK,
      });
      if (ids.length === 0) break;
      const batch = ctx.db.batch("event.delete");
      for (const docId of ids) batch.delete(docRef(collection, docId));
      await batch.commit();
      deleted += ids.length;
      onProgress?.({ deleted });
    }
  }
  await ctx.db.delete("event.delete", eventRef(id));
  return { ok: true, deleted: deleted + 1 };
}
