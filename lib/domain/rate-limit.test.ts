import { describe, expect, it } from "vitest";
import { clientKey, RateLimiter } from "./rate-limit";

const allowed = (limiter: RateLimiter, key: string, at: number, times: number) =>
  Array.from({ length: times }, () => limiter.take(key, at)).filter((d) => d.ok).length;

describe("RateLimiter", () => {
  it("lets a burst through, then refuses with the wait until the next request is allowed", () => {
    const limiter = new RateLimiter({ burst: 5, perMinute: 6 });
    expect(allowed(limiter, "a", 0, 5)).toBe(5);
    // One request every 10 s once the burst is spent.
    expect(limiter.take("a", 0)).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect(limiter.take("a", 4_000)).toEqual({ ok: false, retryAfterSeconds: 6 });
    expect(limiter.take("a", 10_000)).toEqual({ ok: true });
    expect(limiter.take("a", 10_000).ok).toBe(false);
  });

  it("keeps keys apart: one client spending its budget leaves another's untouched", () => {
    const limiter = new RateLimiter({ burst: 3, perMinute: 1 });
    expect(allowed(limiter, "attacker", 0, 50)).toBe(3);
    expect(allowed(limiter, "guest", 0, 3)).toBe(3);
  });

  it("refills up to the burst and no further, however long a client stays away", () => {
    const limiter = new RateLimiter({ burst: 4, perMinute: 60 });
    expect(allowed(limiter, "a", 0, 4)).toBe(4);
    expect(allowed(limiter, "a", 3_600_000, 10)).toBe(4);
  });

  it("refused requests do not deepen the debt: waiting the advertised time is enough", () => {
    const limiter = new RateLimiter({ burst: 1, perMinute: 6 });
    expect(limiter.take("a", 0).ok).toBe(true);
    let decision = limiter.take("a", 0);
    for (let i = 0; i < 100; i++) decision = limiter.take("a", 5_000);
    expect(decision).toEqual({ ok: false, retryAfterSeconds: 5 });
    expect(limiter.take("a", 10_000).ok).toBe(true);
  });

  it("holds at most maxKeys buckets, forgetting the least recently allowed first", () => {
    const limiter = new RateLimiter({ burst: 2, perMinute: 1 }, 3);
    for (const key of ["a", "b", "c"]) limiter.take(key, 0);
    limiter.take("a", 1); // a's second request: now the most recently allowed
    limiter.take("d", 2); // a fourth key: b, the least recently allowed, is forgotten
    expect(limiter.take("a", 3).ok).toBe(false);
    expect(limiter.take("c", 3).ok).toBe(true);
    expect(limiter.take("c", 3).ok).toBe(false);
    expect(allowed(limiter, "b", 3, 3)).toBe(2);
  });

  it("refuses a limit that could never allow anything", () => {
    expect(() => new RateLimiter({ burst: 0, perMinute: 1 })).toThrow(RangeError);
    expect(() => new RateLimiter({ burst: 1, perMinute: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ burst: 1, perMinute: Number.NaN })).toThrow(RangeError);
  });
});

describe("clientKey", () => {
  it("counts IPv4 by address, however it is written", () => {
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey(" ::ffff:203.0.113.7 ")).toBe("203.0.113.7");
  });

  it("counts IPv6 by /64, since one subscriber holds the whole prefix", () => {
    const key = clientKey("2001:db8:aa:bb::1");
    expect(key).toBe("2001:db8:aa:bb::/64");
    expect(clientKey("2001:0db8:00aa:00bb:ffff:1:2:3")).toBe(key);
    expect(clientKey("[2001:DB8:AA:BB:0:0:0:9]")).toBe(key);
    expect(clientKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientKey("2001:db8:aa:bc::1")).not.toBe(key);
  });

  it("keeps anything else as it came, so it cannot merge with a real address", () => {
    expect(clientKey("unknown")).toBe("unknown");
    expect(clientKey("1::2::3")).toBe("1::2::3");
  });
});
