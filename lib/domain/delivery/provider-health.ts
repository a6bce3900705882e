import { z } from "zod";
import type { SendErrorClass } from "../../ports/mailer";
import { DEFAULT_RATE_LIMIT_WAIT_MS } from "./job";

/**
 * Everything here is plain data (numbers, Dates, small arrays of maps) so one provider's health is one small
 * Firestore document or field. Firestore rejects nested arrays, hence buckets as maps rather than tuples.
 */
export interface OutcomeBucket {
  /** Epoch ms at which this bucket's time slice starts. */
  at: number;
  ok: number;
  fail: number;
}

export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitBreaker {
  /**
   * As stored. "open" whose openUntil has passed is half-open in effect: read it through circuitState, which
   * spares a write just to flip the state when the cooldown ends.
   */
  state: CircuitState;
  openUntil: Date | null;
  /** How many times the circuit opened recently; drives the cooldown length and decays while closed. */
  trips: number;
  closedAt: Date | null;
  probeStartedAt: Date | null;
}

export interface ProviderHealth {
  buckets: OutcomeBucket[];
  consecutiveFailures: number;
  latencyEmaMs: number | null;
  circuit: CircuitBreaker;
  disabled: { reason: "auth"; at: Date } | null;
  /** The provider asked us to slow down until then. */
  rateLimitedUntil: Date | null;
  /** The provider itself said its allowance is used up; it stays out until its quota period rolls over. */
  quotaExhaustedAt: Date | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
}

export interface HealthConfig {
  /** Consecutive transient failures that open the circuit. */
  failureThreshold: number;
  baseCooldownMs: number;
  maxCooldownMs: number;
  /** One trip is forgiven per this much time spent closed, so recovery is gradual. */
  tripDecayMs: number;
  /** A probe that never reports back (worker died) stops blocking the provider after this. */
  probeTimeoutMs: number;
  bucketMs: number;
  windowMs: number;
  /** Weight of the newest sample in the latency moving average. */
  latencyAlpha: number;
  rateLimitWaitMs: number;
}

export const DEFAULT_HEALTH_CONFIG: HealthConfig = {
  failureThreshold: 5,
  baseCooldownMs: 30_000,
  maxCooldownMs: 30 * 60_000,
  tripDecayMs: 10 * 60_000,
  probeTimeoutMs: 2 * 60_000,
  bucketMs: 60_000,
  windowMs: 15 * 60_000,
  latencyAlpha: 0.2,
  rateLimitWaitMs: DEFAULT_RATE_LIMIT_WAIT_MS,
};

export function initialHealth(): ProviderHealth {
  return {
    buckets: [],
    consecutiveFailures: 0,
    latencyEmaMs: null,
    circuit: { state: "closed", openUntil: null, trips: 0, closedAt: null, probeStartedAt: null },
    disabled: null,
    rateLimitedUntil: null,
    quotaExhaustedAt: null,
    lastSuccessAt: null,
    lastFailureAt: null,
  };
}

const date = z.date();
const nullableDate = date.nullable();

/** For the adapter's converter: Firestore Timestamps must already be Dates when this runs. */
export const providerHealthSchema: z.ZodType<ProviderHealth> = z.object({
  buckets: z.array(
    z.object({ at: z.number().int(), ok: z.number().int().nonnegative(), fail: z.number().int().nonnegative() }),
  ),
  consecutiveFailures: z.number().int().nonnegative(),
  latencyEmaMs: z.number().nonnegative().nullable(),
  circuit: z.object({
    state: z.enum(["closed", "open", "half_open"]),
    openUntil: nullableDate,
    trips: z.number().int().nonnegative(),
    closedAt: nullableDate,
    probeStartedAt: nullableDate,
  }),
  disabled: z.object({ reason: z.literal("auth"), at: date }).nullable(),
  rateLimitedUntil: nullableDate,
  quotaExhaustedAt: nullableDate,
  lastSuccessAt: nullableDate,
  lastFailureAt: nullableDate,
});

function inWindow(bucketAt: number, now: number, config: HealthConfig): boolean {
  return bucketAt > now - config.windowMs && bucketAt <= now;
}

function addToWindow(
  buckets: readonly OutcomeBucket[],
  at: number,
  field: "ok" | "fail",
  config: HealthConfig,
): OutcomeBucket[] {
  const slice = Math.floor(at / config.bucketMs) * config.bucketMs;
  const newest = Math.max(slice, ...buckets.map((b) => b.at));
  const kept = buckets.filter((b) => b.at > newest - config.windowMs);
  // An outcome reported after the window moved on is too old to say anything about the provider now.
  if (slice <= newest - config.windowMs) return kept;
  const existing = kept.find((b) => b.at === slice);
  const updated = existing
    ? kept.map((b) => (b === existing ? { ...b, [field]: b[field] + 1 } : b))
    : [...kept, { at: slice, ok: field === "ok" ? 1 : 0, fail: field === "fail" ? 1 : 0 }];
  return updated.sort((a, b) => a.at - b.at);
}

/** Successes and failures over the sliding window ending at `now`. */
export function windowCounts(
  health: ProviderHealth,
  now: Date,
  config: HealthConfig = DEFAULT_HEALTH_CONFIG,
): { ok: number; fail: number } {
  let ok = 0;
  let fail = 0;
  for (const b of health.buckets) {
    if (inWindow(b.at, now.getTime(), config)) {
      ok += b.ok;
      fail += b.fail;
    }
  }
  return { ok, fail };
}

function updateLatency(ema: number | null, latencyMs: number, config: HealthConfig): number | null {
  if (!Number.isFinite(latencyMs) || latencyMs < 0) return ema;
  return ema === null ? latencyMs : ema + config.latencyAlpha * (latencyMs - ema);
}

export function cooldownMs(trips: number, config: HealthConfig = DEFAULT_HEALTH_CONFIG): number {
  return Math.min(config.maxCooldownMs, config.baseCooldownMs * 2 ** Math.max(0, trips - 1));
}

/** Trips still held against the provider: one is forgiven for every tripDecayMs it has stayed closed. */
export function effectiveTrips(
  health: ProviderHealth,
  now: Date,
  config: HealthConfig = DEFAULT_HEALTH_CONFIG,
): number {
  const { circuit } = health;
  if (circuit.state !== "closed" || circuit.closedAt === null) return circuit.trips;
  const forgiven = Math.floor((now.getTime() - circuit.closedAt.getTime()) / config.tripDecayMs);
  return Math.max(0, circuit.trips - Math.max(0, forgiven));
}

function probeRunning(circuit: CircuitBreaker, now: Date, config: HealthConfig): boolean {
  return (
    circuit.probeStartedAt !== null && now.getTime() - circuit.probeStartedAt.getTime() < config.probeTimeoutMs
  );
}

export function circuitState(health: ProviderHealth, now: Date): CircuitState {
  const { circuit } = health;
  if (circuit.state === "open" && circuit.openUntil !== null && now.getTime() >= circuit.openUntil.getTime()) {
    return "half_open";
  }
  return circuit.state;
}

/** When a half-open provider's probe is still out, the time it stops blocking the provider; otherwise null. */
export function probeBusyUntil(
  health: ProviderHealth,
  now: Date,
  config: HealthConfig = DEFAULT_HEALTH_CONFIG,
): Date | null {
  const { circuit } = health;
  if (circuitState(health, now) !== "half_open" || !probeRunning(circuit, now, config)) return null;
  return new Date((circuit.probeStartedAt?.getTime() ?? 0) + config.probeTimeoutMs);
}

/**
 * Claims the single probe send of a half-open provider, or returns null when there is nothing to claim (not
 * half-open, or another probe is still out). Persist the result in a transaction before sending: that write
 * is what stops a concurrent drain from probing too.
 */
export function claimProbe(
  health: ProviderHealth,
  now: Date,
  config: HealthConfig = DEFAULT_HEALTH_CONFIG,
): ProviderHealth | null {
  if (circuitState(health, now) !== "half_open" || probeRunning(health.circuit, now, config)) return null;
  return { ...health, circuit: { ...health.circuit, state: "half_open", probeStartedAt: now } };
}

function trip(health: ProviderHealth, now: Date, config: HealthConfig): CircuitBreaker {
  const trips = effectiveTrips(health, now, config) + 1;
  return {
    state: "open",
    openUntil: new Date(now.getTime() + cooldownMs(trips, config)),
    trips,
    closedAt: health.circuit.closedAt,
    probeStartedAt: null,
  };
}

/**
 * Any well-formed answer proves the provider is reachable, which is all the breaker is about: a half-open
 * circuit closes, and the run of failures is broken.
 */
function answered(health: ProviderHealth, now: Date): ProviderHealth {
  const closes = circuitState(health, now) === "half_open";
  return {
    ...health,
    consecutiveFailures: 0,
    circuit: closes
      ? { ...health.circuit, state: "closed", openUntil: null, closedAt: now, probeStartedAt: null }
      : health.circuit,
  };
}

export function recordSuccess(
  health: ProviderHealth,
  latencyMs: number,
  now: Date,
  config: HealthConfig = DEFAULT_HEALTH_CONFIG,
): ProviderHealth {
  return {
    ...answered(health, now),
    buckets: addToWindow(health.buckets, now.getTime(), "ok", config),
    latencyEmaMs: updateLatency(health.latencyEmaMs, latencyMs, config),
    // Accepting mail disproves an earlier "quota exhausted" (a monthly allowance renewed, or a stale report).
    quotaExhaustedAt: null,
    lastSuccessAt: now,
  };
}

export function recordFailure(
  health: ProviderHealth,
  errorClass: SendErrorClass,
  latencyMs: number,
  now: Date,
  config: HealthConfig = DEFAULT_HEALTH_CONFIG,
  details: { retryAfterMs?: number } = {},
): ProviderHealth {
  const base: ProviderHealth = {
    ...health,
    latencyEmaMs: updateLatency(health.latencyEmaMs, latencyMs, config),
    lastFailureAt: now,
  };
  switch (errorClass) {
    case "transient": {
      const failed: ProviderHealth = {
        ...base,
        buckets: addToWindow(health.buckets, now.getTime(), "fail", config),
        consecutiveFailures: health.consecutiveFailures + 1,
      };
      const state = circuitState(health, now);
      const trips =
        state === "half_open" || (state === "closed" && failed.consecutiveFailures >= config.failureThreshold);
      return trips ? { ...failed, circuit: trip(health, now, config) } : failed;
    }
    case "rate_limited": {
      const asked = details.retryAfterMs;
      const wait = asked !== undefined && Number.isFinite(asked) && asked > 0 ? asked : config.rateLimitWaitMs;
      const until = now.getTime() + wait;
      const previous = health.rateLimitedUntil?.getTime() ?? 0;
      return { ...answered(base, now), rateLimitedUntil: new Date(Math.max(previous, until)) };
    }
    case "quota_exhausted":
      return { ...answered(base, now), quotaExhaustedAt: now };
    case "auth":
      // Wrong credentials do not fix themselves; retrying would only burn every queued job's deferrals.
      return {
        ...base,
        disabled: health.disabled ?? { reason: "auth", at: now },
        circuit: { ...health.circuit, probeStartedAt: null },
      };
    case "permanent_recipient":
    case "permanent":
      // The provider did its job; the fault lies with the email, so it counts in the provider's favour.
      return { ...answered(base, now), buckets: addToWindow(health.buckets, now.getTime(), "ok", config) };
  }
}

/** An admin fixed the credentials: back into rotation, without the failure streak that led here. */
export function reenable(health: ProviderHealth): ProviderHealth {
  return { ...health, disabled: null, consecutiveFailures: 0 };
}

export type HealthOutcome =
  | { at: Date; ok: true; latencyMs: number }
  | { at: Date; ok: false; errorClass: SendErrorClass; latencyMs: number; retryAfterMs?: number };

/**
 * Folds a drain's outcomes into a health record in time order. A drain keeps its outcomes in memory and, at
 * the end, re-reads the stored health in a transaction and applies them to that, so concurrent drains add up
 * instead of overwriting each other's view.
 */
export function applyOutcomes(
  health: ProviderHealth,
  outcomes: readonly HealthOutcome[],
  config: HealthConfig = DEFAULT_HEALTH_CONFIG,
): ProviderHealth {
  const ordered = [...outcomes].sort((a, b) => a.at.getTime() - b.at.getTime());
  return ordered.reduce<ProviderHealth>(
    (current, o) =>
      o.ok
        ? recordSuccess(current, o.latencyMs, o.at, config)
        : recordFailure(
            current,
            o.errorClass,
            o.latencyMs,
            o.at,
            config,
            o.retryAfterMs === undefined ? {} : { retryAfterMs: o.retryAfterMs },
          ),
    health,
  );
}
