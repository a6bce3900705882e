import { docRef } from "@/lib/adapters/firestore/collection";
import { collections, type ProviderDoc } from "@/lib/adapters/firestore/schemas";
import { applyOutcomes, claimProbe, DEFAULT_HEALTH_CONFIG, recordFailure, type HealthOutcome } from "@/lib/domain/delivery/provider-health";
import { foldHourlyStats } from "@/lib/domain/delivery/provider-hourly";
import { grantQuota, nextQuotaReset, quotaPeriodKey, settleQuota, type GrantSpend } from "@/lib/domain/delivery/quota";
import { rankProviders, type RankedProvider, type Ranking } from "@/lib/domain/delivery/ranking";
import { createPacer, holdUntil, reserve, spacingMs, withShare, type PacerState, type RateLimits } from "@/lib/domain/delivery/rate-limit";
import { hasUtf8LocalPart, UTF8_LOCAL_PART_SUPPORT } from "@/lib/domain/email-address";
import type { Mailer, SendResult } from "@/lib/ports/mailer";
import { toConnection } from "../provider-config";
import { StartQueue } from "./start-queue";
import type { DrainPorts } from "./types";

/**
 * The drain's view of its providers while it runs: health and quota kept in memory, rate-limit pacing, quota
 * grants reserved on the provider documents, and the single probe of a half-open circuit. Health and spent
 * quota go back to Firestore every `persistEveryMs` and at the end, merged into what other drains wrote.
 */

/** How much time queued behind a provider's rate limit weighs as much as one penalty point (one priority step). */
const QUEUE_MS_PER_PENALTY_POINT = 250;
/**
 * Herald paces each provider a little under its configured limit: evenly spaced sends at exactly the limit
 * still land 101 in some sliding second once network jitter bunches them, and each of those is a 429 that
 * holds the provider for its Retry-After (bench:drain at 100 %: 49 answers 429, and a run 20 % slower). A
 * busy event loop waking several sends at once is handled separately: the pacer counts each second's starts.
 * That count made the old 10 % margin mostly idle capacity: at 95 % and 97 %, one drain drew 0-16 answers 429
 * a run and sent 164.6-175.2 emails a second in five runs, against 159.0 at 90 % (four drains joining one by
 * one draw more: see the README's known problems).
 */
const PACING_HEADROOM = 0.95;

/** A provider's configured rate limits; a limit of 0 is no limit. */
function configuredLimits(doc: Pick<ProviderDoc, "ratePerSecond" | "ratePerMinute">): RateLimits {
  return { perSecond: doc.ratePerSecond || undefined, perMinute: doc.ratePerMinute || undefined };
}

/**
 * Every usable provider pausing for at most this long (a 429's Retry-After, a circuit about to half-open) is
 * waited out by sends and by the run: deferring each email, or ending the run, costs writes and a restart for
 * a pause of a second or two.
 */
export const SHORT_PAUSE_MS = 5_000;
/** Quota units a drain reserves at a time: enough for a few chunks, small enough to leave some to others. */
const GRANT_UNITS = 200;
/** A grant is topped up when this few of its units are left, before sends have to wait for it. */
const GRANT_LOW_WATER = GRANT_UNITS / 4;
/** A probe claim that could not be written is tried again after this. */
const PROBE_RETRY_MS = 1_000;
/** A grant outlives any run; a crashed drain's grant frees itself (counted as spent) after this. */
const GRANT_TTL_MS = 10 * 60_000;

interface QuotaState {
  periodKey: string;
  units: number;
  used: number;
  /** The provider has nothing left for this drain until then. */
  exhaustedUntil: Date | null;
  refill: Promise<void> | null;
  /** The last grant was smaller than asked for. */
  lastGrantShort: boolean;
}

interface ProviderRuntime {
  id: string;
  doc: ProviderDoc;
  mailer: Mailer | null;
  pacer: PacerState | null;
  /** Sends whose slot has come, starting in turn within the provider's per-second allowance. */
  starts: StartQueue;
  outcomes: HealthOutcome[];
  /** Null for providers without a daily quota. */
  quota: QuotaState | null;
  /** Outcomes already persisted (the rest go out with the next persist). */
  persistedOutcomes: number;
  /** This drain's probe claim being written: its other sends go elsewhere instead of claiming again. */
  probeClaim: Promise<boolean> | null;
  /** A claim that failed to commit is not tried again before this (a contended document, not a verdict). */
  probeRetryAt: number;
  /** This drain's probe, from its claim until its answer is recorded or it is given up (see ownProbes). */
  probeOut: { done: Promise<void>; over: () => void } | null;
}

/** Providers count an email they accepted or rejected for its content; not one they never took. */
export function countsAgainstQuota(outcome: { ok: boolean; errorClass?: string }): boolean {
  return outcome.ok || outcome.errorClass === "permanent" || outcome.errorClass === "permanent_recipient";
}

export class ProviderPool {
  private readonly providers = new Map<string, ProviderRuntime>();
  private readonly healthConfig;

  private constructor(
    private readonly ports: DrainPorts,
    private readonly drainId: string,
    rateLimitWaitMs: number,
  ) {
    this.healthConfig = { ...DEFAULT_HEALTH_CONFIG, rateLimitWaitMs };
  }

  static async load(ports: DrainPorts, drainId: string, rateLimitWaitMs: number): Promise<ProviderPool> {
    const pool = new ProviderPool(ports, drainId, rateLimitWaitMs);
    for (const snap of await ports.db.query("drain.providers", collections.providers, { limit: 50 })) {
      pool.providers.set(snap.id, {
        id: snap.id,
        doc: snap.data,
        mailer: null,
        pacer: null,
        starts: new StartQueue(() => ports.clock.now().getTime()),
        outcomes: [],
        quota: null,
        persistedOutcomes: 0,
        probeClaim: null,
        probeRetryAt: 0,
        probeOut: null,
      });
    }
    return pool;
  }

  doc(id: string): ProviderDoc {
    return this.get(id).doc;
  }

  /**
   * Why no enabled provider can carry an address with a non-ASCII local part (SMTPUTF8), or null when one can:
   * such an email then fails at once with the providers' reasons instead of waiting for one that never comes.
   */
  cannotCarry(email: string): string | null {
    if (!hasUtf8LocalPart(email)) return null;
    const enabled = [...this.providers.values()].filter((p) => p.doc.enabled);
    const reasons = enabled.map((p) => UTF8_LOCAL_PART_SUPPORT[p.doc.kind]);
    if (reasons.some((r) => r.supported)) return null;
    const why = [...new Set(reasons.flatMap((r) => ("why" in r ? [r.why] : [])))];
    return `This address has characters before the @ that need SMTPUTF8, and no enabled provider can send it${why.length > 0 ? `: ${why.join("; ")}` : ""}`;
  }

  anyEnabled(): boolean {
    return [...this.providers.values()].some((p) => p.doc.enabled);
  }

  /** The send timeout of a provider: a send started now is over, one way or another, after this long. */
  sendTimeoutMs(id: string): number {
    const p = this.get(id);
    const configured = Number(p.doc.settings.timeoutMs);
    return Number.isFinite(configured) && configured > 0 ? configured : 15_000;
  }

  /** The longest a send through any enabled provider may take: every lease must be able to cover one. */
  longestSendTimeoutMs(): number {
    return Math.max(0, ...[...this.providers.values()].filter((p) => p.doc.enabled).map((p) => this.sendTimeoutMs(p.id)));
  }

  rank(now: Date): Ranking {
    return rankProviders(
      [...this.providers.values()].map((p) => ({
        id: p.id,
        name: p.doc.name,
        priority: p.doc.priority,
        enabled: p.doc.enabled,
        dailyQuota: p.doc.dailyQuota,
        resetTime: p.doc.resetTime,
        timezone: p.doc.timezone,
        usage: this.rankingUsage(p, now),
        health: p.doc.health,
      })),
      now,
    );
  }

  /**
   * How many emails a second all drains together can send now: the paced rate of every usable provider
   * (Infinity when one has no rate limit). Claims are sized from it.
   */
  sendRatePerSecond(now: Date): number {
    let total = 0;
    for (const r of this.rank(now).usable) {
      const { perSecond, perMinute } = configuredLimits(this.get(r.id).doc);
      const limits = [perSecond, perMinute === undefined ? undefined : perMinute / 60].filter((x) => x !== undefined);
      if (limits.length === 0) return Number.POSITIVE_INFINITY;
      total += Math.min(...limits) * PACING_HEADROOM;
    }
    return total;
  }

  /**
   * What the ranking should believe is left of a provider's quota for this drain: its own grant when it holds
   * one, nothing once a refill came back empty (until the reset), else the stored usage.
   */
  private rankingUsage(p: ProviderRuntime, now: Date) {
    const q = p.quota;
    if (!q || p.doc.dailyQuota === null) return p.doc.usage;
    if (q.exhaustedUntil && q.exhaustedUntil > now) return { periodKey: q.periodKey, sent: p.doc.dailyQuota };
    return p.doc.usage;
  }

  /**
   * The provider for one job: usable, with quota left for this drain, not a second probe, the job's pinned
   * provider if it has one, preferring not the one that just failed it. Penalty alone would send everything to
   * the single best provider and queue it behind that provider's rate limit while the others idle, so time
   * already queued at a provider counts against it and traffic spills over once the best one is saturated.
   */
  pick(
    job: { providerId: string | null; avoidProviderId: string | null; to: { email: string } },
    now: Date,
    exclude: ReadonlySet<string> = new Set(),
  ): RankedProvider | null {
    // An address with a non-ASCII local part only travels where SMTPUTF8 is supported.
    const utf8 = hasUtf8LocalPart(job.to.email);
    const usable = this.rank(now).usable.filter(
      (r) => !exclude.has(r.id) && (!utf8 || UTF8_LOCAL_PART_SUPPORT[this.get(r.id).doc.kind].supported),
    );
    const pinned = job.providerId ? usable.filter((r) => r.id === job.providerId) : usable;
    const preferred = pinned.filter((r) => r.id !== job.avoidProviderId);
    const candidates = preferred.length > 0 ? preferred : pinned;
    // A half-open provider's probe goes first: ranked by its (still high) penalty it would wait behind every
    // healthy provider until its failures age out, and never come back after a short outage.
    const probe = candidates.find((r) => r.probe);
    if (probe) return probe;
    const score = (r: RankedProvider) => r.penalty + this.queuedMs(r.id, now) / QUEUE_MS_PER_PENALTY_POINT;
    return [...candidates].sort((a, b) => score(a) - score(b))[0] ?? null;
  }

  /**
   * When a provider other than `failed` can next take the job: now when one is usable, else when the first of
   * the others comes back by itself (a 429's pause ending, a circuit half-opening, a quota resetting); null when
   * none will without an admin. Four drains at once draw the odd 429, and a failure landing in that second used
   * to wait out the whole backoff (bench:drain's last emails came 30 s after the rest).
   */
  alternativeAt(job: { providerId: string | null; to: { email: string } }, failed: string, now: Date): Date | null {
    const alternative = this.pick({ ...job, avoidProviderId: failed }, now);
    if (alternative && alternative.id !== failed) return now;
    if (job.providerId) return null;
    const utf8 = hasUtf8LocalPart(job.to.email);
    const comebacks = this.rank(now)
      .unusable.filter((u) => u.id !== failed && u.until && (!utf8 || UTF8_LOCAL_PART_SUPPORT[this.get(u.id).doc.kind].supported))
      .map((u) => u.until!.getTime());
    return comebacks.length > 0 ? new Date(Math.min(...comebacks)) : null;
  }

  /**
   * How long a send given to the provider now would wait to start: the slots already booked at its rate, and
   * the sends whose slot came but who wait in line for room in the last second (see StartQueue). Those hold
   * the drain's concurrency too: unseen, they let the preferred provider's line take every slot while the
   * next provider sat idle (bench:drain: the quota-limited stand-in starved from 20 s on, 250 short of its
   * quota, and the run ended 3 s later).
   */
  private queuedMs(id: string, now: Date): number {
    const { pacer, starts } = this.get(id);
    if (!pacer) return 0;
    const booked = pacer.nextAt ? Math.max(0, pacer.nextAt - now.getTime()) : 0;
    return booked + starts.length * spacingMs(pacer);
  }

  /**
   * Takes one unit of the provider's daily quota for a send about to be paced and made. The grant is topped up
   * in the background when it runs low, so sends keep flowing while the provider document is written.
   * "refilling": this drain's units are all used and a top-up is being written (never for the run's first
   * grant, which is always waited for); with `wait`, the send waits for it instead (the caller's last resort: on
   * a contended document that write can take seconds, and a send that another provider can carry must not sit
   * behind it). "none": nothing left for this drain now.
   */
  async takeQuota(id: string, now: Date, options: { wait: boolean } = { wait: true }): Promise<"taken" | "refilling" | "none"> {
    const p = this.get(id);
    if (p.doc.dailyQuota === null) return "taken";
    const periodKey = quotaPeriodKey(now, p.doc.resetTime, p.doc.timezone);
    for (let tries = 0; tries < 3; tries++) {
      const q = p.quota;
      if (q && q.periodKey === periodKey) {
        if (q.exhaustedUntil && q.exhaustedUntil > now) return "none";
        if (q.used < q.units) {
          q.used++;
          if (!q.refill && !q.lastGrantShort && q.units - q.used <= GRANT_LOW_WATER) void this.refill(p, periodKey, now);
          return "taken";
        }
      }
      const refill = this.refill(p, periodKey, now);
      // Only a top-up is passed over. The run's first grant on a provider is waited for: otherwise a lower-ranked
      // provider whose first grant happened to land first took the run's first emails while the preferred one
      // was perfectly healthy (seen in the console e2e: one of ten went to the backup).
      if (!options.wait && q && q.periodKey === periodKey && q.units > 0) return "refilling";
      await refill;
    }
    return "none";
  }

  /**
   * Reserves the run's first grant on every enabled provider with a daily quota, in the background. Sends
   * wait for a provider's first grant (see takeQuota), unseen by the choice of provider: at the start of a
   * four-drain bench run, four drains' grant transactions on one provider document took seconds, and the sends
   * that had picked it held every slot meanwhile while the other providers sat idle. Taken while the run's
   * first claim is made, the grants are there when its sends start. A failure here is the first send's to see.
   */
  prepareQuotas(now: Date): void {
    for (const p of this.providers.values()) {
      if (!p.doc.enabled || p.doc.dailyQuota === null || p.quota) continue;
      void this.refill(p, quotaPeriodKey(now, p.doc.resetTime, p.doc.timezone), now).catch(() => undefined);
    }
  }

  /** A send that never reached the provider gives its unit back. */
  refundQuota(id: string): void {
    const q = this.get(id).quota;
    if (q && q.used > 0) q.used--;
  }

  /**
   * Settles what this drain used of its grant and reserves its unused units plus another block, in one
   * transaction on the provider document; concurrent takers share the same refill. Units taken while it runs
   * come out of the new grant, which still holds them: the count stays exact, never overspent.
   */
  private refill(p: ProviderRuntime, periodKey: string, now: Date): Promise<void> {
    const previous = p.quota;
    if (previous?.refill) return previous.refill;
    const current = previous && previous.periodKey === periodKey && !(previous.exhaustedUntil && previous.exhaustedUntil > now) ? previous : null;
    const usedAtStart = previous?.used ?? 0;
    const spent: GrantSpend | null = previous ? { periodKey: previous.periodKey, used: usedAtStart } : null;
    const carried = current ? Math.max(0, current.units - usedAtStart) : 0;
    const want = GRANT_UNITS + carried;
    // Takers wait on this state's refill when no units are left in hand (or the period changed).
    const state: QuotaState = current ?? { periodKey, units: 0, used: 0, exhaustedUntil: null, refill: null, lastGrantShort: false };
    const run = this.ports.db
      .transaction("provider.quota", async (tx) => {
        const stored = await tx.get(docRef(collections.providers, p.id));
        if (!stored || stored.dailyQuota === null) return null;
        const granted = grantQuota({
          usage: stored.usage,
          dailyQuota: stored.dailyQuota,
          periodKey,
          drainId: this.drainId,
          spent,
          want,
          now,
          ttlMs: GRANT_TTL_MS,
        });
        // updatedAt versions every stored state (the burn monitor's cards show usage): a write without it would
        // look like the version before.
        tx.update(docRef(collections.providers, p.id), { usage: granted.usage, updatedAt: now });
        return granted;
      })
      .then((granted) => {
        if (granted) p.doc = { ...p.doc, usage: granted.usage };
        const units = granted?.units ?? 0;
        p.quota = {
          periodKey,
          units,
          used: Math.max(0, state.used - (current ? usedAtStart : 0)),
          exhaustedUntil: units === 0 ? nextQuotaReset(now, p.doc.resetTime, p.doc.timezone) : null,
          refill: null,
          // The quota is nearly spent: topping up early would cost a transaction per send for nothing.
          lastGrantShort: units < want,
        };
      })
      .catch(() => {
        // Nothing was stored: the old grant, still unsettled, stays this drain's; with nothing left in hand,
        // the next send asks again a second later.
        p.quota = { ...state, refill: null, exhaustedUntil: state.used < state.units ? null : new Date(now.getTime() + 1_000) };
      });
    state.refill = run;
    p.quota = state;
    return run;
  }

  /** Grant top-ups still being written: a run's final settlement waits for them. */
  private pendingRefills(): Promise<void>[] {
    return [...this.providers.values()].flatMap((p) => (p.quota?.refill ? [p.quota.refill] : []));
  }

  /**
   * The half-open circuit's single probe, claimed on the provider document before it is sent: the write is
   * what stops a concurrent drain from probing at the same time. One claim per drain at a time: every send
   * that ranks the provider as a probe while a claim is out goes elsewhere. Each claim is a transaction on the
   * one document every drain's quota grants also write, and dozens of them at once queued those grants for
   * seconds and stalled every drain's sends (bench:drain, four drains).
   */
  async claimProbe(id: string, now: Date): Promise<boolean> {
    const p = this.get(id);
    if (p.probeClaim || now.getTime() < p.probeRetryAt) return false;
    let over!: () => void;
    const done = new Promise<void>((resolve) => (over = resolve));
    const out = { done, over };
    p.probeOut = out;
    const claim = this.ports.db
      .transaction("provider.probe", async (tx) => {
        const stored = await tx.get(docRef(collections.providers, id));
        if (!stored) return { claimed: false, health: null };
        const health = claimProbe(stored.health, now, this.healthConfig);
        if (!health) return { claimed: false, health: stored.health };
        tx.update(docRef(collections.providers, id), { health, updatedAt: now });
        return { claimed: true, health };
      })
      .then(({ claimed, health }) => {
        // Not claimed: another drain's probe is out, or its answer already closed the circuit. Either way the
        // stored health is the truth this drain's sends should be ranked by, plus what it saw since.
        if (claimed && health) p.doc = { ...p.doc, health };
        else if (health) this.adoptStoredHealth(p, health);
        return claimed;
      })
      .catch(() => {
        p.probeRetryAt = now.getTime() + PROBE_RETRY_MS;
        return false;
      })
      .then((claimed) => {
        if (!claimed) this.probeOver(id, out);
        return claimed;
      })
      .finally(() => {
        p.probeClaim = null;
      });
    p.probeClaim = claim;
    return claim;
  }

  /** This drain's probe of the provider was answered (its outcome recorded) or will not be sent after all. */
  probeOver(id: string, which: ProviderRuntime["probeOut"] = this.get(id).probeOut): void {
    const p = this.get(id);
    if (!which || p.probeOut !== which) return;
    p.probeOut = null;
    which.over();
  }

  /**
   * This drain's probes still out (being claimed or sent): settled when any of them is answered, or after the
   * longest of their providers' send timeouts. Null when there are none.
   */
  ownProbes(sleep: (ms: number) => Promise<void>): { ids: string[]; answered: Promise<void> } | null {
    const out = [...this.providers.values()].filter((p) => p.probeOut);
    if (out.length === 0) return null;
    const withinMs = Math.max(...out.map((p) => this.sendTimeoutMs(p.id))) + 1_000;
    return { ids: out.map((p) => p.id), answered: Promise.race([...out.map((p) => p.probeOut!.done), sleep(withinMs)]) };
  }

  /** Throws when the stored secret cannot be decrypted (a rotated key): the caller treats that as bad credentials. */
  mailer(id: string): Mailer {
    const p = this.get(id);
    p.mailer ??= this.ports.mailerFactory(toConnection(this.ports.credentialsKey, p.id, p.doc));
    return p.mailer;
  }

  /** Waits for this drain's next slot under the provider's rate limit (its share of it, with other drains). */
  async pace(id: string, share: number, now: Date, sleep: (ms: number) => Promise<void>): Promise<void> {
    const p = this.get(id);
    const limits = configuredLimits(p.doc);
    if (limits.perSecond === undefined && limits.perMinute === undefined) return;
    p.pacer = p.pacer ? withShare(p.pacer, share) : createPacer(limits, share, PACING_HEADROOM);
    const slot = reserve(p.pacer, now);
    p.pacer = slot.state;
    const wait = slot.at.getTime() - now.getTime();
    if (wait > 0) await sleep(wait);
    await p.starts.admit(p, sleep);
  }

  /** Folds one send's result into the provider's in-memory health, so the next pick already knows. */
  record(id: string, result: SendResult, at: Date): void {
    const p = this.get(id);
    const outcome: HealthOutcome = result.ok
      ? { at, ok: true, latencyMs: result.latencyMs }
      : { at, ok: false, errorClass: result.errorClass, latencyMs: result.latencyMs, ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}) };
    p.outcomes.push(outcome);
    p.doc = { ...p.doc, health: applyOutcomes(p.doc.health, [outcome], this.healthConfig) };
    if (!result.ok && result.errorClass === "rate_limited" && p.pacer && result.retryAfterMs) {
      p.pacer = holdUntil(p.pacer, new Date(at.getTime() + result.retryAfterMs));
    }
    // A half-open provider sends nothing but its probe: this is the probe's answer.
    this.probeOver(id);
  }

  /** The stored secret is unusable: out of rotation like a provider that refuses our credentials. */
  disable(id: string, at: Date): void {
    const p = this.get(id);
    p.outcomes.push({ at, ok: false, errorClass: "auth", latencyMs: 0 });
    p.doc = { ...p.doc, health: recordFailure(p.doc.health, "auth", 0, at, this.healthConfig) };
  }

  /**
   * Writes health and spent quota back: re-read in a transaction and merged with this drain's outcomes since
   * the last persist, so drains finishing together add up instead of overwriting each other. At the end of the
   * run (`final`) the unused part of each quota grant is given back.
   */
  async persist(now: Date, final: boolean): Promise<void> {
    if (final) await Promise.all(this.pendingRefills());
    const touched = [...this.providers.values()].filter(
      (p) => p.outcomes.length > p.persistedOutcomes || (final && p.quota !== null),
    );
    if (touched.length === 0) return;
    // One transaction per provider, not one over all of them: a transaction holds every document it read until
    // it commits, and the providers' documents are each contended by every drain's grants and probes.
    await Promise.all(touched.map((p) => this.persistOne(p, now, final)));
  }

  private async persistOne(p: ProviderRuntime, now: Date, final: boolean): Promise<void> {
    const through = p.outcomes.length;
    const fresh = p.outcomes.slice(p.persistedOutcomes, through);
    const merged = await this.ports.db.transaction("provider.health", async (tx) => {
      const current = await tx.get(docRef(collections.providers, p.id));
      if (!current) return null;
      const health = applyOutcomes(current.health, fresh, this.healthConfig);
      const update: Record<string, unknown> = {
        health,
        // The burn monitor's 24-hour view of this provider, persisted with health at no extra write.
        hourly: foldHourlyStats(current.hourly ?? [], fresh, now),
        updatedAt: now,
      };
      if (p.quota && current.dailyQuota !== null && final) {
        let periodKey: string | null = null;
        try {
          periodKey = quotaPeriodKey(now, current.resetTime, current.timezone);
        } catch {
          periodKey = null; // a misconfigured zone is reported by the ranking
        }
        if (periodKey) update.usage = settleQuota(current.usage, this.drainId, { periodKey: p.quota.periodKey, used: p.quota.used }, periodKey, now);
      }
      tx.update(docRef(collections.providers, p.id), update);
      return health;
    });
    p.persistedOutcomes = through;
    if (final) p.quota = null;
    // What every drain has seen: another drain's probe may have closed the circuit, or its failures opened it,
    // and this drain's ranking should know.
    if (merged) this.adoptStoredHealth(p, merged);
  }

  /** The stored health as this drain's view, with the outcomes it saw since it last persisted on top. */
  private adoptStoredHealth(p: ProviderRuntime, stored: ProviderRuntime["doc"]["health"]): void {
    p.doc = { ...p.doc, health: applyOutcomes(stored, p.outcomes.slice(p.persistedOutcomes), this.healthConfig) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => p.mailer?.close().catch(() => undefined)));
  }

  private get(id: string): ProviderRuntime {
    const p = this.providers.get(id);
    if (!p) throw new Error(`Unknown provider ${id}`);
    return p;
  }
}
