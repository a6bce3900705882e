import { describe, expect, it } from "vitest";
import {
  decideAutoHalt,
  firestoreDayStart,
  forecastDay,
  hourKey,
  hoursOfDay,
  nextFirestoreReset,
  SPARK_DAILY_BUDGET,
  thresholdReached,
  type BurnCounts,
} from "./burn";

const c = (reads: number, writes = 0, deletes = 0): BurnCounts => ({ reads, writes, deletes });

describe("the quota day's bounds", () => {
  it("starts and ends at midnight US Pacific, in winter and summer time", () => {
    expect(firestoreDayStart(new Date("2026-11-24T10:00:00Z")).toISOString()).toBe("2026-11-24T08:00:00.000Z");
    expect(nextFirestoreReset(new Date("2026-11-24T10:00:00Z")).toISOString()).toBe("2026-11-25T08:00:00.000Z");
    expect(firestoreDayStart(new Date("2026-07-01T06:59:00Z")).toISOString()).toBe("2026-06-30T07:00:00.000Z");
  });

  it("lists every hour of the day so far, zero where nothing was counted", () => {
    const now = new Date("2026-11-24T10:30:00Z"); // 02:30 Pacific
    const hours = hoursOfDay({ "2026-11-24T09": c(5) }, now);
    expect(hours.map((h) => h.hour)).toEqual(["2026-11-24T08", "2026-11-24T09", "2026-11-24T10"]);
    expect(hours.map((h) => h.counts.reads)).toEqual([0, 5, 0]);
    expect(hoursOfDay({}, now, true)).toHaveLength(24);
  });
});

describe("warning levels", () => {
  it("names the highest level reached", () => {
    expect(thresholdReached(34_999, 50_000)).toBeNull();
    expect(thresholdReached(35_000, 50_000)).toBe(70);
    expect(thresholdReached(45_000, 50_000)).toBe(90);
    expect(thresholdReached(60_000, 50_000)).toBe(100);
  });
});

describe("the day's forecast", () => {
  it("extrapolates the trailing hour to midnight Pacific", () => {
    // 12:30 Pacific: 11.5 hours left. The trailing hour is this half hour (600 writes) plus half of the
    // previous hour (400 of 800): 1,000 writes an hour.
    const now = new Date("2026-11-24T20:30:00Z");
    const hours = { [hourKey(now)]: c(0, 600), "2026-11-24T19": c(0, 800) };
    const f = forecastDay(c(0, 5_000), hours, now);
    expect(f.perHour.writes).toBeCloseTo(1_000);
    expect(f.projected.writes).toBe(5_000 + 11_500);
    expect(f.endsAt.toISOString()).toBe("2026-11-25T08:00:00.000Z");
  });

  it("uses the day so far when the day is younger than an hour", () => {
    const now = new Date("2026-11-24T08:15:00Z"); // 00:15 Pacific
    const f = forecastDay(c(250), { [hourKey(now)]: c(250) }, now);
    expect(f.perHour.reads).toBeCloseTo(1_000);
    expect(f.projected.reads).toBe(250 + 23_750);
  });

  it("does not count the part of the previous hour that belonged to yesterday", () => {
    const now = new Date("2026-11-24T09:30:00Z"); // 01:30 Pacific; the previous hour is 00:00–01:00, all today
    const f = forecastDay(c(300), { "2026-11-24T08": c(200), "2026-11-24T09": c(100) }, now);
    expect(f.perHour.reads).toBeCloseTo(200);
  });
});

describe("the automatic halt", () => {
  const base = { day: "2026-11-24", budget: SPARK_DAILY_BUDGET, snooze: null, projected: c(0) };

  it("halts when the day's burn crosses the chosen level and says why", () => {
    const decision = decideAutoHalt({ ...base, totals: c(0, 18_100), rules: { burnAt: 90, forecastAt: null } });
    expect(decision).toMatchObject({ halt: true, basis: "burn", kind: "writes", level: 90, percent: 90 });
    expect(decision.halt && decision.reason).toContain("Firestore writes reached 90% of today's budget (18,100 of 20,000)");
    expect(decideAutoHalt({ ...base, totals: c(0, 17_900), rules: { burnAt: 90, forecastAt: null } }).halt).toBe(false);
  });

  it("halts on the forecast only when that rule is on", () => {
    const input = { ...base, totals: c(1_000), projected: c(60_000) };
    expect(decideAutoHalt({ ...input, rules: { burnAt: 90, forecastAt: null } }).halt).toBe(false);
    const decision = decideAutoHalt({ ...input, rules: { burnAt: 90, forecastAt: 100 } });
    expect(decision).toMatchObject({ halt: true, basis: "forecast", kind: "reads", level: 100, percent: 120 });
  });

  it("after a resume, waits for the next level that day, and forgets the snooze the next day", () => {
    const rules = { burnAt: 70 as const, forecastAt: null };
    const snooze = { day: "2026-11-24", level: 70 as const };
    expect(decideAutoHalt({ ...base, snooze, totals: c(40_000), rules }).halt).toBe(false);
    expect(decideAutoHalt({ ...base, snooze, totals: c(45_000), rules })).toMatchObject({ halt: true, level: 90 });
    expect(decideAutoHalt({ ...base, snooze, day: "2026-11-25", totals: c(40_000), rules })).toMatchObject({ halt: true, level: 70 });
  });

  it("stays off when both rules are off", () => {
    expect(decideAutoHalt({ ...base, totals: c(90_000), projected: c(90_000), rules: { burnAt: null, forecastAt: null } }).halt).toBe(false);
  });
});
