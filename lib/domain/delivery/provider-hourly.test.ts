import { describe, expect, it } from "vitest";
import { foldHourlyStats, last24Hours, sendsInLastHour } from "./provider-hourly";

const at = (iso: string) => new Date(iso);

describe("a provider's hourly stats", () => {
  it("folds outcomes into their UTC hours, counting successes, failures and latency", () => {
    const stats = foldHourlyStats(
      [],
      [
        { at: at("2026-03-01T10:05:00Z"), ok: true, latencyMs: 100 },
        { at: at("2026-03-01T10:59:59Z"), ok: false, errorClass: "transient", latencyMs: 300 },
        { at: at("2026-03-01T11:00:00Z"), ok: true, latencyMs: 50 },
      ],
      at("2026-03-01T11:00:01Z"),
    );
    expect(stats).toEqual([
      { at: Date.parse("2026-03-01T10:00:00Z"), ok: 1, fail: 1, latencyMsTotal: 400 },
      { at: Date.parse("2026-03-01T11:00:00Z"), ok: 1, fail: 0, latencyMsTotal: 50 },
    ]);
  });

  it("adds to what is stored, so two drains' outcomes add up", () => {
    const first = foldHourlyStats([], [{ at: at("2026-03-01T10:05:00Z"), ok: true, latencyMs: 10 }], at("2026-03-01T10:06:00Z"));
    const second = foldHourlyStats(first, [{ at: at("2026-03-01T10:07:00Z"), ok: true, latencyMs: 30 }], at("2026-03-01T10:08:00Z"));
    expect(second).toEqual([{ at: Date.parse("2026-03-01T10:00:00Z"), ok: 2, fail: 0, latencyMsTotal: 40 }]);
  });

  it("keeps a day and forgets older hours", () => {
    const old = { at: Date.parse("2026-03-01T09:00:00Z"), ok: 5, fail: 0, latencyMsTotal: 0 };
    const kept = { at: Date.parse("2026-03-01T10:00:00Z"), ok: 1, fail: 0, latencyMsTotal: 0 };
    expect(foldHourlyStats([old, kept], [], at("2026-03-02T10:30:00Z"))).toEqual([kept]);
  });

  it("fills the 24-hour sparkline with zeros and estimates the trailing hour", () => {
    const now = at("2026-03-01T10:15:00Z");
    const stats = [
      { at: Date.parse("2026-03-01T09:00:00Z"), ok: 40, fail: 4, latencyMsTotal: 0 },
      { at: Date.parse("2026-03-01T10:00:00Z"), ok: 10, fail: 0, latencyMsTotal: 0 },
    ];
    const day = last24Hours(stats, now);
    expect(day).toHaveLength(24);
    expect(day.at(-1)?.ok).toBe(10);
    expect(day.at(-2)?.ok).toBe(40);
    expect(day[0]?.ok).toBe(0);
    expect(sendsInLastHour(stats, now)).toEqual({ ok: 10 + 30, fail: 3 });
  });
});
