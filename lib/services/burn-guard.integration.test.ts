import { describe, expect, it } from "vitest";
import { hourKey } from "@/lib/domain/monitor/burn";
import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import { testFirestore } from "@/tests/support/firestore";
import { BurnGuard } from "./burn-guard";
import { BURN_HISTORY, readBurnHistory, readBurnReport, rollUpBurnDays } from "./burn-report";
import { BURN_GUARD, listSettingChanges, readRuntimeSettings, setAutoHalt, setBurnBudget, setHalted } from "./settings";

/** A day's burn as another process would have flushed it: one shard document. */
async function seedBurn(raw: FirebaseFirestore.Firestore, day: string, counts: { reads?: number; writes?: number; deletes?: number }, hour = hourKey(new Date())) {
  const full = { reads: counts.reads ?? 0, writes: counts.writes ?? 0, deletes: counts.deletes ?? 0 };
  await raw.collection("burn").doc(`${day}_0`).set({ day, shard: 0, ...full, ops: { "jobs|queue.complete": full }, hours: { [hour]: full } });
}

describe("the burn guard", () => {
  it("halts sending when the day's writes cross the chosen level, and says why and who", async () => {
    const { db, raw } = testFirestore();
    const clock = { now: () => new Date() };
    const today = firestoreQuotaDay(clock.now());
    await seedBurn(raw, today, { writes: 17_000 });
    const guard = new BurnGuard({ db, clock });

    expect(await guard.check()).toEqual({ halt: false });
    // The drain's own writes, recorded by this process's meter and not yet read back from Firestore, count at
    // once: the guard needs no new read to see them.
    db.meter.record("jobs", "queue.complete", "writes", 1_100);
    const decision = await guard.checkKnown();
    expect(decision).toMatchObject({ halt: true, basis: "burn", kind: "writes", level: 90 });

    const settings = await readRuntimeSettings(db);
    expect(settings).toMatchObject({ halted: true, haltedBy: BURN_GUARD, autoHaltLevel: { day: today, level: 90 } });
    expect(settings.haltedReason).toMatch(/^Firestore writes reached 9\d% of today's budget/);
    const [change] = await listSettingChanges(db);
    expect(change).toMatchObject({ setting: "halt", by: BURN_GUARD, from: "running", to: "halted" });
  });

  it("after an operator resumes, halts again only at the next level", async () => {
    const { db, raw } = testFirestore();
    const clock = { now: () => new Date() };
    const today = firestoreQuotaDay(clock.now());
    await seedBurn(raw, today, { reads: 46_000 });
    const guard = new BurnGuard({ db, clock }, { refreshMs: 0 });
    expect(await guard.check()).toMatchObject({ halt: true, level: 90 });

    await setHalted(db, clock, false, "ops@example.com");
    expect((await readRuntimeSettings(db)).autoHaltSnooze).toEqual({ day: today, level: 90 });
    expect(await guard.check()).toEqual({ halt: false });
    expect((await readRuntimeSettings(db)).halted).toBe(false);

    await seedBurn(raw, today, { reads: 50_500 });
    expect(await guard.check()).toMatchObject({ halt: true, level: 100 });
    expect((await readRuntimeSettings(db)).halted).toBe(true);
  });

  it("uses the paid budget and the rules an operator set, and records who changed them", async () => {
    const { db, raw } = testFirestore();
    const clock = { now: () => new Date() };
    await seedBurn(raw, firestoreQuotaDay(clock.now()), { writes: 19_000 });
    await setBurnBudget(db, clock, { reads: 500_000, writes: 200_000, deletes: 200_000 }, "ops@example.com");
    const guard = new BurnGuard({ db, clock }, { refreshMs: 0 });
    expect(await guard.check()).toEqual({ halt: false });

    await setBurnBudget(db, clock, null, "ops@example.com");
    await setAutoHalt(db, clock, { burnAt: null, forecastAt: null }, "lead@example.com");
    expect(await guard.check()).toEqual({ halt: false });

    const changes = await listSettingChanges(db);
    expect(changes.map((c) => [c.setting, c.by, c.to])).toEqual([
      ["autoHalt", "lead@example.com", "off"],
      ["budget", "ops@example.com", "free tier (50,000 reads, 20,000 writes, 20,000 deletes a day)"],
      ["budget", "ops@example.com", "500,000 reads, 200,000 writes, 200,000 deletes a day"],
    ]);
  });

  it("costs nothing while idle: a drain that ends before the first tick reads nothing", async () => {
    const { db, meter } = testFirestore();
    const guard = new BurnGuard({ db, clock: { now: () => new Date() } }, { tickMs: 200 });
    const before = meter.lifetimeTotals();
    await guard.checkKnown();
    const stop = guard.watch();
    stop();
    await new Promise((r) => setTimeout(r, 400));
    expect(meter.lifetimeTotals()).toEqual(before);
  });

  it("files yesterday's totals in the history once the day is over", async () => {
    const { db, raw } = testFirestore();
    const clock = { now: () => new Date() };
    const today = firestoreQuotaDay(clock.now());
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    await seedBurn(raw, yesterday, { reads: 1_234, writes: 56 }, `${yesterday}T12`);
    await new BurnGuard({ db, clock }).check();
    expect((await db.get("test", BURN_HISTORY))?.data.days[yesterday]).toEqual({ reads: 1_234, writes: 56, deletes: 0 });
  });
});

describe("burn history", () => {
  it("reads 30 days in one document, rolling up days that were never filed", async () => {
    const { db, raw, meter } = testFirestore();
    const now = new Date();
    const today = firestoreQuotaDay(now);
    const day = (n: number) => new Date(Date.parse(`${today}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
    await seedBurn(raw, day(3), { reads: 300 });
    await seedBurn(raw, day(30), { writes: 30 });
    await seedBurn(raw, day(31), { writes: 31 }); // outside the window
    await rollUpBurnDays(db, now, [day(2)]);

    const history = await readBurnHistory(db, now, today);
    expect(history).toHaveLength(30);
    expect(history[0]).toEqual({ day: day(30), totals: { reads: 0, writes: 30, deletes: 0 } });
    expect(history.at(-1)?.day).toBe(day(1));
    expect(history.find((h) => h.day === day(3))?.totals.reads).toBe(300);

    // Every missing day is now filed (as zero where nothing happened): the next load is one read.
    const before = meter.lifetimeTotals().reads;
    await readBurnHistory(db, now, today);
    expect(meter.lifetimeTotals().reads - before).toBe(1);
  });

  it("keeps hourly counts in the shards, so the monitor can chart the day", async () => {
    const { db, meter } = testFirestore();
    meter.record("jobs", "queue.complete", "writes", 5);
    await meter.flush();
    const report = await readBurnReport(db, firestoreQuotaDay(new Date()));
    expect(report.hours[hourKey(new Date())]).toMatchObject({ writes: 6 });
    expect(report.collections.map((c) => c.collection)).toEqual(["jobs", "burn"]);
  });
});
