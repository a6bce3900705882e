import { describe, expect, it } from "vitest";
import { grantQuota, isResetTime, nextQuotaReset, quotaPeriodKey, recordSends, remainingQuota, settleQuota } from "./quota";

const at = (iso: string) => new Date(iso);

describe("quotaPeriodKey", () => {
  it("keeps the small hours before the reset in the previous day's period", () => {
    expect(quotaPeriodKey(at("2026-05-02T00:30:00Z"), "01:00", "UTC")).toBe("2026-05-01");
    expect(quotaPeriodKey(at("2026-05-02T00:59:59Z"), "01:00", "UTC")).toBe("2026-05-01");
    expect(quotaPeriodKey(at("2026-05-02T01:00:00Z"), "01:00", "UTC")).toBe("2026-05-02");
  });

  it("follows the provider's timezone east of UTC (Tokyo, reset 09:00 = 00:00 UTC)", () => {
    expect(quotaPeriodKey(at("2026-05-01T23:59:00Z"), "09:00", "Asia/Tokyo")).toBe("2026-05-01");
    expect(quotaPeriodKey(at("2026-05-02T00:00:00Z"), "09:00", "Asia/Tokyo")).toBe("2026-05-02");
  });

  it("handles a half-hour offset (Kolkata, midnight = 18:30 UTC the day before)", () => {
    expect(quotaPeriodKey(at("2026-05-01T18:29:00Z"), "00:00", "Asia/Kolkata")).toBe("2026-05-01");
    expect(quotaPeriodKey(at("2026-05-01T18:30:00Z"), "00:00", "Asia/Kolkata")).toBe("2026-05-02");
  });

  it("starts the period when New York's clocks jump over a reset time that does not exist that day", () => {
    // 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00 UTC, so 02:30 never shows on the clock.
    expect(quotaPeriodKey(at("2026-03-08T06:59:00Z"), "02:30", "America/New_York")).toBe("2026-03-07");
    expect(quotaPeriodKey(at("2026-03-08T07:00:00Z"), "02:30", "America/New_York")).toBe("2026-03-08");
  });

  it("does not hand back yesterday's period when New York's clocks go back over the reset time", () => {
    // 2026-11-01: 01:30 EDT (05:30Z) starts the period; at 06:00Z clocks read 01:00 again (EST).
    const key = (iso: string) => quotaPeriodKey(at(iso), "01:30", "America/New_York");
    expect(key("2026-11-01T05:29:00Z")).toBe("2026-10-31");
    expect(key("2026-11-01T05:30:00Z")).toBe("2026-11-01");
    expect(key("2026-11-01T06:10:00Z")).toBe("2026-11-01"); // 01:10 EST, second pass
    expect(key("2026-11-01T06:40:00Z")).toBe("2026-11-01"); // 01:40 EST, no second reset
    expect(key("2026-11-02T06:29:00Z")).toBe("2026-11-01");
    expect(key("2026-11-02T06:30:00Z")).toBe("2026-11-02");
  });

  it("rejects malformed reset times and unknown timezones", () => {
    expect(() => quotaPeriodKey(at("2026-05-01T00:00:00Z"), "9:00", "UTC")).toThrow(RangeError);
    expect(() => quotaPeriodKey(at("2026-05-01T00:00:00Z"), "24:00", "UTC")).toThrow(RangeError);
    expect(() => quotaPeriodKey(at("2026-05-01T00:00:00Z"), "09:00", "Mars/Olympus")).toThrow(RangeError);
    expect(isResetTime("23:59")).toBe(true);
    expect(isResetTime("12:60")).toBe(false);
  });
});

describe("nextQuotaReset", () => {
  it("is 09:00 Tokyo time", () => {
    expect(nextQuotaReset(at("2026-05-01T12:00:00Z"), "09:00", "Asia/Tokyo")).toEqual(at("2026-05-02T00:00:00Z"));
    expect(nextQuotaReset(at("2026-05-01T23:59:59Z"), "09:00", "Asia/Tokyo")).toEqual(at("2026-05-02T00:00:00Z"));
    expect(nextQuotaReset(at("2026-05-02T00:00:00Z"), "09:00", "Asia/Tokyo")).toEqual(at("2026-05-03T00:00:00Z"));
  });

  it("is Kolkata midnight at 18:30 UTC", () => {
    expect(nextQuotaReset(at("2026-05-01T12:00:00Z"), "00:00", "Asia/Kolkata")).toEqual(at("2026-05-01T18:30:00Z"));
  });

  it("lands on 03:00 EDT when the reset time falls in the spring-forward gap", () => {
    expect(nextQuotaReset(at("2026-03-08T05:00:00Z"), "02:30", "America/New_York")).toEqual(
      at("2026-03-08T07:00:00Z"),
    );
  });

  it("makes the spring-forward day 23 hours and the fall-back day 25 hours long", () => {
    const spring = at("2026-03-08T05:00:00Z"); // midnight EST
    expect(nextQuotaReset(spring, "00:00", "America/New_York")).toEqual(at("2026-03-09T04:00:00Z"));
    const fall = at("2026-11-01T04:00:00Z"); // midnight EDT
    expect(nextQuotaReset(fall, "00:00", "America/New_York")).toEqual(at("2026-11-02T05:00:00Z"));
  });

  it("resets once, not twice, when the reset time repeats as clocks go back", () => {
    expect(nextQuotaReset(at("2026-11-01T05:00:00Z"), "01:30", "America/New_York")).toEqual(
      at("2026-11-01T05:30:00Z"),
    );
    expect(nextQuotaReset(at("2026-11-01T06:10:00Z"), "01:30", "America/New_York")).toEqual(
      at("2026-11-02T06:30:00Z"),
    );
  });

  it.each([
    ["America/New_York", "2026-03-07T00:00:00Z", ["00:00", "01:30", "02:30", "03:00"]],
    ["America/New_York", "2026-10-31T00:00:00Z", ["00:00", "01:00", "01:30", "02:00"]],
    ["Australia/Lord_Howe", "2026-04-04T00:00:00Z", ["01:45", "02:00"]],
    ["Asia/Kolkata", "2026-05-01T00:00:00Z", ["00:00", "05:30"]],
  ] as const)("agrees with quotaPeriodKey at every step around transitions in %s", (zone, startIso, resets) => {
    const start = at(startIso).getTime();
    for (const reset of resets) {
      let previousKey = "";
      for (let t = start; t < start + 3 * 86_400_000; t += 11 * 60_000 + 7_000) {
        const now = new Date(t);
        const key = quotaPeriodKey(now, reset, zone);
        expect(key >= previousKey, `${zone} ${reset} ${now.toISOString()} went back`).toBe(true);
        previousKey = key;
        const next = nextQuotaReset(now, reset, zone);
        expect(next.getTime()).toBeGreaterThan(t);
        expect(next.getTime() - t).toBeLessThanOrEqual(25 * 3600_000);
        expect(quotaPeriodKey(next, reset, zone) > key).toBe(true);
        expect(quotaPeriodKey(new Date(next.getTime() - 1000), reset, zone)).toBe(key);
      }
    }
    // Thousands of bisections over a zone's clock: seconds of CPU on a busy 2-core machine.
  }, 60_000);
});

describe("remainingQuota", () => {
  it("counts what was sent in the current period", () => {
    expect(remainingQuota({ periodKey: "2026-05-01", sent: 60 }, 100, "2026-05-01")).toBe(40);
  });

  it("gives the full quota back once the period has rolled over", () => {
    expect(remainingQuota({ periodKey: "2026-04-30", sent: 100 }, 100, "2026-05-01")).toBe(100);
    expect(remainingQuota(null, 100, "2026-05-01")).toBe(100);
  });

  it("never goes negative when a provider was over-used", () => {
    expect(remainingQuota({ periodKey: "2026-05-01", sent: 130 }, 100, "2026-05-01")).toBe(0);
  });

  it("reports no limit for an unlimited provider", () => {
    expect(remainingQuota({ periodKey: "2026-05-01", sent: 10_000 }, null, "2026-05-01")).toBeNull();
  });
});

describe("recordSends", () => {
  it("adds to the current period and starts afresh in a new one", () => {
    const today = "2026-05-01";
    expect(recordSends({ periodKey: today, sent: 3 }, today, 2)).toEqual({ periodKey: today, sent: 5 });
    expect(recordSends({ periodKey: "2026-04-30", sent: 99 }, today)).toEqual({ periodKey: today, sent: 1 });
    expect(recordSends(null, "2026-05-01")).toEqual({ periodKey: "2026-05-01", sent: 1 });
  });
});

describe("quota grants between drains running at once", () => {
  const NOW = new Date("2026-12-01T12:00:00Z");
  const grant = (usage: Parameters<typeof grantQuota>[0]["usage"], drainId: string, want: number, spent: { periodKey: string; used: number } | null = null) =>
    grantQuota({ usage, dailyQuota: 10, periodKey: "2026-12-01", drainId, spent, want, now: NOW, ttlMs: 60_000 });

  it("never grants two drains the same units", () => {
    const a = grant(null, "a", 8);
    expect(a.units).toBe(8);
    const b = grant(a.usage, "b", 8);
    expect(b.units).toBe(2);
    expect(grant(b.usage, "c", 8).units).toBe(0);
  });

  it("settles what a drain used and hands back the rest", () => {
    const a = grant(null, "a", 8);
    const settled = settleQuota(a.usage, "a", { periodKey: "2026-12-01", used: 3 }, "2026-12-01", NOW);
    expect(settled).toEqual({ periodKey: "2026-12-01", sent: 3, grants: {} });
    expect(grant(settled, "b", 20).units).toBe(7);
  });

  it("counts a dead drain's expired grant as spent: never past the quota, at worst a little under", () => {
    const a = grant(null, "a", 6);
    const later = new Date(NOW.getTime() + 120_000);
    const b = grantQuota({ usage: a.usage, dailyQuota: 10, periodKey: "2026-12-01", drainId: "b", spent: null, want: 10, now: later, ttlMs: 60_000 });
    expect(b.units).toBe(4);
    expect(b.usage.sent).toBe(6);
  });

  it("starts a new period fresh, and does not carry last period's spend into it", () => {
    const a = grant({ periodKey: "2026-11-30", sent: 10, grants: { a: { units: 5, expiresAt: new Date(NOW.getTime() + 1000) } } }, "a", 4, { periodKey: "2026-11-30", used: 5 });
    expect(a.units).toBe(4);
    expect(a.usage.sent).toBe(0);
  });
});
