import { docRef, type QuerySpec, type Snapshot } from "@/lib/adapters/firestore/collection";
import { collections, type EventDoc, type InvitationDoc, type JobDoc, type ProviderDoc } from "@/lib/adapters/firestore/schemas";
import { buildTimeline, type TimelineEntry } from "@/lib/domain/tracker/timeline";
import { decodeCursor, encodeCursor, trackerQueryPlan, type TrackerFilters } from "@/lib/domain/tracker/filters";
import type { ServiceContext } from "./context";
import { listAttempts } from "./invitations";
import { loadProviders } from "./provider-config";

/** Rows per tracker page: with the page's other reads it stays under 60 reads however many jobs there are. */
export const TRACKER_PAGE_SIZE = 20;
/** Events offered in the tracker's event filter, most recent start first. */
export const TRACKER_EVENT_CHOICES = 20;

type Ctx = Pick<ServiceContext, "db" | "clock">;

/**
 * The Firestore query for the filters, continuing after `after` (the sort values of the previous page's last
 * row, as Firestore values: Dates for times).
 */
export function trackerQuerySpec(filters: TrackerFilters, after?: readonly unknown[]): QuerySpec {
  const plan = trackerQueryPlan(filters);
  return { where: plan.where, orderBy: plan.orderBy, ...(after ? { startAfter: after } : {}) };
}

/** The last row's sort values, in the URL's plain form (times as epoch ms). */
function cursorFor(filters: TrackerFilters, last: Snapshot<JobDoc>): string {
  const values: (string | number)[] = [];
  for (const [field] of trackerQueryPlan(filters).orderBy) {
    if (field === "createdAt") values.push(last.data.createdAt.getTime());
    else if (field === "recipientKey") values.push(last.data.recipientKey ?? "");
    else values.push(last.id);
  }
  return encodeCursor(values);
}

/** A cursor from the URL as Firestore values, or null when it does not fit these filters' sort. */
function cursorValues(filters: TrackerFilters, cursor: string | undefined): unknown[] | null {
  const values = decodeCursor(cursor);
  const fields = trackerQueryPlan(filters).orderBy.map(([f]) => f);
  if (!values || values.length !== fields.length) return null;
  const out: unknown[] = [];
  for (const [i, field] of fields.entries()) {
    const v = values[i];
    if (field === "createdAt") {
      if (typeof v !== "number") return null;
      out.push(new Date(v));
    } else if (typeof v !== "string") {
      return null;
    } else {
      out.push(v);
    }
  }
  return out;
}

export interface TrackerPage {
  rows: Snapshot<JobDoc>[];
  /** The cursor of the page after this one; null on the last page. */
  next: string | null;
  /** A cursor was given but does not fit the filters (edited URL): the first page is shown instead. */
  cursorIgnored: boolean;
}

/** One page of email jobs, newest first: one read per row (one when there is none). */
export async function listTrackerPage(ctx: Ctx, filters: TrackerFilters, cursor?: string, pageSize = TRACKER_PAGE_SIZE): Promise<TrackerPage> {
  const after = cursor ? cursorValues(filters, cursor) : null;
  const rows = await ctx.db.query("tracker.list", collections.jobs, { ...trackerQuerySpec(filters, after ?? undefined), limit: pageSize });
  const last = rows[rows.length - 1];
  return { rows, next: rows.length === pageSize && last ? cursorFor(filters, last) : null, cursorIgnored: Boolean(cursor) && after === null };
}

/**
 * Every job the filters match, a chunk at a time, for the CSV export: memory holds one chunk, whatever the
 * total, and the reads are those of the rows exported.
 */
export async function* trackerRowsInChunks(ctx: Ctx, filters: TrackerFilters, chunk = 500): AsyncGenerator<Snapshot<JobDoc>[]> {
  let after: unknown[] | undefined;
  for (;;) {
    const rows = await ctx.db.query("tracker.export", collections.jobs, { ...trackerQuerySpec(filters, after), limit: chunk });
    if (rows.length > 0) yield rows;
    if (rows.length < chunk) return;
    const last = rows[rows.length - 1]!;
    after = cursorValues(filters, cursorFor(filters, last)) ?? undefined;
  }
}

export interface TrackerChoices {
  events: { id: string; title: string }[];
  providers: { id: string; name: string }[];
}

/**
 * What the filter menus offer and what the rows' names come from: the most recent events (plus any a row
 * or the filter names that is not among them) and every provider.
 */
export async function loadTrackerChoices(ctx: Ctx, mentionedEventIds: readonly string[]): Promise<TrackerChoices> {
  const [recent, providers] = await Promise.all([
    ctx.db.query("tracker.events", collections.events, { orderBy: [["startsAt", "desc"]], limit: TRACKER_EVENT_CHOICES }),
    loadProviders(ctx.db, "tracker.providers"),
  ]);
  const known = new Set(recent.map((e) => e.id));
  const missing = [...new Set(mentionedEventIds)].filter((id) => !known.has(id));
  const extra = await ctx.db.getAll("tracker.events", missing.map((id) => docRef(collections.events, id)));
  const events = [...recent, ...extra.filter((e): e is Snapshot<EventDoc> => e !== null)];
  return {
    events: events.map((e) => ({ id: e.id, title: e.data.title })),
    providers: providers.map((p: Snapshot<ProviderDoc>) => ({ id: p.id, name: p.data.name })),
  };
}

/** Every provider's display name by id (one read per provider). */
export async function providerNames(ctx: Ctx): Promise<Map<string, string>> {
  return new Map((await loadProviders(ctx.db, "tracker.providers")).map((p) => [p.id, p.data.name]));
}

/** Titles of these events (null for one that is gone): one read each, for ids not yet known to the caller. */
export async function eventTitles(ctx: Ctx, ids: readonly string[]): Promise<Map<string, string | null>> {
  const unique = [...new Set(ids)];
  const snaps = await ctx.db.getAll("tracker.events", unique.map((id) => docRef(collections.events, id)));
  return new Map(unique.map((id, i) => [id, snaps[i]?.data.title ?? null]));
}

export interface GuestTimeline {
  invitation: Snapshot<InvitationDoc>;
  eventTitle: string | null;
  jobs: Snapshot<JobDoc>[];
  entries: TimelineEntry[];
}

/** Jobs of one invitation read for its timeline: invitations, resends and confirmations together. */
const TIMELINE_JOBS = 50;

/**
 * One guest's timeline: the invitation, its event's title, its jobs and the drain's audit of every attempt.
 * About four reads plus one per job and one per audit batch (at most 20).
 */
export async function loadGuestTimeline(ctx: ServiceContext, invitationId: string): Promise<GuestTimeline | null> {
  const [invitation, jobs, attempts] = await Promise.all([
    ctx.db.get("tracker.timeline", docRef(collections.invitations, invitationId)),
    ctx.db.query("tracker.timeline", collections.jobs, { where: [["invitationId", "==", invitationId]], limit: TIMELINE_JOBS }),
    listAttempts(ctx, invitationId),
  ]);
  if (!invitation) return null;
  const event = await ctx.db.get("tracker.timeline", docRef(collections.events, invitation.data.eventId));
  const i = invitation.data;
  const entries = buildTimeline({
    invitation: { createdAt: i.createdAt, openedAt: i.openedAt ?? null, answers: i.answers ?? [], status: i.status, answeredAt: i.answeredAt },
    jobs: jobs.map((j) => ({ id: j.id, ...j.data })),
    attempts,
  });
  return { invitation, eventTitle: event?.data.title ?? null, jobs, entries };
}
