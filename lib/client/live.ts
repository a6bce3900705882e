"use client";
import { signInWithCustomToken } from "firebase/auth";
import {
  collection,
  connectFirestoreEmulator,
  doc,
  getFirestore,
  limit,
  onSnapshot,
  orderBy,
  query,
  where,
  type DocumentChange,
  type Firestore,
  type QuerySnapshot,
  type WhereFilterOp,
} from "firebase/firestore";
import { z } from "zod";
import type { BurnShardLike } from "@/lib/domain/monitor/report";
import { browserAuth, type PublicFirebaseConfig } from "./firebase";
import { countListenerReads, recordDeliveries } from "./live-meter";

export type { PublicFirebaseConfig } from "./firebase";

/**
 * Live admin dashboards: the browser listens to event documents with the Firestore web SDK, so counters move
 * without reloads or polling. The browser holds no lasting credential: the server, having checked the admin
 * session, mints a custom token whose only claim is the live-listener one (firestore.rules lets it read events
 * for an hour after the sign-in, and nothing else), and the web SDK keeps it in memory only. Every listener is
 * billed one read per document per snapshot, so each page opens one listener and closes it when it unmounts.
 */

const COUNTER_KEYS = ["invited", "pending", "delivered", "accepted", "declined", "failed", "revoked"] as const;
export type CounterKey = (typeof COUNTER_KEYS)[number];
export type LiveCounters = Record<CounterKey, number>;

/** The part of an event the dashboards show and keep live. Times are epoch milliseconds. */
export interface LiveEvent {
  id: string;
  title: string;
  startsAt: number;
  endsAt: number;
  timezone: string;
  lifecycle: "active" | "deleting";
  counters: LiveCounters;
}

export type LiveStatus = "connecting" | "live" | "paused";

/** The most events the list keeps live, the same page the server renders. */
export const LIVE_EVENTS_LIMIT = 200;

function toMillis(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (value && typeof value === "object" && "toMillis" in value && typeof value.toMillis === "function") {
    return (value as { toMillis(): number }).toMillis();
  }
  return value;
}

const count = z.number().catch(0);
const liveEventSchema = z.object({
  title: z.string(),
  startsAt: z.preprocess(toMillis, z.number()),
  endsAt: z.preprocess(toMillis, z.number()),
  timezone: z.string(),
  lifecycle: z.enum(["active", "deleting"]),
  counters: z
    .object(Object.fromEntries(COUNTER_KEYS.map((k) => [k, count])) as Record<CounterKey, typeof count>)
    .catch({ invited: 0, pending: 0, delivered: 0, accepted: 0, declined: 0, failed: 0, revoked: 0 }),
});

/**
 * A snapshot's data as the dashboards use it, or null when it does not look like an event (written by a newer
 * deploy, say): one odd document must not blank the whole list.
 */
export function toLiveEvent(id: string, data: unknown): LiveEvent | null {
  const parsed = liveEventSchema.safeParse(data);
  return parsed.success ? { id, ...parsed.data } : null;
}

interface LiveCredential {
  db: Firestore;
  signedInAt: number;
}

/**
 * firestore.rules honour a live credential for an hour after its sign-in. A listener refused after most of that
 * hour asks the server for a new one (the admin session is checked again); a refusal sooner than that is real.
 */
const LIVE_CREDENTIAL_RENEW_AFTER_MS = 55 * 60 * 1000;

let ready: Promise<LiveCredential> | null = null;
let current: LiveCredential | null = null;
let emulatorConnected = false;

async function signInForLive(config: PublicFirebaseConfig): Promise<LiveCredential> {
  const auth = await browserAuth(config);
  const res = await fetch("/api/live-token", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  if (!res.ok) throw new Error(`Live updates refused (${res.status})`);
  const body = (await res.json()) as { token?: unknown };
  if (typeof body.token !== "string") throw new Error("Live updates refused");
  await signInWithCustomToken(auth, body.token);
  const db = getFirestore(auth.app);
  if (config.firestoreEmulatorHost && !emulatorConnected) {
    const [host = "127.0.0.1", port = "8080"] = config.firestoreEmulatorHost.split(":");
    connectFirestoreEmulator(db, host, Number(port));
    emulatorConnected = true;
  }
  current = { db, signedInAt: Date.now() };
  return current;
}

/** One sign-in shared by every listener of the page; a failed attempt is forgotten so the next page retries. */
function liveCredential(config: PublicFirebaseConfig): Promise<LiveCredential> {
  ready ??= signInForLive(config).catch((error: unknown) => {
    ready = null;
    throw error;
  });
  return ready;
}

function outlived(error: Error, credential: LiveCredential): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "permission-denied" && Date.now() - credential.signedInAt >= LIVE_CREDENTIAL_RENEW_AFTER_MS;
}

/**
 * Starts a listener once signed in; returns the function that stops it, safe to call before the listener
 * started (a component unmounted during sign-in) and more than once.
 */
function listen(
  config: PublicFirebaseConfig,
  onStatus: (status: LiveStatus) => void,
  start: (db: Firestore, onError: (error: Error) => void) => () => void,
): () => void {
  let stopped = false;
  let stop: (() => void) | undefined;
  const run = () =>
    liveCredential(config).then(
      (credential) => {
        if (!stopped) stop = start(credential.db, (error) => onError(error, credential));
      },
      (error: Error) => onError(error, null),
    );
  const onError = (error: Error, credential: LiveCredential | null) => {
    if (stopped) return;
    if (credential && outlived(error, credential)) {
      stop?.();
      stop = undefined;
      // Another listener of the page may already have replaced the credential: only the refused one is dropped.
      if (current === credential) ready = null;
      onStatus("connecting");
      void run();
      return;
    }
    console.warn("live updates paused", error.message);
    onStatus("paused");
  };
  onStatus("connecting");
  void run();
  return () => {
    stopped = true;
    stop?.();
  };
}

/** The events list, newest start first, as the server renders it. */
export function subscribeEvents(
  config: PublicFirebaseConfig,
  onChange: (events: LiveEvent[]) => void,
  onStatus: (status: LiveStatus) => void = () => undefined,
): () => void {
  return listen(config, onStatus, (db, onError) =>
    onSnapshot(
      query(collection(db, "events"), orderBy("startsAt", "desc"), limit(LIVE_EVENTS_LIMIT)),
      (snap) => {
        // An empty answer from the empty local cache (offline, say) must not blank the server-rendered list.
        if (snap.empty && snap.metadata.fromCache) return;
        onStatus("live");
        onChange(snap.docs.flatMap((d) => toLiveEvent(d.id, d.data()) ?? []));
      },
      onError,
    ),
  );
}

/** One event; `null` once it no longer exists (deleted, perhaps from another tab). */
export function subscribeEvent(
  config: PublicFirebaseConfig,
  id: string,
  onChange: (event: LiveEvent | null) => void,
  onStatus: (status: LiveStatus) => void = () => undefined,
): () => void {
  return listen(config, onStatus, (db, onError) =>
    onSnapshot(
      doc(db, "events", id),
      (snap) => {
        // "Missing" from an empty local cache is not news: wait for the server's answer.
        if (!snap.exists() && snap.metadata.fromCache) return;
        onStatus("live");
        onChange(snap.exists() ? toLiveEvent(snap.id, snap.data()) : null);
      },
      onError,
    ),
  );
}

/**
 * Bills and records a query snapshot: the first one is the listener's initial load, every later one costs a
 * read per changed document, and each change is noted with its version for the change-to-screen figure.
 */
function meterQuerySnapshot(collectionName: string, snap: QuerySnapshot, first: boolean): void {
  const changes = snap.docChanges();
  countListenerReads(first ? snap.size : changes.length, first);
  if (!first) {
    recordDeliveries(
      changes.map((c: DocumentChange) => {
        const version = toMillis(c.doc.get("updatedAt"));
        return { path: `${collectionName}/${c.doc.id}`, version: typeof version === "number" ? version : null };
      }),
    );
  }
}

const counts = z.object({ reads: count, writes: count, deletes: count }).partial();
const shardSchema = z.object({
  reads: count,
  writes: count,
  deletes: count,
  ops: z.record(z.string(), counts).catch({}),
  hours: z.record(z.string(), counts).catch({}),
});

/** One quota day's burn shards (a handful of documents), each flush of any process arriving as one change. */
export function subscribeBurnDay(
  config: PublicFirebaseConfig,
  day: string,
  onChange: (shards: BurnShardLike[]) => void,
  onStatus: (status: LiveStatus) => void = () => undefined,
): () => void {
  let first = true;
  return listen(config, onStatus, (db, onError) =>
    onSnapshot(
      query(collection(db, "burn"), where("day", "==", day)),
      (snap) => {
        if (snap.metadata.fromCache) return;
        meterQuerySnapshot("burn", snap, first);
        first = false;
        onStatus("live");
        onChange(snap.docs.flatMap((d) => {
          const parsed = shardSchema.safeParse(d.data());
          return parsed.success ? [{ ...parsed.data, ops: parsed.data.ops, hours: parsed.data.hours }] : [];
        }));
      },
      onError,
    ),
  );
}

const threshold = z.union([z.literal(70), z.literal(90), z.literal(100)]).nullable();
const liveRuntimeSchema = z.object({
  halted: z.boolean().catch(false),
  haltedAt: z.preprocess(toMillis, z.number().nullable()).catch(null),
  haltedBy: z.string().nullable().catch(null),
  haltedReason: z.string().nullable().catch(null),
  simulation: z.boolean().catch(false),
  burnBudget: z.object({ reads: z.number(), writes: z.number(), deletes: z.number() }).nullable().catch(null),
  autoHalt: z.object({ burnAt: threshold, forecastAt: threshold }).nullable().catch(null),
});
export type LiveRuntime = z.infer<typeof liveRuntimeSchema>;

/** The runtime settings (halt, simulation, budget, automatic halt): one document, changed rarely. */
export function subscribeRuntime(
  config: PublicFirebaseConfig,
  onChange: (settings: LiveRuntime) => void,
  onStatus: (status: LiveStatus) => void = () => undefined,
): () => void {
  let first = true;
  return listen(config, onStatus, (db, onError) =>
    onSnapshot(
      doc(db, "settings", "runtime"),
      (snap) => {
        if (snap.metadata.fromCache) return;
        countListenerReads(1, first);
        if (!first) recordDeliveries([{ path: "settings/runtime", version: null }]);
        first = false;
        onStatus("live");
        const data = snap.exists() ? snap.data() : {};
        onChange(liveRuntimeSchema.parse({ haltedAt: null, haltedBy: null, haltedReason: null, burnBudget: null, autoHalt: null, ...data }));
      },
      onError,
    ),
  );
}

const liveJobSchema = z.object({
  state: z.string(),
  attempts: z.number().catch(0),
  sentBy: z.string().nullable().catch(null),
  simulated: z.boolean().catch(false),
  updatedAt: z.preprocess(toMillis, z.number()),
  waitingReason: z.string().nullable().catch(null),
  lastError: z.object({ errorClass: z.string(), message: z.string(), providerId: z.string().nullable() }).nullable().catch(null),
});
export type LiveJob = z.infer<typeof liveJobSchema> & { id: string };

/** The tracker's page size, and so the most job listeners a page opens. */
export const LIVE_JOBS_MAX = 30;

/**
 * The jobs on screen, one document listener each: a changed row costs one read, and a job that stops matching
 * the page's filters stays on screen with its new state instead of being replaced by another (which would
 * cost a read each). Not one `documentId in [...]` query: Firestore bills both the same, but the local
 * emulator re-evaluates such a query against the whole job collection on every job write, which made each
 * outcome batch of an open Tracker's drain take seconds (measured: 20 job updates, 24 ms → 4-6 s with 10,000
 * jobs stored) and stalled the queue. Document listeners cost the emulator nothing extra.
 */
export function subscribeJobs(
  config: PublicFirebaseConfig,
  ids: readonly string[],
  onChange: (jobs: LiveJob[]) => void,
  onStatus: (status: LiveStatus) => void = () => undefined,
): () => void {
  if (ids.length === 0) return () => undefined;
  const onScreen = ids.slice(0, LIVE_JOBS_MAX);
  const latest = new Map<string, LiveJob>();
  const loaded = new Set<string>();
  return listen(config, onStatus, (db, onError) => {
    const stops = onScreen.map((id) =>
      onSnapshot(
        doc(db, "jobs", id),
        (snap) => {
          if (snap.metadata.fromCache) return;
          const first = !loaded.has(id);
          loaded.add(id);
          countListenerReads(1, first);
          if (!first) {
            const version = toMillis(snap.get("updatedAt"));
            recordDeliveries([{ path: `jobs/${id}`, version: typeof version === "number" ? version : null }]);
          }
          const parsed = snap.exists() ? liveJobSchema.safeParse(snap.data()) : null;
          if (parsed?.success) latest.set(id, { id, ...parsed.data });
          else latest.delete(id);
          onStatus("live");
          // Rows in the order of the page, each as last heard: one listener's news does not wait for the others.
          onChange(onScreen.flatMap((row) => latest.get(row) ?? []));
        },
        onError,
      ),
    );
    return () => stops.forEach((stop) => stop());
  });
}

export type LiveWhere = readonly [field: string, op: "==" | ">=" | "<", value: string | number | boolean];

/**
 * Whether any job matching the page's filters arrived after `since`: the oldest such job only, so a burst of
 * ten thousand new invitations costs one read, not one per invitation.
 */
export function subscribeNewerJobs(
  config: PublicFirebaseConfig,
  equalities: readonly LiveWhere[],
  since: number,
  until: number | null,
  onNewer: (at: number) => void,
): () => void {
  let first = true;
  return listen(config, () => undefined, (db, onError) => {
    const filters = equalities.map(([f, op, v]) => where(f, op as WhereFilterOp, v));
    filters.push(where("createdAt", ">", new Date(since)));
    if (until !== null) filters.push(where("createdAt", "<", new Date(until)));
    return onSnapshot(
      query(collection(db, "jobs"), ...filters, orderBy("createdAt", "asc"), limit(1)),
      (snap) => {
        if (snap.metadata.fromCache) return;
        meterQuerySnapshot("jobs", snap, first);
        first = false;
        const newest = snap.docs[0];
        const at = newest ? toMillis(newest.get("createdAt")) : null;
        if (typeof at === "number") onNewer(at);
      },
      onError,
    );
  });
}
