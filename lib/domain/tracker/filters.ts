import { z } from "zod";
import { JOB_STATES, type JobState } from "../delivery/job";
import { JOB_KINDS, type JobKind } from "../delivery/job-kinds";
import { isValidTimeZone, zonedLocalToInstant } from "../events/time";

/**
 * The Sent Tracker's filters, as they live in the page's URL: bookmarkable, and the browser's back and
 * forward buttons step through them. Parsed leniently (a bad value is dropped and reported, the rest still
 * applies) because an operator may have typed or pasted the URL.
 */
export interface TrackerFilters {
  eventId?: string;
  kind?: JobKind;
  state?: JobState;
  providerId?: string;
  /** Calendar dates (YYYY-MM-DD) in `tz`, inclusive. */
  from?: string;
  to?: string;
  /** The operator's time zone, which the dates are read in (the browser fills it in). */
  tz: string;
  mode?: "real" | "simulated";
  /** Prefix of the recipient's address, case-insensitive. */
  q?: string;
}

/** "active" is membership of a drain's lease, never a stored state: nothing would match it. */
export const TRACKER_STATES = JOB_STATES.filter((s) => s !== "active");
export const TRACKER_KINDS = JOB_KINDS;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[A-Za-z0-9_-]{1,128}$/;

export type SearchParams = Record<string, string | string[] | undefined>;

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;

const isDate = (v: string) => DATE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);

export function parseTrackerParams(params: SearchParams): { filters: TrackerFilters; problems: string[] } {
  const problems: string[] = [];
  const tzRaw = one(params.tz);
  const tz = tzRaw && isValidTimeZone(tzRaw) ? tzRaw : "UTC";
  if (tzRaw && tz !== tzRaw) problems.push(`Unknown time zone "${tzRaw}": dates are read in UTC.`);
  const filters: TrackerFilters = { tz };
  const pick = <T extends string>(name: string, value: string | undefined, allowed: readonly T[], label: string): T | undefined => {
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`Unknown ${label} "${value}" was ignored.`);
    return undefined;
  };
  const id = (value: string | undefined, label: string) => {
    if (value === undefined) return undefined;
    if (ID.test(value)) return value;
    problems.push(`That ${label} is not valid and was ignored.`);
    return undefined;
  };
  const date = (value: string | undefined, label: string) => {
    if (value === undefined) return undefined;
    if (isDate(value)) return value;
    problems.push(`"${value}" is not a date (YYYY-MM-DD); the ${label} date was ignored.`);
    return undefined;
  };
  const set = <K extends keyof TrackerFilters>(key: K, value: TrackerFilters[K] | undefined) => {
    if (value !== undefined) filters[key] = value;
  };
  set("eventId", id(one(params.event), "event"));
  set("kind", pick("kind", one(params.kind), TRACKER_KINDS, "kind"));
  set("state", pick("state", one(params.state), TRACKER_STATES, "state"));
  set("providerId", id(one(params.provider), "provider"));
  set("from", date(one(params.from), "start"));
  set("to", date(one(params.to), "end"));
  set("mode", pick("mode", one(params.mode), ["real", "simulated"] as const, "sending mode"));
  const q = one(params.q)?.toLowerCase();
  if (q !== undefined) {
    if (q.length > 254) problems.push("The search is longer than any address and was ignored.");
    else filters.q = q;
  }
  if (filters.from && filters.to && filters.from > filters.to) {
    problems.push("The start date is after the end date: the dates were swapped.");
    [filters.from, filters.to] = [filters.to, filters.from];
  }
  if (filters.q !== undefined) {
    const ignored = (["kind", "state", "providerId", "from", "to", "mode"] as const).filter((k) => filters[k] !== undefined);
    if (ignored.length > 0) {
      problems.push("A search looks through every kind, state, provider and date: only the event filter applies with it.");
      for (const k of ignored) delete filters[k];
    }
  }
  return { filters, problems };
}

/** The URL query for these filters (plus a cursor), in a stable order, without empty values. */
export function trackerQueryString(filters: TrackerFilters, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  const add = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== "") params.set(key, value);
  };
  add("event", filters.eventId);
  add("kind", filters.kind);
  add("state", filters.state);
  add("provider", filters.providerId);
  add("from", filters.from);
  add("to", filters.to);
  add("mode", filters.mode);
  add("q", filters.q);
  if (filters.tz !== "UTC") add("tz", filters.tz);
  for (const [k, v] of Object.entries(extra)) add(k, v);
  const s = params.toString();
  return s ? `?${s}` : "";
}

export type WhereClause = readonly [field: string, op: "==" | ">=" | "<", value: unknown];
export type OrderClause = readonly [field: string, direction: "asc" | "desc"];

export interface TrackerQueryPlan {
  where: WhereClause[];
  orderBy: OrderClause[];
}

/**
 * The one Firestore query a set of filters becomes. Equality filters (event, kind, state, provider, mode) are
 * each served by a (field, createdAt desc) index, which Firestore merges for any combination of them; the
 * date range is on createdAt itself. A search is a prefix range on recipientKey, which must then come first in
 * the sort, so it combines only with the event (index: eventId, recipientKey, createdAt desc).
 * The document name ends every sort so a cursor is exact even when two jobs share a creation time.
 */
export function trackerQueryPlan(filters: TrackerFilters): TrackerQueryPlan {
  const where: WhereClause[] = [];
  if (filters.eventId) where.push(["eventId", "==", filters.eventId]);
  if (filters.q !== undefined) {
    where.push(["recipientKey", ">=", filters.q], ["recipientKey", "<", `${filters.q}\uf8ff`]);
    return { where, orderBy: [["recipientKey", "asc"], ["createdAt", "desc"], ["__name__", "desc"]] };
  }
  if (filters.kind) where.push(["kind", "==", filters.kind]);
  if (filters.state) where.push(["state", "==", filters.state]);
  if (filters.providerId) where.push([providerField(filters.state), "==", filters.providerId]);
  if (filters.mode) where.push(["simulated", "==", filters.mode === "simulated"]);
  const range = dateRange(filters);
  if (range.from) where.push(["createdAt", ">=", range.from]);
  if (range.to) where.push(["createdAt", "<", range.to]);
  return { where, orderBy: [["createdAt", "desc"], ["__name__", "desc"]] };
}

/**
 * A sent email names the provider that sent it; a failed or retrying one, the provider its last attempt failed
 * at. The state filter decides which the provider filter means.
 */
export function providerField(state: JobState | undefined): "sentBy" | "lastError.providerId" {
  return state === "failed" || state === "retry" ? "lastError.providerId" : "sentBy";
}

/** The instants the date filters stand for: from the start of `from` to the end of `to`, in the operator's zone. */
export function dateRange(filters: Pick<TrackerFilters, "from" | "to" | "tz">): { from?: Date; to?: Date } {
  const out: { from?: Date; to?: Date } = {};
  if (filters.from) out.from = zonedLocalToInstant(`${filters.from}T00:00`, filters.tz);
  if (filters.to) {
    const next = new Date(Date.parse(`${filters.to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    out.to = zonedLocalToInstant(`${next}T00:00`, filters.tz);
  }
  return out;
}

const cursorSchema = z.tuple([z.union([z.string(), z.number()]), z.union([z.string(), z.number()])]).rest(z.union([z.string(), z.number()]));

// base64url by hand (btoa/atob exist in browsers and Node alike), so the URL carries no "+", "/" or "=".
function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(encoded: string): string {
  const binary = atob(encoded.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
}

/** Where the next page starts: the sort values of the last row shown, opaque in the URL. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return toBase64Url(JSON.stringify(values));
}

export function decodeCursor(cursor: string | undefined): (string | number)[] | null {
  if (!cursor || cursor.length > 2_000) return null;
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(fromBase64Url(cursor)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
