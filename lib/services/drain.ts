import { randomBytes } from "node:crypto";
import { docRef } from "@/lib/adapters/firestore/collection";
import { fieldOps, type MeteredFirestore } from "@/lib/adapters/firestore/db";
import {
  collections,
  queueRegistrySchema,
  type AuditEntry,
  type EventDoc,
  type JobDoc,
  type ProviderDoc,
  type RuntimeSettings,
  type TemplateDoc,
} from "@/lib/adapters/firestore/schemas";
import { decideAfterAttempt, DEFAULT_BACKOFF, type BackoffPolicy, type Decision } from "@/lib/domain/delivery/job";
import { applyOutcomes, claimProbe, DEFAULT_HEALTH_CONFIG, type HealthOutcome } from "@/lib/domain/delivery/provider-health";
import { foldHourlyStats } from "@/lib/domain/delivery/provider-hourly";
import { quotaPeriodKey, recordSends, remainingQuota } from "@/lib/domain/delivery/quota";
import { rankProviders, type RankedProvider } from "@/lib/domain/delivery/ranking";
import { createPacer, holdUntil, reserve, withShare, type PacerState } from "@/lib/domain/delivery/rate-limit";
import { deriveInvitationToken, invitationLinkPath } from "@/lib/domain/invitations/token";
import { renderTemplate } from "@/lib/domain/templates/render";
import { buildTemplateData } from "@/lib/domain/templates/variables";
import type { Clock, Random } from "@/lib/ports/clock";
import type { Mailer, OutgoingEmail, SendResult } from "@/lib/ports/mailer";
import type { MailerFactory } from "./provider-config";
import { toConnection } from "./provider-config";
import { KeyedLock } from "./keyed-lock";
import { eventCalendar } from "./rsvp";
import { RUNTIME_SETTINGS } from "./settings";
import { CONFIRMATION_TEMPLATE_ID } from "./templates";

/**
 * The queue drain: the scheduled Cloud Function, the local worker and the tests all run this.
 *
 * Per chunk of due jobs:
 *  1. claim: one transaction on the queue registry records a lease (owner, expiry, job ids). The job documents
 *     themselves are not written on claim; "active" is membership of a live lease. That saves a write per email
 *     and is what keeps delivery near two writes per email (outcome on the job, delivery on the invitation).
 *     A lease that expires (the worker died) returns its unfinished jobs to `retry` with the attempt counted.
 *  2. send, outside any transaction, each job through the best-ranked usable provider, paced to the
 *     provider's rate limit (shared evenly between live drains), checking the halt switch and cancellations
 *     (from a listener on the runtime settings document, so the check costs no read) right before each send;
 *  3. record outcomes in batches: job states, invitation deliveries, event counters and one audit document per
 *     batch, atomically, then release the lease.
 * Provider health and quota usage are aggregated in memory and persisted once at the end of the run.
 */

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
  /** Outcomes recorded per batch write. */
  outcomeBatch?: number;
  /**
   * How long to wait after a 429 that names no Retry-After. Providers' limits are mostly per second, so a
   * short wait (and another provider meanwhile) beats sitting out a minute.
   */
  rateLimitWaitMs?: number;
}

/** How much time queued behind a provider's rate limit weighs as much as one penalty point (one priority step). */
const QUEUE_MS_PER_PENALTY_POINT = 250;

/** A failure that was the provider's fault is retried this soon when another provider can take the email. */
const REROUTE_MS = 1_000;
/**
 * Herald paces each provider a little under its configured limit: evenly spaced sends at exactly the limit
 * still land 101 in some sliding second once network jitter bunches them, and each of those is a 429.
 */
const PACING_HEADROOM = 0.9;

export interface DrainSummary {
  drainId: string;
  stoppedBecause: "idle" | "budget" | "halted" | "no_provider" | "providers_unavailable";
  claimed: number;
  sent: number;
  simulated: number;
  retried: number;
  failed: number;
  bounced: number;
  cancelled: number;
  /** Jobs of expired leases (a crashed drain) returned to the queue. */
  recovered: number;
  /** When no provider is usable: the earliest moment one comes back. */
  waitingUntil: string | null;
  durationMs: number;
}

export const QUEUE_REGISTRY = docRef(collections.queue, "registry");

export function newDrainId(): string {
  return `drain-${randomBytes(6).toString("hex")}`;
}

const DRAIN_LIVENESS_MS = 90_000;

interface ClaimedJob {
  id: string;
  job: JobDoc;
  /** True when this job's previous lease expired mid-send: the provider may already have it. */
  resumed: boolean;
}

interface Outcome {
  jobId: string;
  job: JobDoc;
  decision: Decision | { kind: "cancelled"; reason: string };
  providerId: string | null;
  result: SendResult | null;
  simulated: boolean;
  at: Date;
  resumed: boolean;
  attempt: number;
}

interface ProviderRuntime {
  id: string;
  doc: ProviderDoc;
  mailer: Mailer | null;
  pacer: PacerState | null;
  outcomes: HealthOutcome[];
  probeClaimed: boolean;
}

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private available: number) {}
  async acquire() {
    if (this.available > 0) {
      this.available--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release() {
    const next = this.waiting.shift();
    if (next) next();
    else this.available++;
  }
}

export async function drainQueue(ports: DrainPorts, options: DrainOptions): Promise<DrainSummary> {
  const started = ports.clock.now().getTime();
  const sleep = ports.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = ports.log ?? (() => undefined);
  const claimSize = options.claimSize ?? 100;
  const leaseMs = options.leaseMs ?? 120_000;
  const concurrency = options.concurrency ?? 32;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const outcomeBatch = options.outcomeBatch ?? 100;
  const rateLimitWaitMs = options.rateLimitWaitMs ?? 2_000;
  const summary: DrainSummary = {
    drainId: options.drainId,
    stoppedBecause: "idle",
    claimed: 0,
    sent: 0,
    simulated: 0,
    retried: 0,
    failed: 0,
    bounced: 0,
    cancelled: 0,
    recovered: 0,
    waitingUntil: null,
    durationMs: 0,
  };

  // Most runs find nothing to do: one read answers that, before the listener and the provider list cost more.
  const due = await ports.db.queryIds("drain.peek", collections.jobs, {
    where: [
      ["state", "in", ["pending", "retry"]],
      ["dueAt", "<=", ports.clock.now()],
    ],
    limit: 1,
  });
  if (due.length === 0) {
    summary.durationMs = ports.clock.now().getTime() - started;
    return summary;
  }

  // Safety first: the runtime settings arrive through a listener, so halts and cancellations made while this
  // drain runs are seen before the next send, for one read per change instead of one read per send.
  let settings: RuntimeSettings = queueRegistrySchemaDefaults();
  let settingsReady!: () => void;
  const firstSettings = new Promise<void>((r) => (settingsReady = r));
  const unsubscribe = ports.db.watch(
    "drain.settings",
    RUNTIME_SETTINGS,
    (data) => {
      settings = data ?? queueRegistrySchemaDefaults();
      settingsReady();
    },
    (error) => {
      log("runtime settings listener failed; halting this drain to be safe", { error: error.message });
      settings = { ...settings, halted: true };
      settingsReady();
    },
  );

  const providers = new Map<string, ProviderRuntime>();
  const events = new Map<string, EventDoc | null>();
  const templates = new Map<string, TemplateDoc | null>();
  const pendingOutcomes: Outcome[] = [];

  try {
    await firstSettings;
    if (settings.halted) {
      summary.stoppedBecause = "halted";
      return summary;
    }
    for (const snap of await ports.db.query("drain.providers", collections.providers, { limit: 50 })) {
      providers.set(snap.id, { id: snap.id, doc: snap.data, mailer: null, pacer: null, outcomes: [], probeClaimed: false });
    }
    if (![...providers.values()].some((p) => p.doc.enabled) && !settings.simulation) {
      summary.stoppedBecause = "no_provider";
      return summary;
    }

    const deadline = started + options.budgetMs;
    let prefetched: Promise<ClaimResult> | null = null;
    // The claim ahead and the release of the chunk just sent both touch the registry document: in one
    // process they take turns, instead of contending for its lock until one of them times out.
    const registryTurns = new KeyedLock();
    const claim = (after?: ClaimCursor) =>
      registryTurns.run("registry", () => claimChunk(ports, options.drainId, claimSize, leaseMs, backoff, after));
    const release = (leaseId: string) =>
      registryTurns.run("registry", () => releaseLease(ports.db, leaseId)).catch((error: Error) =>
        // An unreleased lease only delays its unsent jobs until it expires; it must not fail the run.
        log("could not release a lease", { error: error.message }),
      );
    try {
    for (;;) {
      if (settings.halted) {
        summary.stoppedBecause = "halted";
        break;
      }
      if (ports.clock.now().getTime() >= deadline) {
        summary.stoppedBecause = "budget";
        break;
      }
      const now = ports.clock.now();
      const ranking = rank(providers, now);
      if (ranking.usable.length === 0 && !settings.simulation) {
        // Every provider is exhausted, broken or disabled: jobs wait for the earliest comeback instead of
        // burning through their attempts.
        summary.stoppedBecause = "providers_unavailable";
        summary.waitingUntil = ranking.nextUsableAt?.toISOString() ?? null;
        break;
      }
      const current = await (prefetched ?? claim()).catch((error: Error) => {
        log("could not claim jobs; ending this run", { error: error.message });
        return null;
      });
      prefetched = null;
      if (!current) break;
      summary.recovered += current.recovered;
      if (current.jobs.length === 0) break;
      summary.claimed += current.jobs.length;
      // Claim the next chunk while this one sends, so the queue never waits on a claim transaction.
      prefetched = claim(current.cursor);
      prefetched.catch(() => undefined);
      const share = 1 / Math.max(1, current.liveDrains);

      await loadEvents(ports.db, current.jobs, events);
      await loadTemplates(ports.db, current.jobs, events, templates);

      const semaphore = new Semaphore(concurrency);
      let flushing: Promise<void> = Promise.resolve();
      const flushIfFull = () => {
        if (pendingOutcomes.length >= outcomeBatch) {
          const batch = pendingOutcomes.splice(0, pendingOutcomes.length);
          flushing = flushing.then(() => recordOutcomes(ports.db, options.drainId, batch, summary));
        }
      };
      let stopSending = false;
      await Promise.all(
        current.jobs.map(async (claimed) => {
          await semaphore.acquire();
          try {
            if (stopSending || settings.halted || ports.clock.now().getTime() >= deadline + leaseMs / 2) {
              // Halted mid-chunk: jobs not started stay queued (the lease release below frees them).
              stopSending = true;
              return;
            }
            const outcome = await processJob(ports, claimed, {
              providers,
              events,
              templates,
              settings: () => settings,
              share,
              backoff,
              rateLimitWaitMs,
              sleep,
            });
            if (outcome) {
              pendingOutcomes.push(outcome);
              flushIfFull();
            }
          } finally {
            semaphore.release();
          }
        }),
      );
      const rest = pendingOutcomes.splice(0, pendingOutcomes.length);
      flushing = flushing.then(() => recordOutcomes(ports.db, options.drainId, rest, summary));
      await flushing;
      await release(current.leaseId);
      if (stopSending && settings.halted) {
        summary.stoppedBecause = "halted";
        break;
      }
    }
    } finally {
      // A chunk claimed ahead but not sent goes straight back to the queue.
      const unused = prefetched ? await prefetched.catch(() => null) : null;
      if (unused && unused.jobs.length > 0) await release(unused.leaseId);
    }
  } finally {
    unsubscribe();
    await persistProviderState(ports.db, providers, ports.clock, rateLimitWaitMs).catch((error: Error) =>
      log("could not persist provider health", { error: error.message }),
    );
    await Promise.all([...providers.values()].map((p) => p.mailer?.close().catch(() => undefined)));
    summary.durationMs = ports.clock.now().getTime() - started;
  }
  return summary;
}

function healthConfig(rateLimitWaitMs: number) {
  return { ...DEFAULT_HEALTH_CONFIG, rateLimitWaitMs };
}

/** Providers count an email they accepted or rejected for its content; not one they never took. */
function countsAgainstQuota(outcome: { ok: boolean; errorClass?: string }): boolean {
  return outcome.ok || outcome.errorClass === "permanent" || outcome.errorClass === "permanent_recipient";
}

function queueRegistrySchemaDefaults(): RuntimeSettings {
  return { halted: false, haltedAt: null, haltedBy: null, simulation: false, cancelledEvents: {}, cancelledInvitations: {} };
}

function rank(providers: Map<string, ProviderRuntime>, now: Date) {
  return rankProviders(
    [...providers.values()].map((p) => ({
      id: p.id,
      name: p.doc.name,
      priority: p.doc.priority,
      enabled: p.doc.enabled,
      dailyQuota: p.doc.dailyQuota,
      resetTime: p.doc.resetTime,
      timezone: p.doc.timezone,
      usage: p.doc.usage,
      health: p.doc.health,
    })),
    now,
  );
}

/** Per priority rank, the last job claimed so far in this run: the next claim starts after it. */
type ClaimCursor = Map<number, { dueAt: Date; id: string }>;

interface ClaimResult {
  leaseId: string;
  jobs: ClaimedJob[];
  liveDrains: number;
  recovered: number;
  cursor: ClaimCursor;
}

/**
 * Claims up to `size` due jobs, highest priority first, in one transaction on the registry document, which
 * serialises claims between concurrent drains. Expired leases are reaped here: their unfinished jobs go back
 * to `retry`, with the attempt counted and marked as resumed so the audit says so.
 */
async function claimChunk(
  ports: DrainPorts,
  drainId: string,
  size: number,
  leaseMs: number,
  backoff: BackoffPolicy,
  after: ClaimCursor = new Map(),
): Promise<ClaimResult> {
  const leaseId = `${drainId}-${randomBytes(4).toString("hex")}`;
  return ports.db.transaction("queue.claim", async (tx) => {
    const now = ports.clock.now();
    const registry = (await tx.get(QUEUE_REGISTRY)) ?? queueRegistrySchema.parse({});
    const leases = { ...registry.leases };
    const expiredIds: string[] = [];
    for (const [id, lease] of Object.entries(leases)) {
      if (lease.expiresAt.getTime() <= now.getTime()) {
        expiredIds.push(...lease.jobIds);
        delete leases[id];
      }
    }
    const leased = new Set(Object.values(leases).flatMap((l) => l.jobIds));
    // Our own leases lie before the cursor, so only other drains' in-flight jobs can turn up in the queries.
    const foreignLeased = Object.values(leases)
      .filter((l) => l.owner !== drainId)
      .reduce((n, l) => n + l.jobIds.length, 0);

    const expiredJobs = await tx.getAll(expiredIds.map((id) => docRef(collections.jobs, id)));
    const resumedIds = new Set<string>();
    const jobs: ClaimedJob[] = [];
    const picked = new Set<string>();
    // Priority order: high (confirmations) before normal (invitations) before low (reminders), each oldest first.
    for (const rank of [0, 1, 2]) {
      if (jobs.length >= size) break;
      const from = after.get(rank);
      const due = await tx.query(collections.jobs, {
        where: [
          ["rank", "==", rank],
          ["state", "in", ["pending", "retry"]],
          ["dueAt", "<=", now],
        ],
        orderBy: [
          ["dueAt", "asc"],
          ["__name__", "asc"],
        ],
        // A claim made while this drain still sends its previous chunk starts after that chunk, instead of
        // reading (and paying for) the jobs it already holds.
        startAfter: from ? [from.dueAt, from.id] : undefined,
        limit: size - jobs.length + foreignLeased,
      });
      for (const snap of due) {
        if (jobs.length >= size) break;
        if (leased.has(snap.id) || picked.has(snap.id)) continue;
        picked.add(snap.id);
        jobs.push({ id: snap.id, job: snap.data, resumed: false });
      }
    }

    // Jobs of a dead drain's lease: count the attempt it may have made, and send them again now. The send
    // reuses the job id as idempotency key and Message-ID, so a provider that did receive it can tell.
    expiredJobs.forEach((job, i) => {
      const id = expiredIds[i]!;
      if (!job || (job.state !== "pending" && job.state !== "retry")) return;
      resumedIds.add(id);
      const attempts = job.attempts + 1;
      const exhausted = attempts >= backoff.maxAttempts;
      tx.update(docRef(collections.jobs, id), {
        state: exhausted ? "failed" : "retry",
        attempts,
        dueAt: now,
        waitingReason: exhausted ? null : "Resent after a worker stopped mid-send",
        lastError: { errorClass: "transient", message: "Worker stopped before recording the outcome", providerId: null },
        updatedAt: now,
      });
      const existing = jobs.find((j) => j.id === id);
      if (existing) {
        existing.resumed = true;
        existing.job = { ...existing.job, attempts, state: "retry" };
      } else if (!exhausted && jobs.length < size) {
        jobs.push({ id, job: { ...job, attempts, state: "retry" }, resumed: true });
      }
    });

    const drains = Object.fromEntries(
      Object.entries(registry.drains).filter(([, seen]) => now.getTime() - seen.getTime() < DRAIN_LIVENESS_MS),
    );
    drains[drainId] = now;
    if (jobs.length > 0) {
      leases[leaseId] = { owner: drainId, expiresAt: new Date(now.getTime() + leaseMs), jobIds: jobs.map((j) => j.id) };
    }
    if (jobs.length > 0 || expiredIds.length > 0 || !registry.drains[drainId]) {
      tx.set(QUEUE_REGISTRY, { leases, drains });
    }
    const cursor: ClaimCursor = new Map(after);
    for (const j of jobs) {
      if (j.resumed) continue;
      const prev = cursor.get(j.job.rank);
      const later = !prev || j.job.dueAt > prev.dueAt || (j.job.dueAt.getTime() === prev.dueAt.getTime() && j.id > prev.id);
      if (later) cursor.set(j.job.rank, { dueAt: j.job.dueAt, id: j.id });
    }
    return { leaseId, jobs, liveDrains: Object.keys(drains).length, recovered: resumedIds.size, cursor };
  });
}

async function releaseLease(db: MeteredFirestore, leaseId: string): Promise<void> {
  await db.update("queue.release", QUEUE_REGISTRY, { [`leases.${leaseId}`]: fieldOps.delete() });
}

async function loadEvents(db: MeteredFirestore, jobs: ClaimedJob[], cache: Map<string, EventDoc | null>) {
  const ids = [...new Set(jobs.map((j) => j.job.eventId))].filter((id) => !cache.has(id));
  if (ids.length === 0) return;
  const snaps = await db.getAll("drain.events", ids.map((id) => docRef(collections.events, id)));
  ids.forEach((id, i) => cache.set(id, snaps[i]?.data ?? null));
}

async function loadTemplates(
  db: MeteredFirestore,
  jobs: ClaimedJob[],
  events: Map<string, EventDoc | null>,
  cache: Map<string, TemplateDoc | null>,
) {
  const ids = new Set<string>();
  for (const { job } of jobs) {
    const id = job.kind === "confirmation" ? CONFIRMATION_TEMPLATE_ID : events.get(job.eventId)?.templateId;
    if (id && !cache.has(id)) ids.add(id);
  }
  const list = [...ids];
  if (list.length === 0) return;
  const snaps = await db.getAll("drain.templates", list.map((id) => docRef(collections.templates, id)));
  list.forEach((id, i) => cache.set(id, snaps[i]?.data ?? null));
}

interface JobContext {
  providers: Map<string, ProviderRuntime>;
  events: Map<string, EventDoc | null>;
  templates: Map<string, TemplateDoc | null>;
  settings: () => RuntimeSettings;
  share: number;
  backoff: BackoffPolicy;
  rateLimitWaitMs: number;
  sleep: (ms: number) => Promise<void>;
}

function compose(ports: DrainPorts, id: string, job: JobDoc, event: EventDoc, template: TemplateDoc, fromProvider: ProviderDoc | null): OutgoingEmail {
  const link = `${ports.baseUrl.replace(/\/$/, "")}${invitationLinkPath(deriveInvitationToken(ports.tokenSecret, job.invitationId, job.tokenVersion))}`;
  const rendered = renderTemplate(
    { subject: template.subject, html: template.html, text: template.text },
    buildTemplateData({
      invitee: { name: job.to.name, email: job.to.email, fields: job.fields },
      event,
      host: event.host,
      links: { invitation: link, accept: `${link}?intent=accept`, decline: `${link}?intent=decline` },
    }),
  );
  const email: OutgoingEmail = {
    from: { email: fromProvider?.fromEmail ?? "events@herald.local", name: fromProvider?.fromName ?? event.host.name },
    to: { email: job.to.email, name: job.to.name || undefined },
    replyTo: event.host.email,
    ...rendered,
    idempotencyKey: id,
    messageId: `<${id}@herald>`,
  };
  if (job.kind === "confirmation") {
    const cal = eventCalendar({ db: ports.db, clock: ports.clock, tokenSecret: ports.tokenSecret, baseUrl: ports.baseUrl }, job.invitationId, event);
    email.attachments = [{ filename: cal.filename, contentType: "text/calendar; charset=utf-8; method=PUBLISH", content: cal.ics }];
  }
  return email;
}

function mailerFor(ports: DrainPorts, provider: ProviderRuntime): Mailer {
  provider.mailer ??= ports.mailerFactory(toConnection(ports.credentialsKey, provider.id, provider.doc));
  return provider.mailer;
}

function pick(ports: DrainPorts, ctx: JobContext, job: JobDoc, now: Date): RankedProvider | null {
  const ranking = rank(ctx.providers, now);
  const withQuota = ranking.usable.filter((r) => {
    const p = ctx.providers.get(r.id)!;
    const left = remainingQuota(p.doc.usage, p.doc.dailyQuota, r.periodKey);
    return left === null || left > 0;
  });
  const probeOk = withQuota.filter((r) => !r.probe || !ctx.providers.get(r.id)!.probeClaimed);
  const pinned = job.providerId ? probeOk.filter((r) => r.id === job.providerId) : probeOk;
  const preferred = pinned.filter((r) => r.id !== job.avoidProviderId);
  const candidates = preferred.length > 0 ? preferred : pinned;
  // Penalty alone would send everything to the single best provider and queue it behind that provider's rate
  // limit while the others idle. Time already queued at a provider counts against it, so traffic spills over
  // once the best one is saturated: a quarter second of queue weighs as much as one step of admin priority.
  const score = (r: RankedProvider) => {
    const pacer = ctx.providers.get(r.id)!.pacer;
    const queuedMs = pacer?.nextAt ? Math.max(0, pacer.nextAt - now.getTime()) : 0;
    return r.penalty + queuedMs / QUEUE_MS_PER_PENALTY_POINT;
  };
  return [...candidates].sort((a, b) => score(a) - score(b))[0] ?? null;
}

async function processJob(ports: DrainPorts, claimed: ClaimedJob, ctx: JobContext): Promise<Outcome | null> {
  const { id, job } = claimed;
  const now = () => ports.clock.now();
  const cancelled = (reason: string): Outcome => ({
    jobId: id, job, decision: { kind: "cancelled", reason }, providerId: null, result: null, simulated: false, at: now(), resumed: claimed.resumed, attempt: job.attempts,
  });
  const event = ctx.events.get(job.eventId);
  const settings = ctx.settings();
  if (!event || event.lifecycle !== "active" || settings.cancelledEvents[job.eventId]) return cancelled("The event was deleted");
  if (settings.cancelledInvitations[job.invitationId] && job.kind === "invitation") return cancelled("The invitation was revoked");
  const templateId = job.kind === "confirmation" ? CONFIRMATION_TEMPLATE_ID : event.templateId;
  const template = ctx.templates.get(templateId);
  const fail = (message: string): Outcome => ({
    jobId: id, job, decision: { kind: "fail", bounce: false, reason: "permanent" }, providerId: null,
    result: { ok: false, errorClass: "permanent", message, latencyMs: 0 }, simulated: false, at: now(), resumed: claimed.resumed, attempt: job.attempts + 1,
  });
  if (!template) return fail(`Template "${templateId}" is missing`);

  const simulated = settings.simulation;
  let provider: ProviderRuntime | null = null;
  let periodKey = "";
  if (!simulated) {
    const choice = pick(ports, ctx, job, now());
    if (!choice) {
      // Nothing usable right now (quota spent during this run, circuits opened): wait, do not fail.
      const ranking = rank(ctx.providers, now());
      return {
        jobId: id, job, decision: { kind: "retry", at: ranking.nextUsableAt ?? new Date(now().getTime() + 60_000), spendsAttempt: false, reason: "quota_exhausted" },
        providerId: null, result: null, simulated: false, at: now(), resumed: claimed.resumed, attempt: job.attempts,
      };
    }
    provider = ctx.providers.get(choice.id)!;
    periodKey = choice.periodKey;
    if (choice.probe) {
      provider.probeClaimed = true;
      provider.doc = { ...provider.doc, health: claimProbe(provider.doc.health, now()) ?? provider.doc.health };
    }
  }

  let email: OutgoingEmail;
  try {
    email = compose(ports, id, job, event, template, provider?.doc ?? null);
  } catch (error) {
    return fail(`Template could not be rendered: ${(error as Error).message}`);
  }

  // Pace to the provider's rate limit so we are not the ones causing 429s.
  if (provider && (provider.doc.ratePerSecond || provider.doc.ratePerMinute)) {
    const limits = {
      perSecond: provider.doc.ratePerSecond ? provider.doc.ratePerSecond * PACING_HEADROOM : undefined,
      perMinute: provider.doc.ratePerMinute ? provider.doc.ratePerMinute * PACING_HEADROOM : undefined,
    };
    provider.pacer = provider.pacer ? withShare(provider.pacer, ctx.share) : createPacer(limits, ctx.share);
    const slot = reserve(provider.pacer, now());
    provider.pacer = slot.state;
    const wait = slot.at.getTime() - now().getTime();
    if (wait > 0) await ctx.sleep(wait);
  }
  // The last check before anything leaves: a halt or a deletion made a moment ago still stops this email.
  const latest = ctx.settings();
  if (latest.halted) return null;
  if (latest.cancelledEvents[job.eventId]) return cancelled("The event was deleted");
  if (latest.cancelledInvitations[job.invitationId] && job.kind === "invitation") return cancelled("The invitation was revoked");

  const mailer = simulated ? ports.simulatedMailer : mailerFor(ports, provider!);
  // The quota is reserved before sending, so concurrent sends of this drain cannot overshoot it together.
  if (provider) provider.doc = { ...provider.doc, usage: recordSends(provider.doc.usage, periodKey, 1) };
  const result = await mailer.send(email);
  const at = now();
  if (provider) {
    if (!countsAgainstQuota(result)) provider.doc = { ...provider.doc, usage: recordSends(provider.doc.usage, periodKey, -1) };
    const outcome: HealthOutcome = result.ok
      ? { at, ok: true, latencyMs: result.latencyMs }
      : { at, ok: false, errorClass: result.errorClass, latencyMs: result.latencyMs, ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}) };
    provider.outcomes.push(outcome);
    provider.doc = { ...provider.doc, health: applyOutcomes(provider.doc.health, [outcome], healthConfig(ctx.rateLimitWaitMs)) };
    if (!result.ok && result.errorClass === "rate_limited" && provider.pacer && result.retryAfterMs) {
      provider.pacer = holdUntil(provider.pacer, new Date(at.getTime() + result.retryAfterMs));
    }
  }
  let decision = decideAfterAttempt({
    outcome: result,
    attemptsSpent: job.attempts,
    deferrals: job.deferrals,
    providerId: provider?.id,
    policy: ctx.backoff,
    rateLimitWaitMs: ctx.rateLimitWaitMs,
    now: at,
    random: ports.random,
  });
  // The provider failed, not the email: when another provider can take it now, do not make the guest wait
  // out a backoff meant for a struggling provider. A transient failure still spends its attempt.
  if (decision.kind === "retry" && provider && (decision.reason === "transient" || decision.reason === "rate_limited")) {
    const alternative = pick(ports, ctx, { ...job, avoidProviderId: provider.id }, at);
    if (alternative && alternative.id !== provider.id) {
      decision = { ...decision, at: new Date(Math.min(decision.at.getTime(), at.getTime() + REROUTE_MS)) };
    }
  }
  return { jobId: id, job, decision, providerId: provider?.id ?? null, result, simulated, at, resumed: claimed.resumed, attempt: job.attempts + 1 };
}

/**
 * One atomic batch per group of outcomes: the jobs' new states, the invitations' delivery, the events'
 * counters and one audit document listing every attempt. If the batch cannot be written (say an event was
 * deleted meanwhile, so an invitation update fails), outcomes are written one job at a time instead.
 */
async function recordOutcomes(db: MeteredFirestore, drainId: string, outcomes: Outcome[], summary: DrainSummary): Promise<void> {
  if (outcomes.length === 0) return;
  try {
    await writeOutcomes(db, drainId, outcomes, summary);
  } catch {
    for (const outcome of outcomes) {
      await writeOutcomes(db, drainId, [outcome], summary).catch(() => undefined);
    }
  }
}

async function writeOutcomes(db: MeteredFirestore, drainId: string, outcomes: Outcome[], summary: DrainSummary) {
  const batch = db.batch("queue.complete");
  const counters = new Map<string, Record<string, number>>();
  const bump = (eventId: string, key: string) => {
    const c = counters.get(eventId) ?? {};
    c[key] = (c[key] ?? 0) + 1;
    counters.set(eventId, c);
  };
  const tally = { sent: 0, simulated: 0, retried: 0, failed: 0, bounced: 0, cancelled: 0 };
  const entries: AuditEntry[] = [];
  for (const o of outcomes) {
    const jobRef = docRef(collections.jobs, o.jobId);
    const invitationRef = docRef(collections.invitations, o.job.invitationId);
    const errorClass = o.result && !o.result.ok ? o.result.errorClass : null;
    const message = o.result && !o.result.ok ? o.result.message : o.decision.kind === "cancelled" ? o.decision.reason : null;
    const lastError = errorClass ? { errorClass, message: message ?? "", providerId: o.providerId } : o.job.lastError;
    let auditOutcome: AuditEntry["outcome"];
    switch (o.decision.kind) {
      case "complete":
        auditOutcome = o.simulated ? "simulated" : "sent";
        if (o.simulated) tally.simulated++;
        else tally.sent++;
        batch.update(jobRef, { state: "completed", attempts: o.attempt, sentBy: o.providerId, simulated: o.simulated, waitingReason: null, completedAt: o.at, updatedAt: o.at });
        if (o.job.kind === "invitation") {
          batch.update(invitationRef, {
            "delivery.state": "sent", "delivery.at": o.at, "delivery.providerId": o.providerId, "delivery.simulated": o.simulated, "delivery.error": null,
          });
          bump(o.job.eventId, "delivered");
        }
        break;
      case "retry": {
        const spends = o.decision.spendsAttempt;
        auditOutcome = o.result ? "retry" : "waiting";
        tally.retried++;
        batch.update(jobRef, {
          state: "retry",
          attempts: spends ? o.attempt : o.job.attempts,
          deferrals: spends ? o.job.deferrals : o.job.deferrals + 1,
          dueAt: o.decision.at,
          avoidProviderId: o.decision.avoidProviderId ?? null,
          waitingReason: o.result ? `Retrying after ${o.decision.reason.replace("_", " ")}` : "Waiting for a provider's quota or recovery",
          lastError,
          updatedAt: o.at,
        });
        break;
      }
      case "fail":
        auditOutcome = o.decision.bounce ? "bounced" : "failed";
        if (o.decision.bounce) tally.bounced++;
        else tally.failed++;
        batch.update(jobRef, { state: "failed", attempts: o.attempt, waitingReason: null, lastError, completedAt: o.at, updatedAt: o.at });
        if (o.job.kind === "invitation") {
          batch.update(invitationRef, {
            "delivery.state": o.decision.bounce ? "bounced" : "failed", "delivery.at": o.at, "delivery.providerId": o.providerId, "delivery.simulated": false, "delivery.error": message,
          });
          bump(o.job.eventId, "failed");
        }
        break;
      case "cancelled":
        auditOutcome = "cancelled";
        tally.cancelled++;
        // The job may already be gone with its event; then this batch fails and the per-job fallback skips it.
        batch.update(jobRef, { state: "cancelled", waitingReason: o.decision.reason, updatedAt: o.at });
        break;
    }
    entries.push({
      at: o.at,
      jobId: o.jobId,
      invitationId: o.job.invitationId,
      eventId: o.job.eventId,
      kind: o.job.kind,
      providerId: o.providerId,
      outcome: auditOutcome,
      errorClass,
      message,
      latencyMs: o.result?.latencyMs ?? null,
      attempt: o.attempt,
      idempotencyKey: o.jobId,
      resumed: o.resumed,
    });
  }
  for (const [eventId, deltas] of counters) {
    const update: Record<string, unknown> = {};
    for (const [k, n] of Object.entries(deltas)) update[`counters.${k}`] = fieldOps.increment(n);
    batch.update(docRef(collections.events, eventId), update);
  }
  const at = outcomes[outcomes.length - 1]!.at;
  batch.create(docRef(collections.audit, `${drainId}-${at.getTime()}-${randomBytes(3).toString("hex")}`), {
    at,
    drainId,
    entries,
    invitationIds: [...new Set(entries.map((e) => e.invitationId))],
    eventIds: [...new Set(entries.map((e) => e.eventId))],
  });
  await batch.commit();
  for (const [k, v] of Object.entries(tally)) summary[k as keyof typeof tally] += v;
}

/**
 * Health and usage are written once per run: re-read in a transaction and merged with this run's outcomes,
 * so two drains finishing together add up instead of overwriting each other.
 */
async function persistProviderState(
  db: MeteredFirestore,
  providers: Map<string, ProviderRuntime>,
  clock: Clock,
  rateLimitWaitMs: number,
) {
  const touched = [...providers.values()].filter((p) => p.outcomes.length > 0 || p.probeClaimed);
  if (touched.length === 0) return;
  await db.transaction("provider.health", async (tx) => {
    const current = await tx.getAll(touched.map((p) => docRef(collections.providers, p.id)));
    const now = clock.now();
    touched.forEach((p, i) => {
      const stored = current[i];
      if (!stored) return;
      const sends = p.outcomes.filter(countsAgainstQuota).length;
      let periodKey: string | null = null;
      try {
        periodKey = quotaPeriodKey(now, stored.resetTime, stored.timezone);
      } catch {
        periodKey = null; // a misconfigured zone is reported by the ranking; usage just is not counted
      }
      const health = applyOutcomes(stored.health, p.outcomes, healthConfig(rateLimitWaitMs));
      tx.update(docRef(collections.providers, p.id), {
        health,
        // The burn monitor's 24-hour view of this provider, persisted with health at no extra write.
        hourly: foldHourlyStats(stored.hourly ?? [], p.outcomes, now),
        ...(periodKey && sends > 0 ? { usage: recordSends(stored.usage, periodKey, sends) } : {}),
        updatedAt: now,
      });
    });
  });
}

