import { randomBytes } from "node:crypto";
import { docRef } from "@/lib/adapters/firestore/collection";
import { collections, runtimeSettingsSchema, type EventDoc, type RuntimeSettings, type TemplateDoc } from "@/lib/adapters/firestore/schemas";
import { decideAfterAttempt, DEFAULT_BACKOFF, InvalidJobTransitionError } from "@/lib/domain/delivery/job";
import { REGISTRY_SHARDS, sendFitsLease, type DueJob, type FreeLook } from "@/lib/domain/delivery/lease";
import { planOutcome, type ClaimedJobFacts, type Resolution } from "@/lib/domain/delivery/outcome";
import { RUNTIME_SETTINGS } from "../settings";
import { suppressionKeyOf, SuppressionWatch } from "../suppression";
import { OutcomeWriter } from "./outcomes";
import { ProviderPool, SHORT_PAUSE_MS } from "./providers";
import { ConfirmationFinder } from "./confirmations";
import { peekDue, Registry, type Chunk, type Lease } from "./registry";
import { sendOne, templateIdFor, type SendContext } from "./send";
import type { ClaimedJob, DrainOptions, DrainPorts, DrainSummary } from "./types";

export type { ClaimedJob, DrainOptions, DrainPorts, DrainSummary } from "./types";
export { readRegistry } from "./registry";

/**
 * The queue drain: the scheduled Cloud Function, the local worker and the tests all run this.
 *
 *  1. safety first: nothing due costs one read; then the runtime settings (halt, simulation, cancellations)
 *     arrive through a listener, so each later check costs no read;
 *  2. claim: a write conditional on the version of one queue registry partition records a lease (owner,
 *     expiry, job versions); jobs of a dead drain's expired lease are taken over a bounded number at a time.
 *     A chunk holds about 1.5 s of all drains' sending, and the next one is claimed while it sends; claims go
 *     first where a confirmation waits (confirmations.ts, a look every few seconds);
 *  3. send each job through the best-ranked usable provider (send.ts), with "may this email be sent now?"
 *     asked right before the send; a send starts only if it can finish and be recorded within its lease;
 *  4. record outcomes (outcomes.ts) in conditional batches at least every couple of seconds, then release
 *     each lease once all its jobs are recorded.
 * Provider health and spent quota are written back periodically and at the end (providers.ts).
 */

/** A claim holds about this much sending (see claimSizeNow), between MIN_CLAIM and the configured claimSize. */
const CLAIM_AHEAD_MS = 1_500;
/** ...and at least this many times what this drain sends while a claim comes back. */
const CLAIM_COVER = 1.5;
const MIN_CLAIM = 10;
/** Moments when every provider pauses that one run waits out (see SHORT_PAUSE_MS) before it ends instead. */
const MAX_SHORT_PAUSES = 10;
/** How long after its last possible send start a run keeps retrying outcome writes (see OutcomeWriter). */
const GIVE_UP_AFTER_LAST_START_MS = 30_000;
/** How long the end of a run waits for a claim made ahead that it will not use, before moving on. */
const UNUSED_CLAIM_WAIT_MS = 2_000;
/** How often a drain may leave its rotation for a partition where a confirmation waits. */
const URGENT_CHECK_MS = 1_000;

const DEFAULTS = {
  claimSize: 1_000,
  leaseMs: 120_000,
  concurrency: 32,
  outcomeBatch: 240,
  flushEveryMs: 1_500,
  writeAllowanceMs: 5_000,
  takeoverGraceMs: 5_000,
  rateLimitWaitMs: 2_000,
  persistEveryMs: 15_000,
};

export function newDrainId(): string {
  return `drain-${randomBytes(6).toString("hex")}`;
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

/**
 * One lease's bookkeeping: it is released once every job in it has its outcome in Firestore or was left
 * unsent, and renewed (once at a time) when a send would otherwise outlast it.
 */
class LeaseTracker {
  private outstanding: number;
  private renewing: Promise<boolean> | null = null;
  released: Promise<void> | null = null;

  constructor(
    private readonly lease: Lease,
    private readonly registry: Registry,
    private readonly recordMarginMs: number,
    private readonly now: () => Date,
    private readonly log: (message: string, fields?: Record<string, unknown>) => void,
  ) {
    this.outstanding = lease.jobIds.length;
  }

  settle(): void {
    this.outstanding--;
    if (this.outstanding === 0 && !this.released) {
      this.released = this.registry.release(this.lease).catch((error: Error) =>
        // An unreleased lease only delays its unsent jobs until it expires; it must not fail the run.
        this.log("could not release a lease", { error: error.message }),
      );
    }
  }

  async covers(sendMs: number): Promise<boolean> {
    if (sendFitsLease(this.now(), this.lease.expiresAt, sendMs, this.recordMarginMs)) return true;
    this.renewing ??= this.registry.renew(this.lease).finally(() => {
      this.renewing = null;
    });
    return (await this.renewing) && sendFitsLease(this.now(), this.lease.expiresAt, sendMs, this.recordMarginMs);
  }
}

function facts(claimed: ClaimedJob): ClaimedJobFacts {
  const { job } = claimed;
  return {
    id: claimed.id,
    kind: job.kind,
    eventId: job.eventId,
    invitationId: job.invitationId,
    attempts: job.attempts,
    deferrals: job.deferrals,
    lastError: job.lastError,
    resumed: claimed.resumed,
  };
}

export async function drainQueue(ports: DrainPorts, options: DrainOptions): Promise<DrainSummary> {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & DrainOptions;
  const backoff = o.backoff ?? DEFAULT_BACKOFF;
  const started = ports.clock.now().getTime();
  const now = () => ports.clock.now();
  const sleep = ports.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = ports.log ?? (() => undefined);
  const summary: DrainSummary = {
    drainId: o.drainId,
    stoppedBecause: "idle",
    claimed: 0,
    sent: 0,
    simulated: 0,
    retried: 0,
    failed: 0,
    bounced: 0,
    cancelled: 0,
    superseded: 0,
    released: 0,
    recovered: 0,
    waitingUntil: null,
    durationMs: 0,
    claimWaitMs: 0,
    slotWaitMs: 0,
  };

  // Most runs find nothing to do: one read answers that, before the listener and the provider list cost more.
  // The most urgent due job, so the run also knows whether any confirmation waits (see ConfirmationFinder).
  // It overlaps the work the run does first; a peek that found nothing looks again if that work queued jobs.
  let due = await peekDue(ports.db, now());
  if (options.before && (await options.before).queued && due.length === 0) due = await peekDue(ports.db, now());
  if (due.length === 0) {
    summary.durationMs = now().getTime() - started;
    return summary;
  }

  let settings: RuntimeSettings = runtimeSettingsSchema.parse({});
  let settingsReady!: () => void;
  const firstSettings = new Promise<void>((r) => (settingsReady = r));
  const unsubscribe = ports.db.watch(
    "drain.settings",
    RUNTIME_SETTINGS,
    (data) => {
      settings = data ?? runtimeSettingsSchema.parse({});
      settingsReady();
    },
    (error) => {
      log("runtime settings listener failed; halting this drain to be safe", { error: error.message });
      settings = { ...settings, halted: true };
      settingsReady();
    },
  );

  let providers: ProviderPool | null = null;
  // The provider list is read while the settings arrive: a halted run (rare) wastes that read, every other run
  // starts sooner. (Its failure is handled where it is awaited, or not at all when the run is halted.)
  const loading = ProviderPool.load(ports, o.drainId, o.rateLimitWaitMs);
  loading.catch(() => undefined);
  try {
    await firstSettings;
    if (settings.halted) {
      summary.stoppedBecause = "halted";
      return summary;
    }
    providers = await loading;
    if (!providers.anyEnabled() && !settings.simulation) {
      summary.stoppedBecause = "no_provider";
      return summary;
    }
    if (!settings.simulation) providers.prepareQuotas(now());
    const confirmationsDue = due[0]!.data.rank === 0;
    await drainChunks(ports, o, { providers, summary, settings: () => settings, backoff, now, sleep, log, confirmationsDue });
  } finally {
    unsubscribe();
    if (providers) {
      await providers.persist(now(), true).catch((error: Error) => log("could not persist provider health", { error: error.message }));
      await providers.close();
    }
    summary.durationMs = now().getTime() - started;
  }
  return summary;
}

async function drainChunks(
  ports: DrainPorts,
  o: typeof DEFAULTS & DrainOptions,
  run: {
    providers: ProviderPool;
    summary: DrainSummary;
    settings: () => RuntimeSettings;
    backoff: typeof DEFAULT_BACKOFF;
    now: () => Date;
    sleep: (ms: number) => Promise<void>;
    log: (message: string, fields?: Record<string, unknown>) => void;
    /** The run's peek found a confirmation due. */
    confirmationsDue: boolean;
  },
) {
  const { providers, summary, settings, now, log } = run;
  const recordMarginMs = o.flushEveryMs + o.writeAllowanceMs;
  // A lease must fit at least one send through the slowest provider and its recording, with room to spare;
  // a shorter configured lease would leave every send waiting for a renewal that can never be enough.
  const leaseMs = Math.max(o.leaseMs, providers.longestSendTimeoutMs() + recordMarginMs + 5_000);
  const deadline = now().getTime() + o.budgetMs;
  // Sends already claimed may run a little past the budget, never long enough to meet the function's timeout.
  const lastStart = deadline + Math.min(leaseMs, o.budgetMs) / 2;
  const registry = new Registry(ports, o.drainId, { claimSize: o.claimSize, leaseMs, takeoverGraceMs: o.takeoverGraceMs });
  const confirmations = new ConfirmationFinder(ports.db, run.confirmationsDue, () => Math.round(1 / share), (error) => log("could not look for waiting confirmations; every claim looks for them", { error: error.message }));
  const suppressions = new SuppressionWatch(ports.db, (error) => log("suppression list listener failed; its addresses wait for the next run", { error: error.message }));
  // Outcomes that still cannot be written this long after the last send could start are given up (their jobs
  // are still waiting as claimed, and are resent under the same idempotency keys): a run must end, not outlive
  // its function.
  const giveUpAt = Date.now() + (lastStart - now().getTime()) + GIVE_UP_AFTER_LAST_START_MS;
  const writer = new OutcomeWriter(ports.db, o.drainId, summary, { batchMax: o.outcomeBatch, flushEveryMs: o.flushEveryMs, giveUpAt }, log, run.sleep);
  const events = new Map<string, EventDoc | null>();
  const templates = new Map<string, TemplateDoc | null>();
  const slots = new Semaphore(o.concurrency);
  const running = new Set<Promise<void>>();
  const trackers: LeaseTracker[] = [];
  let share = 1;
  let persisting: Promise<void> | null = null;
  const persistTimer = setInterval(() => {
    persisting ??= providers
      .persist(now(), false)
      .catch((error: Error) => log("could not persist provider health", { error: error.message }))
      .finally(() => (persisting = null));
  }, o.persistEveryMs);

  /**
   * A claim holds what all drains together send in about CLAIM_AHEAD_MS at the providers' paced rates, up to
   * `claimSize`: enough that sending does not wait for the next claim. Not this drain's share of that: on the
   * emulator every claim's query sorts the whole queue (its CPU went to little else with four drains), and N
   * drains claiming 1/N as much made N times as many claims for the same mail. A drain then holds N times
   * what it sends in CLAIM_AHEAD_MS, a few seconds, well inside its lease. The run's first claim is no
   * smaller: it was a quarter, to start sending sooner, but a claim takes about as long whatever its size (the
   * emulator sorts the whole queue; Firestore returns a few hundred small documents in one response), and the
   * quarter ran out long before the next claim came back, leaving every provider idle for half a second.
   */
  const claimSizeNow = (): number => {
    if (settings().simulation) return o.claimSize;
    const rate = providers.sendRatePerSecond(now());
    // A chunk must also last until the next claim is back, which is claimed as this one starts sending: on a
    // busy store (the emulator, with the drain sending 270 emails a second) claims took 1.7-1.9 s, and every
    // 1.5-s chunk ended in a pause of a few hundred milliseconds.
    const aheadMs = Math.max(CLAIM_AHEAD_MS, share * CLAIM_COVER * claimLatencyMs);
    return Math.min(o.claimSize, Math.max(MIN_CLAIM, Math.ceil((rate * aheadMs) / 1000)));
  };
  /**
   * The next claim is made when what this drain has left to send (its chunk's jobs not yet started, and those
   * in flight) would last about as long as a claim takes to come back, with CLAIM_COVER to spare. One drain
   * sends its chunk in about CLAIM_AHEAD_MS, so that is as soon as a chunk arrives. Four drains each send a
   * quarter as fast: claiming ahead at once, they held a second chunk for seconds (at the end of a run, work
   * the others could have sent), and their four claims ahead met on the emulator at the start, when the claims
   * of drains still waiting for their first chunk were slowest.
   */
  const claimAheadAt = (): number => {
    if (settings().simulation) return Number.POSITIVE_INFINITY;
    const rate = providers.sendRatePerSecond(now()) * share;
    return Math.ceil((rate * CLAIM_COVER * Math.max(claimLatencyMs, CLAIM_AHEAD_MS)) / 1000);
  };
  /** How long claims take to come back, averaged over the last few. */
  let claimLatencyMs = 0;
  let failedClaims = 0;
  let redirectedAt = 0;
  /**
   * Partitions whose last claim found all their due jobs: the rotation passes over them. Without this, the
   * rotation came back to each partition once or twice more to find nothing, each time paying a query (a sort
   * of the whole queue on the emulator) and a peek: 35 claims and 16 peeks for 5,000 emails in bench:drain.
   */
  const exhausted = new Set<number>();
  /**
   * A claim goes where confirmations wait (redirected at most once a second, so one still in flight does not
   * hold the rotation), else to the next partition of this drain's rotation. A claim that fails (contention
   * with other drains' claims outlasting the SDK's retries, a dropped connection) is tried again on the next
   * partition after a short pause; three in a row end the run, and the next run tries afresh.
   */
  const claim = async (partition?: number, from?: DueJob): Promise<Chunk | null> => {
    // Once every partition has been found exhausted, the rotation starts afresh: jobs become due again
    // (retries, jobs released unsent), and the first empty claim leads to the look below.
    if (exhausted.size >= REGISTRY_SHARDS) exhausted.clear();
    const urgent = confirmations.partitions(now());
    let target = partition;
    if (target === undefined && urgent !== "unknown" && urgent.size > 0 && Date.now() - redirectedAt >= URGENT_CHECK_MS) {
      redirectedAt = Date.now();
      target = urgent.values().next().value;
    }
    const asked = Date.now();
    return registry.claim(target, urgent, claimSizeNow(), exhausted, from).then(
      (chunk) => {
        const took = Date.now() - asked;
        claimLatencyMs = claimLatencyMs === 0 ? took : 0.7 * claimLatencyMs + 0.3 * took;
        failedClaims = 0;
        if (chunk.exhausted) exhausted.add(chunk.partition);
        else exhausted.delete(chunk.partition);
        if (urgent !== "unknown" && urgent.has(chunk.partition)) confirmations.looked(chunk.partition);
        return chunk;
      },
      async (error: Error) => {
        if (++failedClaims >= 3) {
          log("could not claim jobs; ending this run", { error: error.message });
          return null;
        }
        await run.sleep(100 + Math.floor(ports.random.next() * 400));
        return claim();
      },
    );
  };

  const runOne = async (claimed: ClaimedJob, tracker: LeaseTracker, ctx: SendContext) => {
    let resolution: Resolution;
    let at: Date;
    try {
      const step = await sendOne(ctx, claimed);
      if (step.kind === "released") {
        summary.released++;
        tracker.settle();
        return;
      }
      ({ resolution, at } = step);
    } catch (error) {
      // A bug or an unexpected failure in one job must not lose the others' outcomes or the lease.
      log("a queue job failed unexpectedly", { jobId: claimed.id, error: (error as Error).message });
      at = now();
      const result = { ok: false as const, errorClass: "transient" as const, message: "Internal error while sending", latencyMs: 0 };
      const decision = decideAfterAttempt({ outcome: result, attemptsSpent: claimed.job.attempts, deferrals: claimed.job.deferrals, policy: run.backoff, now: at, random: ports.random });
      resolution =
        decision.kind === "retry"
          ? { kind: "retry", decision, providerId: null, result }
          : { kind: "failed", bounce: false, providerId: null, errorClass: "internal", message: result.message, latencyMs: null, attempted: true };
    }
    const plan = planOutcome(facts(claimed), resolution, at);
    if (plan instanceof InvalidJobTransitionError) {
      log("refused an illegal job transition", { jobId: claimed.id, error: plan.message });
      tracker.settle();
      return;
    }
    writer.add({ claimed, plan, settled: () => tracker.settle() });
  };

  const emptyPartitions = new Set<number>();
  /** This round of empty claims has looked for free work across the partitions. */
  let looked = false;
  let shortPauses = 0;
  /**
   * This drain announces itself in the heartbeat document when a claim first brings it work, and its share of
   * the providers follows that document from then on. A run that finds nothing to claim never counts: at the
   * end of a four-drain bench run, the drains whose work was done came back every few hundred milliseconds,
   * found only jobs leased by others, and each time announced themselves, so the last drain still sending
   * kept a quarter of each provider for eight seconds. Bounded like a claim.
   */
  let announced: Promise<number | typeof LATE> | null = null;
  let next: Promise<Chunk | null> | null = claim();
  // A claim abandoned because it did not come back in time: if it ever does, its lease is given back at once.
  const releaseWhenBack = (late: Promise<Chunk | null>) =>
    void late.then((chunk) => (chunk?.lease ? registry.release(chunk.lease) : undefined)).catch(() => undefined);
  try {
    for (;;) {
      if (settings().halted) {
        summary.stoppedBecause = "halted";
        break;
      }
      if (now().getTime() >= deadline) {
        summary.stoppedBecause = "budget";
        break;
      }
      const ranking = providers.rank(now());
      const comeback = ranking.nextUsableAt?.getTime() ?? null;
      const shortPause = comeback !== null && comeback - now().getTime() <= SHORT_PAUSE_MS && comeback < deadline;
      if (ranking.usable.length === 0 && !settings().simulation && shortPause && shortPauses < MAX_SHORT_PAUSES) {
        // Every provider pauses for a moment (rate limited): waited out, not worth ending the run for. Counted,
        // not timed: a run that keeps meeting pauses (or whose clock does not move) ends as before, and the
        // next one tries afresh.
        shortPauses++;
        await run.sleep(Math.max(50, comeback - now().getTime() + 1));
        continue;
      }
      if (ranking.usable.length === 0 && !settings().simulation) {
        // Every provider is exhausted, broken or disabled: jobs wait for the earliest comeback instead of
        // burning through their attempts.
        summary.stoppedBecause = "providers_unavailable";
        summary.waitingUntil = ranking.nextUsableAt?.toISOString() ?? null;
        break;
      }
      const waitFrom = Date.now();
      // A claim stuck on an overloaded or unreachable store must not hold the run past its budget.
      const claimed = await settledBy(next, Date.now() + Math.max(0, deadline - now().getTime()));
      summary.claimWaitMs += Date.now() - waitFrom;
      if (claimed === LATE) {
        // Abandoned, not waited for: if it does come back, its lease is given back at once (in a function that is
        // frozen first, it expires like a crashed drain's and its jobs are resumed). Held for the lease's length,
        // those jobs made the tail of a four-drain bench run.
        log("a claim did not come back within the run's budget; ending this run");
        summary.stoppedBecause = "budget";
        releaseWhenBack(next);
        next = null;
        break;
      }
      const chunk = claimed;
      next = null;
      if (!chunk) break;
      summary.recovered += chunk.recovered;
      if (!chunk.lease || chunk.jobs.length === 0) {
        // This partition has nothing to claim now. One look a round says whether anything is due anywhere
        // that no live lease holds, and where. Only when more is in flight than a look reads past are the
        // partitions tried one by one (each at most once a round).
        emptyPartitions.add(chunk.partition);
        if (!looked) {
          looked = true;
          const look: FreeLook = await registry.lookForFree().catch(() => ({ kind: "unknown" }));
          if (look.kind === "none") break;
          if (look.kind === "in_flight") {
            // Every due job is in flight. Unless all are in this run's own leases (it sends them before it
            // ends), a worker should wait before its next run: the drain holding them sends them. A run that
            // had sent earlier used to end "idle" here, and its worker came straight back for another round.
            if (look.elsewhere) summary.stoppedBecause = "in_flight_elsewhere";
            break;
          }
          if (look.kind === "claim") {
            // From the free job on: it may be behind the cursor of a lease still in flight there (a retry
            // rerouted after its provider failed), which a claim from the cursor passes over.
            next = claim(look.partition, look.from);
            continue;
          }
        }
        if (emptyPartitions.size >= REGISTRY_SHARDS) break;
        next = claim(untried(emptyPartitions));
        continue;
      }
      emptyPartitions.clear();
      looked = false;
      summary.claimed += chunk.jobs.length;
      // The first count waits for the heartbeat document (the drains that started with this one are in it),
      // while the chunk's events and templates load; later claims see it as its listener last did.
      const first = announced === null;
      announced ??= settledBy(
        registry.announce((live) => (share = 1 / Math.max(1, live))),
        Date.now() + Math.max(0, deadline - now().getTime()),
      ).catch(() => LATE);

      await Promise.all([
        loadEvents(ports, chunk.jobs, events).then(() => loadTemplates(ports, chunk.jobs, events, templates)),
        suppressions.prepare(chunk.jobs.map((c) => suppressionKeyOf(c.job.to.email))),
      ]);
      const live = first ? await announced : LATE;
      share = 1 / (live === LATE ? Math.max(1, chunk.liveDrains) : live);
      const tracker = new LeaseTracker(chunk.lease, registry, recordMarginMs, now, log);
      trackers.push(tracker);
      const ctx: SendContext = {
        ports,
        providers,
        events,
        templates,
        runtime: settings,
        recipient: (job) => suppressions.standing(suppressionKeyOf(job.to.email)),
        share: () => share,
        backoff: run.backoff,
        rateLimitWaitMs: o.rateLimitWaitMs,
        sleep: run.sleep,
        leaseCovers: (ms) => tracker.covers(ms),
      };
      const claimWhenLeft = claimAheadAt();
      for (const [i, claimed] of chunk.jobs.entries()) {
        if (next === null && chunk.jobs.length - i + running.size <= claimWhenLeft) next = claim();
        const slotFrom = Date.now();
        await slots.acquire();
        summary.slotWaitMs += Date.now() - slotFrom;
        if (settings().halted || now().getTime() >= lastStart) {
          // Not started: stays queued, and the lease's release frees it for the next claim.
          slots.release();
          summary.released++;
          tracker.settle();
          continue;
        }
        const task: Promise<void> = runOne(claimed, tracker, ctx).finally(() => {
          slots.release();
          running.delete(task);
        });
        running.add(task);
      }
      // A chunk smaller than the drain's concurrency is all started at once: the claim ahead waits for sends
      // to finish instead.
      while (next === null && running.size > claimWhenLeft) await Promise.race([...running].map((task) => task.catch(() => undefined)));
      next ??= claim();
    }
  } finally {
    clearInterval(persistTimer);
    suppressions.stop();
    confirmations.stop();
    // A chunk claimed ahead but not started goes straight back to the queue; one that has not come back
    // shortly after the run ended is given back whenever it does (or left to its lease's expiry).
    const pending = next;
    const unused = pending ? await settledBy(pending, Math.min(giveUpAt, Date.now() + UNUSED_CLAIM_WAIT_MS)) : null;
    if (unused === LATE) releaseWhenBack(pending!);
    else if (unused?.lease) await registry.release(unused.lease).catch(() => undefined);
    await Promise.all([...running]);
    await writer.flush();
    await Promise.all(trackers.map((t) => t.released));
    await persisting;
    // Leaving lets the other drains' shares grow at once; a run that cannot say so is forgotten after its
    // heartbeat's liveness, as a killed one is. A run that never announced itself has nothing to leave.
    if (announced) {
      await settledBy(
        registry.leave().catch((error: Error) => log("could not leave the heartbeat document", { error: error.message })),
        Date.now() + UNUSED_CLAIM_WAIT_MS,
      );
    }
  }
  if (summary.stoppedBecause === "idle" || summary.stoppedBecause === "in_flight_elsewhere") {
    // The queue ran dry, or what is left waits: say why, as an operator would want to know.
    const ranking = providers.rank(now());
    if (settings().halted) summary.stoppedBecause = "halted";
    else if (ranking.usable.length === 0 && !settings().simulation) {
      summary.stoppedBecause = "providers_unavailable";
      summary.waitingUntil = ranking.nextUsableAt?.toISOString() ?? null;
    }
  }
}

const LATE = Symbol("late");

/** The promise's value, or LATE once `at` (epoch ms) has passed without it. */
async function settledBy<T>(promise: Promise<T>, at: number): Promise<T | typeof LATE> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), Math.max(0, at - Date.now()))));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function untried(tried: ReadonlySet<number>): number {
  for (let p = 0; p < REGISTRY_SHARDS; p++) if (!tried.has(p)) return p;
  return 0;
}

/** The chunk's events, read again for every chunk so an edit (title, time) reaches the next emails. */
async function loadEvents(ports: DrainPorts, jobs: readonly ClaimedJob[], cache: Map<string, EventDoc | null>) {
  const ids = [...new Set(jobs.map((j) => j.job.eventId))];
  const snaps = await ports.db.getAll("drain.events", ids.map((id) => docRef(collections.events, id)));
  ids.forEach((id, i) => cache.set(id, snaps[i]?.data ?? null));
}

async function loadTemplates(
  ports: DrainPorts,
  jobs: readonly ClaimedJob[],
  events: ReadonlyMap<string, EventDoc | null>,
  cache: Map<string, TemplateDoc | null>,
) {
  const ids = new Set<string>();
  for (const { job } of jobs) {
    const event = events.get(job.eventId);
    if (!event) continue;
    const id = templateIdFor(job, event);
    if (!cache.has(id)) ids.add(id);
  }
  const list = [...ids];
  if (list.length === 0) return;
  const snaps = await ports.db.getAll("drain.templates", list.map((id) => docRef(collections.templates, id)));
  list.forEach((id, i) => cache.set(id, snaps[i]?.data ?? null));
}
