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
  type Firestore,
} from "firebase/firestore";
import { z } from "zod";
import { browserAuth, type PublicFirebaseConfig } from "./firebase";

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
