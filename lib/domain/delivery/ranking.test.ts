import { describe, expect, it } from "vitest";
import {
  applyOutcomes,
  claimProbe,
  initialHealth,
  recordFailure,
  recordSuccess,
  type HealthOutcome,
  type ProviderHealth,
} from "./provider-health";
import { quotaPeriodKey } from "./quota";
import { penaltyTerms, rankProviders, type ProviderCandidate } from "./ranking";

const NOW = new Date("2026-05-01T12:00:00Z"); // 21:00 in Tokyo, 17:30 in Kolkata, 08:00 in New York
const later = (seconds: number, from = NOW) => new Date(from.getTime() + seconds * 1000);

function provider(id: string, overrides: Partial<ProviderCandidate> = {}): ProviderCandidate {
  return {
    id,
    name: id.toUpperCase(),
    priority: 0,
    enabled: true,
    dailyQuota: null,
    resetTime: "00:00",
    timezone: "UTC",
    usage: null,
    health: initialHealth(),
    ...overrides,
  };
}

function outcomes(pattern: string, from = NOW): HealthOutcome[] {
  // "s" success, "f" transient failure, one per second ending at `from`.
  return [...pattern].map((c, i) => {
    const at = later(i - pattern.length, from);
    return c === "s"
      ? { at, ok: true, latencyMs: 200 }
      : { at, ok: false, errorClass: "transient", latencyMs: 200 };
  });
}

function withHistory(pattern: string, from = NOW): ProviderHealth {
  return applyOutcomes(initialHealth(), outcomes(pattern, from));
}

const ids = (r: { usable: { id: string }[] }) => r.usable.map((p) => p.id);

describe("rankProviders: preference and penalties", () => {
  it("prefers the admin's priority among healthy providers and breaks ties by id", () => {
    const r = rankProviders([provider("zeta", { priority: 1 }), provider("beta"), provider("alpha")], NOW);
    expect(ids(r)).toEqual(["alpha", "beta", "zeta"]);
    expect(r.unusable).toEqual([]);
    expect(r.nextUsableAt).toBeNull();
  });

  it("moves traffic off a preferred provider that keeps failing", () => {
    const shaky = provider("primary", { priority: 0, health: withHistory("sfsfsf") });
    const steady = provider("backup", { priority: 1, health: withHistory("ssssss") });
    expect(ids(rankProviders([shaky, steady], NOW))).toEqual(["backup", "primary"]);
  });

  it("keeps the preferred provider after a single blip", () => {
    const blip = provider("primary", { priority: 0, health: withHistory("sssssssssf" + "s") });
    const steady = provider("backup", { priority: 1, health: withHistory("ssssssssss") });
    expect(ids(rankProviders([blip, steady], NOW))).toEqual(["primary", "backup"]);
  });

  it("sends less through a slow provider, but being faster than 1 s earns nothing", () => {
    const slow = provider("a", { health: recordSuccess(initialHealth(), 3_000, NOW) });
    const fast = provider("b", { health: recordSuccess(initialHealth(), 200, NOW) });
    const ok = provider("c", { health: recordSuccess(initialHealth(), 900, NOW) });
    const r = rankProviders([slow, fast, ok], NOW);
    expect(ids(r)).toEqual(["b", "c", "a"]);
    expect(r.usable.find((p) => p.id === "c")?.terms.latency).toBe(0);
    expect(r.usable.find((p) => p.id === "a")?.terms.latency).toBe(2);
  });

  it("spreads the day's sends: a provider nearly at its quota yields to one with headroom", () => {
    const key = quotaPeriodKey(NOW, "00:00", "UTC");
    const nearlySpent = provider("a", { dailyQuota: 100, usage: { periodKey: key, sent: 90 } });
    const fresh = provider("b", { dailyQuota: 100, usage: { periodKey: key, sent: 10 } });
    const r = rankProviders([nearlySpent, fresh], NOW);
    expect(ids(r)).toEqual(["b", "a"]);
    expect(r.usable[1]?.remainingQuota).toBe(10);
  });

  it("does not penalise an unlimited provider for quota", () => {
    const r = rankProviders([provider("smtp", { usage: { periodKey: "2026-05-01", sent: 5_000 } })], NOW);
    expect(r.usable[0]?.remainingQuota).toBeNull();
    expect(r.usable[0]?.terms.quota).toBe(0);
  });

  it("adds up the documented terms", () => {
    let health = withHistory("sf"); // 1 ok, 1 fail, ends in one consecutive failure
    health = recordSuccess(health, 2_000, later(-1)); // resets the run; EMA now 200 + 0.2 × 1800 = 560
    health = recordFailure(health, "transient", 3_000, NOW); // EMA 560 + 0.2 × 2440 = 1048
    const p = provider("p", { priority: 2, dailyQuota: 10, usage: { periodKey: "2026-05-01", sent: 5 }, health });
    const terms = penaltyTerms(p, 5, NOW);
    expect(terms.failureRate).toBeCloseTo(4 * (2 / (2 + 2 + 2)));
    expect(terms.consecutiveFailures).toBe(0.5);
    expect(terms.latency).toBeCloseTo(0.048);
    expect(terms.quota).toBeCloseTo(2 * 0.25);
    expect(terms.trips).toBe(0);
    expect(terms.priority).toBe(2);
    const ranked = rankProviders([p], NOW).usable[0];
    expect(ranked?.penalty).toBeCloseTo(4 / 3 + 0.5 + 0.048 + 0.5 + 2);
  });
});

describe("rankProviders: quotas", () => {
  const tokyo = (sent: number, quota = 100) =>
    provider("resend", {
      dailyQuota: quota,
      resetTime: "09:00",
      timezone: "Asia/Tokyo",
      usage: { periodKey: quotaPeriodKey(NOW, "09:00", "Asia/Tokyo"), sent },
    });

  it("skips a provider at its quota until its reset at 09:00 Tokyo time, then uses it again", () => {
    const r = rankProviders([tokyo(100), provider("smtp", { priority: 5 })], NOW);
    expect(ids(r)).toEqual(["smtp"]);
    expect(r.unusable).toEqual([{ id: "resend", reason: "quota_exhausted", until: new Date("2026-05-02T00:00:00Z") }]);

    const afterReset = rankProviders([tokyo(100)], new Date("2026-05-02T00:00:00Z"));
    expect(ids(afterReset)).toEqual(["resend"]);
    expect(afterReset.usable[0]?.remainingQuota).toBe(100);
    expect(afterReset.usable[0]?.periodKey).toBe("2026-05-02");
  });

  it("still uses a provider with one send left", () => {
    expect(ids(rankProviders([tokyo(99)], NOW))).toEqual(["resend"]);
  });

  it("believes the provider when it says its quota ran out before our count did", () => {
    const health = recordFailure(initialHealth(), "quota_exhausted", 100, later(-60));
    const p = provider("sendgrid", { dailyQuota: 100, health, resetTime: "00:00", timezone: "America/New_York" });
    const r = rankProviders([p], NOW);
    expect(r.usable).toEqual([]);
    const midnightInNewYork = new Date("2026-05-02T04:00:00Z");
    expect(r.unusable).toEqual([{ id: "sendgrid", reason: "quota_exhausted", until: midnightInNewYork }]);
    expect(ids(rankProviders([p], midnightInNewYork))).toEqual(["sendgrid"]);
  });

  it("when every provider is exhausted, says to wait for the earliest reset", () => {
    const spent = (id: string, resetTime: string, timezone: string) =>
      provider(id, {
        dailyQuota: 50,
        resetTime,
        timezone,
        usage: { periodKey: quotaPeriodKey(NOW, resetTime, timezone), sent: 50 },
      });
    const r = rankProviders(
      [
        spent("tokyo", "09:00", "Asia/Tokyo"), // next reset 2026-05-02T00:00Z
        spent("kolkata", "00:00", "Asia/Kolkata"), // next reset 2026-05-01T18:30Z
        spent("utc", "00:00", "UTC"), // next reset 2026-05-02T00:00Z
      ],
      NOW,
    );
    expect(r.usable).toEqual([]);
    expect(r.nextUsableAt).toEqual(new Date("2026-05-01T18:30:00Z"));
    expect(r.unusable.map((u) => u.id)).toEqual(["kolkata", "tokyo", "utc"]);
  });
});

describe("rankProviders: circuit breaker", () => {
  const failing = () => withHistory("fffff", later(1)); // fifth failure at NOW → open until NOW + 30 s

  it("gives a provider that failed 5 times in a row no traffic for 30 s, then exactly one probe", () => {
    const backup = provider("backup", { priority: 3 });
    const during = rankProviders([provider("primary", { health: failing() }), backup], later(29));
    expect(ids(during)).toEqual(["backup"]);
    expect(during.unusable).toEqual([{ id: "primary", reason: "circuit_open", until: later(30) }]);
    expect(during.nextUsableAt).toEqual(later(30));

    const after = rankProviders([provider("primary", { health: failing() }), backup], later(30));
    expect(after.usable.map((p) => [p.id, p.probe])).toEqual([
      ["primary", true],
      ["backup", false],
    ]);

    const claimed = claimProbe(failing(), later(30));
    if (claimed === null) throw new Error("probe should be claimable");
    const probing = rankProviders([provider("primary", { health: claimed }), backup], later(31));
    expect(ids(probing)).toEqual(["backup"]);
    expect(probing.unusable[0]?.reason).toBe("probe_in_flight");
  });

  it("eases a recovered provider back in rather than giving it full traffic at once", () => {
    const claimed = claimProbe(failing(), later(30));
    if (claimed === null) throw new Error("probe should be claimable");
    const recovered = recordSuccess(claimed, 200, later(31));
    const candidates = (h: ProviderHealth) => [
      provider("primary", { priority: 0, health: h }),
      provider("backup", { priority: 1 }),
    ];

    expect(ids(rankProviders(candidates(recovered), later(32)))).toEqual(["backup", "primary"]);
    // After the failures leave the 15-minute window and the trip is forgiven, it is preferred again.
    expect(ids(rankProviders(candidates(recovered), later(31 + 20 * 60)))).toEqual(["primary", "backup"]);
  });
});

describe("rankProviders: out of rotation", () => {
  it("leaves out providers an admin disabled or whose credentials failed, with no return time", () => {
    const r = rankProviders(
      [
        provider("off", { enabled: false }),
        provider("badkey", { health: recordFailure(initialHealth(), "auth", 10, NOW) }),
        provider("ok"),
      ],
      NOW,
    );
    expect(ids(r)).toEqual(["ok"]);
    expect(r.unusable).toEqual([
      { id: "badkey", reason: "auth" },
      { id: "off", reason: "disabled" },
    ]);
    expect(r.nextUsableAt).toBeNull();
  });

  it("waits out a provider's Retry-After", () => {
    const health = recordFailure(initialHealth(), "rate_limited", 10, NOW, undefined, { retryAfterMs: 15_000 });
    const r = rankProviders([provider("resend", { health })], later(5));
    expect(r.unusable).toEqual([{ id: "resend", reason: "rate_limited", until: later(15) }]);
    expect(ids(rankProviders([provider("resend", { health })], later(15)))).toEqual(["resend"]);
  });

  it("reports the blocker that lasts longest when several apply", () => {
    const health = withHistory("fffff", later(1));
    const spent = provider("p", {
      health,
      dailyQuota: 10,
      usage: { periodKey: "2026-05-01", sent: 10 },
    });
    expect(rankProviders([spent], NOW).unusable).toEqual([
      { id: "p", reason: "quota_exhausted", until: new Date("2026-05-02T00:00:00Z") },
    ]);
    const alsoRateLimited = recordFailure(health, "rate_limited", 10, NOW, undefined, { retryAfterMs: 600_000 });
    expect(rankProviders([provider("q", { health: alsoRateLimited })], NOW).unusable).toEqual([
      { id: "q", reason: "rate_limited", until: later(600) },
    ]);
    const adminOff = { ...spent, enabled: false };
    expect(rankProviders([adminOff], NOW).unusable).toEqual([{ id: "p", reason: "disabled" }]);
  });

  it("keeps using the other providers when one has a broken timezone", () => {
    const r = rankProviders([provider("typo", { timezone: "Europe/Parris" }), provider("ok")], NOW);
    expect(ids(r)).toEqual(["ok"]);
    expect(r.unusable).toEqual([{ id: "typo", reason: "misconfigured" }]);
  });
});
