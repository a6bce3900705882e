import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import type { Clock } from "@/lib/ports/clock";
import type { FirstOpenRecorder } from "./first-opens";
import type { GuestPageEvents } from "./guest-page-events";

/**
 * What every use case needs, handed in by a composition root (Next, the worker, the Cloud Function, a test).
 * Services use the metered data layer directly: it is already Herald's own typed, counted abstraction over
 * Firestore, and services are tested against the real emulator rather than against mocked repositories.
 */
export interface ServiceContext {
  db: MeteredFirestore;
  clock: Clock;
  /** HMAC secret for invitation tokens: signs every new link. */
  tokenSecret: string;
  /** The secret before the last rotation: links and hashes it made still verify until it is removed. */
  previousTokenSecret?: string;
  /** Public base URL, for links in emails. */
  baseUrl: string;
  /**
   * Where the invitation page reads the event it shows: the app keeps them for a few seconds
   * (lib/services/guest-page-events-cache.ts); without one, each page reads its event.
   */
  guestPageEvents?: GuestPageEvents;
  /** How the invitation page records first opens: the app batches them per instance; without one, one commit each. */
  firstOpens?: FirstOpenRecorder;
}

/**
 * Expected outcomes a caller shows to a person ("this event is being deleted"), as values rather than
 * exceptions. `code` is from a closed set, mapped to HTTP statuses in one table (lib/services/errors.ts).
 */
export type Failure<C extends string = string> = { ok: false; code: C; message: string; fieldErrors?: Record<string, string> };
export type Result<T, C extends string = string> = ({ ok: true } & T) | Failure<C>;
