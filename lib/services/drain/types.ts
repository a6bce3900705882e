import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import type { JobDoc } from "@/lib/adapters/firestore/schemas";
import type { BackoffPolicy } from "@/lib/domain/delivery/job";
import type { Clock, Random } from "@/lib/ports/clock";
import type { Mailer } from "@/lib/ports/mailer";
import type { MailerFactory } from "../provider-config";

export interface DrainPorts {
  db: MeteredFirestore;
  clock: Clock;
  random: Random;
  mailerFactory: MailerFactory;
  /** Used instead of any provider in simulation mode: it must open no connection. */
  simulatedMailer: Mailer;
  credentialsKey: string;
  tokenSecret: string;
  baseUrl: string;
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface DrainOptions {
  /** Unique per process; leases and audit documents carry it. */
  drainId: string;
  /** Stop claiming new work after this long (keep it well under the function's timeout). */
  budgetMs: number;
  claimSize?: number;
  leaseMs?: number;
  /** Sends in flight at once, across providers. */
  concurrency?: number;
  backoff?: BackoffPolicy;
  /** Outcomes recorded per batch write at most (each costs two writes: the job and the invitation). */
  outcomeBatch?: number;
  /**
   * Outcomes are written at least this often, and a batch is not written sooner unless it is full: one write
   * per flush lands on each event document touched, which Firestore sustains at about one per second.
   */
  flushEveryMs?: number;
  /** Time allowed for writing an outcome after the send returned, on top of the flush interval. */
  writeAllowanceMs?: number;
  /** An expired lease is taken over only this long after its end, to absorb clock skew between machines. */
  takeoverGraceMs?: number;
  /**
   * How long to wait after a 429 that names no Retry-After. Providers' limits are mostly per second, so a
   * short wait (and another provider meanwhile) beats sitting out a minute.
   */
  rateLimitWaitMs?: number;
  /** Provider health and spent quota are written back at least this often during a long run. */
  persistEveryMs?: number;
  /**
   * Work the run does first (the scheduled run's provider reports and reminders), already started: the run's
   * peek overlaps it, and nothing is claimed before it is over. It resolves to whether it queued jobs, so a
   * peek that found nothing looks again. It must not reject.
   */
  before?: Promise<{ queued: boolean }>;
}

export interface DrainSummary {
  drainId: string;
  /** `in_flight_elsewhere`: jobs are due, but every one is in another drain's lease (that drain sends them). */
  stoppedBecause: "idle" | "in_flight_elsewhere" | "budget" | "halted" | "no_provider" | "providers_unavailable";
  claimed: number;
  /** Emails providers accepted (simulated ones not included). */
  sent: number;
  simulated: number;
  retried: number;
  failed: number;
  bounced: number;
  cancelled: number;
  /** Outcomes not recorded because their job changed meanwhile (kept in the audit as superseded). */
  superseded: number;
  /** Claimed jobs not started (halt, lease too short): left queued for the next claim. */
  released: number;
  /** Jobs of expired leases (a crashed drain) taken over. */
  recovered: number;
  /** When no provider is usable: the earliest moment one comes back. */
  waitingUntil: string | null;
  durationMs: number;
  /**
   * Where the run's time went, for a slow run's post-mortem: waiting for the next chunk's claim with nothing
   * left to start, and waiting for a free send slot (every slot busy sending).
   */
  claimWaitMs: number;
  slotWaitMs: number;
}

/** A job as claimed: its data and version then, and whether a dead drain's lease held it before. */
export interface ClaimedJob {
  id: string;
  job: JobDoc;
  version: string;
  /** Taken over from an expired lease: its previous drain may have sent it, so the attempt is counted. */
  resumed: boolean;
}
