import { describe, expect, it } from "vitest";
import { z } from "zod";
import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import { readBurnReport } from "@/lib/services/burn-report";
import { testFirestore } from "@/tests/support/firestore";
import { BurnMeter } from "./burn-meter";
import { firestoreBurnSink } from "./burn-sink";
import { defineCollection, docRef } from "./collection";
import { MeteredFirestore } from "./db";

const things = defineCollection("things", z.object({ n: z.number(), tag: z.string() }));

describe("burn meter against the Firestore emulator", () => {
  it("counts exactly the documents a known sequence of operations touches", async () => {
    const { db, raw, meter } = testFirestore();
    const ref = (i: number) => docRef(things, `t${i}`);

    for (let i = 0; i < 3; i++) await db.set("seq.set", ref(i), { n: i, tag: "a" }); // 3 writes
    const batch = db.batch("seq.batch");
    for (let i = 3; i < 8; i++) batch.create(ref(i), { n: i, tag: "b" }); // 5 writes
    await batch.commit();
    const tagged = await db.query("seq.query", things, { where: [["tag", "==", "b"]] }); // 5 reads
    const none = await db.query("seq.query", things, { where: [["tag", "==", "zzz"]] }); // 1 read (empty)
    const some = await db.getAll("seq.getAll", [ref(0), ref(1), ref(99)]); // 3 reads (one missing)
    await db.transaction("seq.tx", async (tx) => {
      const [a, b] = await tx.getAll([ref(0), ref(1)]); // 2 reads
      tx.update(ref(0), { n: (a?.n ?? 0) + (b?.n ?? 0) + 10 }); // 1 write
    });
    await db.delete("seq.delete", ref(6)); // 1 delete
    await db.delete("seq.delete", ref(7)); // 1 delete
    const counted = await db.count("seq.count", things, {}); // 1 read

    expect(tagged).toHaveLength(5);
    expect(none).toHaveLength(0);
    expect(some.filter(Boolean)).toHaveLength(2);
    expect(counted).toBe(6);

    // What Firestore actually holds agrees with the writes and deletes the meter saw.
    const stored = await raw.collection("things").get();
    expect(stored.size).toBe(3 + 5 - 2);
    expect(stored.docs.find((d) => d.id === "t0")?.data().n).toBe(11);

    expect(meter.lifetimeTotals()).toEqual({ reads: 5 + 1 + 3 + 2 + 1, writes: 3 + 5 + 1, deletes: 2 });

    await meter.flush();
    const report = await readBurnReport(new MeteredFirestore(raw, new BurnMeter({ now: () => new Date() })), firestoreQuotaDay(new Date()));
    expect(report.totals).toEqual({ reads: 12, writes: 9 + 1, deletes: 2 }); // + the flush's own write
    const byOp = Object.fromEntries(report.operations.map((o) => [o.operation, o]));
    expect(byOp["seq.query"]).toMatchObject({ collection: "things", reads: 6 });
    expect(byOp["seq.tx"]).toMatchObject({ reads: 2, writes: 1 });
    expect(byOp["seq.delete"]).toMatchObject({ deletes: 2 });
    expect(byOp["burn.flush"]).toMatchObject({ collection: "burn", writes: 1 });
  });

  it("counts a failed batch's writes as nothing, because nothing was written", async () => {
    const { db, meter } = testFirestore();
    await db.create("seed", docRef(things, "dup"), { n: 1, tag: "x" });
    const batch = db.batch("dup.batch");
    batch.create(docRef(things, "fresh"), { n: 2, tag: "x" });
    batch.create(docRef(things, "dup"), { n: 3, tag: "x" });
    await expect(batch.commit()).rejects.toMatchObject({ code: 6 });
    expect(meter.lifetimeTotals().writes).toBe(1);
  });

  it("loses no counts when many processes flush at the same moment", async () => {
    const { raw, projectId } = testFirestore();
    const clock = { now: () => new Date() };
    const meters = Array.from({ length: 12 }, () => new BurnMeter(clock, firestoreBurnSink(raw, 4)));
    meters.forEach((m, i) => {
      m.record("events", "load.read", "reads", 100 + i);
      m.record("events", "load.write", "writes", 10);
    });
    await Promise.all(meters.map((m) => m.flush()));
    const reader = new MeteredFirestore(raw, new BurnMeter(clock));
    const report = await readBurnReport(reader, firestoreQuotaDay(new Date()));
    expect(projectId).toMatch(/^demo-/);
    expect(report.totals.reads).toBe(12 * 100 + (11 * 12) / 2);
    expect(report.totals.writes).toBe(12 * 10 + 12); // each flush files its own write
  });

  it("keeps counts that a failed flush could not write, for the next flush", async () => {
    const clock = { now: () => new Date() };
    let fail = true;
    const written: number[] = [];
    const meter = new BurnMeter(clock, {
      write: async (_day, samples) => {
        if (fail) throw new Error("unavailable");
        written.push(samples.reduce((sum, s) => sum + s.counts.reads, 0));
      },
    });
    meter.record("events", "x", "reads", 7);
    await expect(meter.flush()).rejects.toThrow("unavailable");
    fail = false;
    meter.record("events", "x", "reads", 3);
    await meter.flush();
    expect(written).toEqual([10]);
  });
});
