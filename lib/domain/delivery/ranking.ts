import {
  circuitState,
  DEFAULT_HEALTH_CONFIG,
  effectiveTrips,
  probeBusyUntil,
  windowCounts,
  type HealthConfig,
  type ProviderHealth,
} from "./provider-health";
import { nextQuotaReset, quotaPeriodKey, remainingQuota, type QuotaUsage } from "./quota";

export interface ProviderCandidate {
  id: string;
  name: string;
  /** Admin preference: lower is preferred. */
  priority: number;
  /** Admin switch; false keeps the provider out whatever its health. */
  enabled: boolean;
  dailyQuota: number | null;
  resetTime: string;
  timezone: string;
  usage: QuotaUsage | null;
  health: ProviderHealth;
}

export interface PenaltyWeights {
  failureRate: number;
  consecutiveFailures: number;
  latency: number;
  quota: number;
  trips: number;
  priority: number;
}

export interface RankingConfig {
  weights: PenaltyWeights;
  /** Latency at or under this costs nothing. */
  targetLatencyMs: number;
  /** A provider this many times slower than target is as bad as latency gets; slower adds nothing more. */
  maxLatencyRatio: number;
  /** Imaginary successes added to the window, so one failure out of one send does not read as 100 %. */
  failureRatePrior: number;
  health: HealthConfig;
}

/**
 * Scaled so one priority step is worth 1: a provider failing a quarter of its recent sends (4 × 0.25), or
 * running 2 s slow, gives up its preference to the next one down, but a brief blip does not.
 */
export const DEFAULT_RANKING_CONFIG: RankingConfig = {
  weights: { failureRate: 4, consecutiveFailures: 0.5, latency: 1, quota: 2, trips: 0.5, priority: 1 },
  targetLatencyMs: 1_000,
  maxLatencyRatio: 4,
  failureRatePrior: 2,
  health: DEFAULT_HEALTH_CONFIG,
};

export type PenaltyTerms = PenaltyWeights;

export interface RankedProvider {
  id: string;
  name: string;
  penalty: number;
  /** Each weighted term of the penalty, for the burn monitor to explain a ranking. */
  terms: PenaltyTerms;
  /**
   * The provider is half-open and this send would be its single probe: claim it (claimProbe) in a
   * transaction before sending, and send only one email through it.
   */
  probe: boolean;
  /** null when the provider has no daily limit. */
  remainingQuota: number | null;
  /** The quota period to count a send through this provider against (recordSends). */
  periodKey: string;
}

export type UnusableReason =
  | "disabled"
  | "auth"
  | "misconfigured"
  | "quota_exhausted"
  | "circuit_open"
  | "probe_in_flight"
  | "rate_limited";

export interface UnusableProvider {
  id: string;
  reason: UnusableReason;
  /** When it comes back by itself; absent when only an admin can bring it back. */
  until?: Date;
}

export interface Ranking {
  usable: RankedProvider[];
  unusable: UnusableProvider[];
  /** The earliest an unusable provider comes back by itself, so jobs can wait for it instead of failing. */
  nextUsableAt: Date | null;
}

/**
 * penalty = w.failureRate × fail / (ok + fail + prior)
 *   the recent reliability, over the sliding window so that it recovers by itself as failures age out;
 * + w.consecutiveFailures × consecutive failures
 *   reacts within a few sends, long before the window's average moves;
 * + w.latency × clamp(latencyEMA / target − 1, 0, maxRatio − 1)
 *   slow providers eat into a drain's time budget; under target nothing is gained by being faster;
 * + w.quota × (1 − remaining / dailyQuota)²
 *   spreads the day's sends so one provider is not spent by noon; squared so it bites only near the end;
 * + w.trips × trips not yet forgiven
 *   keeps a provider whose circuit just closed on probation instead of handing it full traffic at once;
 * + w.priority × priority
 *   the admin's preference, which decides between providers that are otherwise alike.
 */
export function penaltyTerms(
  provider: ProviderCandidate,
  remaining: number | null,
  now: Date,
  config: RankingConfig = DEFAULT_RANKING_CONFIG,
): PenaltyTerms {
  const { weights: w, health: healthConfig } = config;
  const { ok, fail } = windowCounts(provider.health, now, healthConfig);
  const failureRate = fail / (ok + fail + config.failureRatePrior);
  const ema = provider.health.latencyEmaMs;
  const slowness =
    ema === null ? 0 : Math.min(config.maxLatencyRatio - 1, Math.max(0, ema / config.targetLatencyMs - 1));
  const used =
    remaining === null || provider.dailyQuota === null || provider.dailyQuota <= 0
      ? 0
      : 1 - remaining / provider.dailyQuota;
  return {
    failureRate: w.failureRate * failureRate,
    consecutiveFailures: w.consecutiveFailures * provider.health.consecutiveFailures,
    latency: w.latency * slowness,
    quota: w.quota * used * used,
    trips: w.trips * effectiveTrips(provider.health, now, healthConfig),
    priority: w.priority * provider.priority,
  };
}

type Blocker = { reason: UnusableReason; until?: Date };

function blockers(
  provider: ProviderCandidate,
  now: Date,
  periodKey: string,
  remaining: number | null,
  config: RankingConfig,
): Blocker[] {
  const { health } = provider;
  const found: Blocker[] = [];
  if (!provider.enabled) found.push({ reason: "disabled" });
  if (health.disabled) found.push({ reason: "auth" });

  const reportedExhausted =
    health.quotaExhaustedAt !== null &&
    quotaPeriodKey(health.quotaExhaustedAt, provider.resetTime, provider.timezone) === periodKey;
  if (remaining === 0 || reportedExhausted) {
    found.push({ reason: "quota_exhausted", until: nextQuotaReset(now, provider.resetTime, provider.timezone) });
  }

  const circuit = circuitState(health, now);
  if (circuit === "open" && health.circuit.openUntil !== null) {
    found.push({ reason: "circuit_open", until: health.circuit.openUntil });
  }
  const probeUntil = probeBusyUntil(health, now, config.health);
  if (probeUntil !== null) found.push({ reason: "probe_in_flight", until: probeUntil });

  if (health.rateLimitedUntil !== null && health.rateLimitedUntil.getTime() > now.getTime()) {
    found.push({ reason: "rate_limited", until: health.rateLimitedUntil });
  }
  return found;
}

/** The blocker that lasts longest decides when the provider is really back; one without an end wins outright. */
function decisiveBlocker(found: readonly Blocker[]): Blocker | undefined {
  return found.reduce<Blocker | undefined>((worst, b) => {
    if (worst === undefined || worst.until === undefined) return worst ?? b;
    if (b.until === undefined || b.until.getTime() > worst.until.getTime()) return b;
    return worst;
  }, undefined);
}

/** Rounded so penalties that differ only by floating-point noise tie and fall through to the id. */
const roundPenalty = (p: number) => Math.round(p * 1e9) / 1e9;

export function rankProviders(
  providers: readonly ProviderCandidate[],
  now: Date,
  config: RankingConfig = DEFAULT_RANKING_CONFIG,
): Ranking {
  const usable: RankedProvider[] = [];
  const unusable: UnusableProvider[] = [];

  for (const provider of providers) {
    let periodKey: string;
    try {
      periodKey = quotaPeriodKey(now, provider.resetTime, provider.timezone);
    } catch (error) {
      // A bad timezone or reset time on one provider must not stop the drain from using the others.
      if (error instanceof RangeError) {
        unusable.push({ id: provider.id, reason: "misconfigured" });
        continue;
      }
      throw error;
    }
    const remaining = remainingQuota(provider.usage, provider.dailyQuota, periodKey);
    const blocker = decisiveBlocker(blockers(provider, now, periodKey, remaining, config));
    if (blocker) {
      unusable.push({ id: provider.id, reason: blocker.reason, ...(blocker.until ? { until: blocker.until } : {}) });
      continue;
    }
    const terms = penaltyTerms(provider, remaining, now, config);
    usable.push({
      id: provider.id,
      name: provider.name,
      penalty: roundPenalty(Object.values(terms).reduce((sum, t) => sum + t, 0)),
      terms,
      probe: circuitState(provider.health, now) === "half_open",
      remainingQuota: remaining,
      periodKey,
    });
  }

  // Probes go first: the probe is the only way a half-open provider ever returns, and ranked by its (still
  // high) penalty it would wait behind every healthy provider forever. It costs at most one email a retry.
  usable.sort(
    (a, b) =>
      Number(b.probe) - Number(a.probe) ||
      a.penalty - b.penalty ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  unusable.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const comebacks = unusable.flatMap((u) => (u.until ? [u.until.getTime()] : []));
  return { usable, unusable, nextUsableAt: comebacks.length > 0 ? new Date(Math.min(...comebacks)) : null };
}
