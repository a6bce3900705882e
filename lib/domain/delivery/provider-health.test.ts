import { describe, expect, it } from "vitest";
import {
  applyOutcomes,
  circuitState,
  claimProbe,
  cooldownMs,
  DEFAULT_HEALTH_CONFIG,
  effectiveTrips,
  initialHealth,
  probeBusyUntil,
  providerHealthSchema,
  recordFailure,
  recordSuccess,
  reenable,
  windowCounts,
  type HealthOutcome,
  type ProviderHealth,
} from "./provider-health";

const T0 = new Date("2026-05-01T12:00:00Z").getTime();
const at = (seconds: number) => new Date(T0 + seconds * 1000);

function failTimes(health: ProviderHealth, count: number, startSecond = 0): ProviderHealth {
  let h = health;
  for (let i = 0; i < count; i++) h = recordFailure(h, "transient", 200, at(startSecond + i));
  return h;
}

function mustClaim(health: ProviderHealth, when: Date): ProviderHealth {
  const claimed = claimProbe(health, when);
  if (claimed === null) throw new Error(`no probe available at ${when.toISOString()}`);
  return claimed;
}

describe("circuit breaker", () => {
  it("stops traffic to a provider failing 5 times in a row for 30 s, then allows exactly one probe", () => {
    const four = failTimes(initialHealth(), 4);
    expect(circuitState(four, at(4))).toBe("closed");

    const five = failTimes(four, 1, 4);
    expect(circuitState(five, at(4))).toBe("open");
    expect(five.circuit.openUntil).toEqual(at(34));
    expect(circuitState(five, at(33.999))).toBe("open");
    expect(claimProbe(five, at(33))).toBeNull();

    expect(circuitState(five, at(34))).toBe("half_open");
    const probing = mustClaim(five, at(34));
    expect(claimProbe(probing, at(35))).toBeNull();
    expect(probeBusyUntil(probing, at(35))).toEqual(at(34 + DEFAULT_HEALTH_CONFIG.probeTimeoutMs / 1000));
  });

  it("does not trip when a success breaks the run of failures", () => {
    const h = failTimes(recordSuccess(failTimes(initialHealth(), 4), 100, at(5)), 4, 6);
    expect(h.consecutiveFailures).toBe(4);
    expect(circuitState(h, at(10))).toBe("closed");
  });

  it("closes the circuit when the probe succeeds", () => {
    const open = failTimes(initialHealth(), 5);
    const closed = recordSuccess(mustClaim(open, at(40)), 300, at(41));
    expect(circuitState(closed, at(41))).toBe("closed");
    expect(closed.circuit.probeStartedAt).toBeNull();
    expect(closed.consecutiveFailures).toBe(0);
  });

  it("re-opens for twice as long when the probe fails, up to 30 minutes", () => {
    let h = failTimes(initialHealth(), 5);
    const cooldowns: number[] = [];
    let t = 4;
    for (let i = 0; i < 8; i++) {
      cooldowns.push(((h.circuit.openUntil?.getTime() ?? 0) - at(t).getTime()) / 1000);
      t = ((h.circuit.openUntil?.getTime() ?? 0) - T0) / 1000;
      h = recordFailure(mustClaim(h, at(t)), "transient", 5_000, at(t));
    }
    expect(cooldowns).toEqual([30, 60, 120, 240, 480, 960, 1800, 1800]);
    expect(cooldownMs(20)).toBe(30 * 60_000);
  });

  it("forgives past trips gradually rather than all at once", () => {
    const tripOnce = (h: ProviderHealth, from: number) => failTimes(h, 5, from);
    let h = tripOnce(initialHealth(), 0); // trip 1
    h = recordFailure(mustClaim(h, at(34)), "transient", 100, at(34)); // trip 2, open 60 s
    h = recordSuccess(mustClaim(h, at(94)), 100, at(94));
    expect(effectiveTrips(h, at(95))).toBe(2);

    // Failing again right away: the cooldown remembers the recent trouble (third trip → 120 s).
    const soon = tripOnce(h, 100);
    expect((soon.circuit.openUntil?.getTime() ?? 0) - at(104).getTime()).toBe(120_000);

    // Ten quiet minutes forgive one trip, twenty forgive both.
    expect(effectiveTrips(h, at(94 + 600))).toBe(1);
    const later = tripOnce(h, 94 + 600);
    expect((later.circuit.openUntil?.getTime() ?? 0) - at(94 + 604).getTime()).toBe(60_000);
    expect(effectiveTrips(h, at(94 + 1200))).toBe(0);
    const muchLater = tripOnce(h, 94 + 1200);
    expect((muchLater.circuit.openUntil?.getTime() ?? 0) - at(94 + 1204).getTime()).toBe(30_000);
  });

  it("frees the probe slot when the worker sending the probe died", () => {
    const probing = mustClaim(failTimes(initialHealth(), 5), at(34));
    const timeout = DEFAULT_HEALTH_CONFIG.probeTimeoutMs / 1000;
    expect(claimProbe(probing, at(34 + timeout - 1))).toBeNull();
    expect(claimProbe(probing, at(34 + timeout))).not.toBeNull();
    expect(probeBusyUntil(probing, at(34 + timeout))).toBeNull();
  });

  it("has nothing to probe while closed", () => {
    expect(claimProbe(initialHealth(), at(0))).toBeNull();
    expect(probeBusyUntil(initialHealth(), at(0))).toBeNull();
  });

  it("does not extend the cooldown for late failures of sends started before the trip", () => {
    const open = failTimes(initialHealth(), 5);
    const late = failTimes(open, 3, 5);
    expect(late.circuit.openUntil).toEqual(open.circuit.openUntil);
    expect(late.circuit.trips).toBe(1);
  });

  it("treats an invalid-recipient answer as proof the provider works", () => {
    const h = recordFailure(failTimes(initialHealth(), 4), "permanent_recipient", 100, at(5));
    expect(failTimes(h, 1, 6).consecutiveFailures).toBe(1);
    expect(circuitState(failTimes(h, 1, 6), at(6))).toBe("closed");
    const probe = recordFailure(mustClaim(failTimes(initialHealth(), 5), at(40)), "permanent", 100, at(41));
    expect(circuitState(probe, at(41))).toBe("closed");
  });
});

describe("auth failures", () => {
  it("take the provider out of rotation after a single failure, until an admin re-enables it", () => {
    const h = recordFailure(initialHealth(), "auth", 50, at(0));
    expect(h.disabled).toEqual({ reason: "auth", at: at(0) });
    expect(recordSuccess(h, 50, at(1)).disabled).not.toBeNull();
    expect(recordFailure(h, "auth", 50, at(9)).disabled?.at).toEqual(at(0));
    expect(reenable(h).disabled).toBeNull();
  });

  it("do not count as the provider being down", () => {
    const h = recordFailure(initialHealth(), "auth", 50, at(0));
    expect(h.consecutiveFailures).toBe(0);
    expect(windowCounts(h, at(0))).toEqual({ ok: 0, fail: 0 });
  });
});

describe("rate limits and quota reports", () => {
  it("hold the provider back for as long as it asked, without counting toward the circuit", () => {
    const h = recordFailure(failTimes(initialHealth(), 4), "rate_limited", 80, at(5), DEFAULT_HEALTH_CONFIG, {
      retryAfterMs: 20_000,
    });
    expect(h.rateLimitedUntil).toEqual(at(25));
    expect(h.consecutiveFailures).toBe(0);
    expect(windowCounts(h, at(5)).fail).toBe(4);
  });

  it("fall back to a default wait, and a shorter Retry-After never cuts a longer one short", () => {
    const h = recordFailure(initialHealth(), "rate_limited", 80, at(0));
    expect(h.rateLimitedUntil).toEqual(at(DEFAULT_HEALTH_CONFIG.rateLimitWaitMs / 1000));
    const shorter = recordFailure(h, "rate_limited", 80, at(1), DEFAULT_HEALTH_CONFIG, { retryAfterMs: 1_000 });
    expect(shorter.rateLimitedUntil).toEqual(h.rateLimitedUntil);
  });

  it("remember when the provider said its quota ran out, until it accepts mail again", () => {
    const h = recordFailure(initialHealth(), "quota_exhausted", 80, at(0));
    expect(h.quotaExhaustedAt).toEqual(at(0));
    expect(recordSuccess(h, 80, at(100)).quotaExhaustedAt).toBeNull();
  });
});

describe("sliding window", () => {
  it("forgets failures older than 15 minutes, so the failure rate recovers gradually", () => {
    let h = failTimes(initialHealth(), 3);
    h = recordSuccess(h, 100, at(300));
    expect(windowCounts(h, at(300))).toEqual({ ok: 1, fail: 3 });
    expect(windowCounts(h, at(14 * 60))).toEqual({ ok: 1, fail: 3 });
    expect(windowCounts(h, at(15 * 60))).toEqual({ ok: 1, fail: 0 });
    expect(windowCounts(h, at(20 * 60))).toEqual({ ok: 0, fail: 0 });
  });

  it("stays small however much traffic went through", () => {
    let h = initialHealth();
    for (let s = 0; s < 24 * 3600; s += 7) {
      h = s % 5 === 0 ? recordFailure(h, "transient", 900, at(s)) : recordSuccess(h, 300, at(s));
    }
    expect(h.buckets.length).toBeLessThanOrEqual(DEFAULT_HEALTH_CONFIG.windowMs / DEFAULT_HEALTH_CONFIG.bucketMs);
    expect(JSON.stringify(h).length).toBeLessThan(1_500);
  });

  it("ignores an outcome reported after the window moved past it", () => {
    const h = recordSuccess(initialHealth(), 100, at(3600));
    const late = recordFailure(h, "transient", 100, at(0));
    expect(late.buckets).toEqual(h.buckets);
  });
});

describe("latency", () => {
  it("follows an exponential moving average that a single slow send nudges but does not dominate", () => {
    let h = recordSuccess(initialHealth(), 1_000, at(0));
    expect(h.latencyEmaMs).toBe(1_000);
    h = recordSuccess(h, 6_000, at(1));
    expect(h.latencyEmaMs).toBe(2_000);
    h = recordFailure(h, "transient", 2_000, at(2));
    expect(h.latencyEmaMs).toBe(2_000);
    expect(recordSuccess(h, Number.NaN, at(3)).latencyEmaMs).toBe(2_000);
  });
});

describe("applyOutcomes", () => {
  const outcomes: HealthOutcome[] = [
    { at: at(3), ok: false, errorClass: "transient", latencyMs: 900 },
    { at: at(1), ok: true, latencyMs: 100 },
    { at: at(2), ok: false, errorClass: "rate_limited", latencyMs: 50, retryAfterMs: 10_000 },
  ];

  it("gives the same health as recording each outcome as it happened", () => {
    let expected = recordSuccess(initialHealth(), 100, at(1));
    expected = recordFailure(expected, "rate_limited", 50, at(2), DEFAULT_HEALTH_CONFIG, { retryAfterMs: 10_000 });
    expected = recordFailure(expected, "transient", 900, at(3));
    expect(applyOutcomes(initialHealth(), outcomes)).toEqual(expected);
  });

  it("lets two drains that ran at the same time both count when persisted one after the other", () => {
    const failuresAt = (seconds: number[]): HealthOutcome[] =>
      seconds.map((s) => ({ at: at(s), ok: false, errorClass: "transient", latencyMs: 1 }));
    const drainA = failuresAt([0, 1, 2]);
    const drainB = failuresAt([0.5, 1.5]);
    const stored = applyOutcomes(applyOutcomes(initialHealth(), drainA), drainB);
    expect(windowCounts(stored, at(3)).fail).toBe(5);
    expect(circuitState(stored, at(3))).toBe("open");
  });
});

describe("providerHealthSchema", () => {
  it("accepts what the domain produces and rejects a document with strings for dates", () => {
    const busy = applyOutcomes(initialHealth(), [
      { at: at(0), ok: true, latencyMs: 10 },
      { at: at(1), ok: false, errorClass: "auth", latencyMs: 10 },
    ]);
    expect(providerHealthSchema.parse(busy)).toEqual(busy);
    expect(providerHealthSchema.safeParse(initialHealth()).success).toBe(true);
    expect(providerHealthSchema.safeParse(JSON.parse(JSON.stringify(busy))).success).toBe(false);
  });
});
