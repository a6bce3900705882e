import { describe, expect, it } from "vitest";
import { drainWorld, until } from "@/tests/support/drain-world";
import { addresses, seedProvider } from "@/tests/support/fixtures";
import { firstShardFor, REGISTRY_SHARDS } from "@/lib/domain/delivery/lease";
import { drainQueue, newDrainId } from "./index";
import { readRegistry, Registry } from "./registry";
import { MeteredFirestore } from "@/lib/adapters/firestore/db";
import type { CollectionDef, QuerySpec, Snapshot } from "@/lib/adapters/firestore/collection";

/**
 * The queries on the queue made through the returned store, and the documents each returned: on the emulator
 * each is a sort of the whole queue, and in production each document returned is a read.
 */
function countedQueries(w: Awaited<ReturnType<typeof drainWorld>>) {
  const made: { op: string; docs: number }[] = [];
  class Counted extends MeteredFirestore {
    override async query<T>(op: string, collection: CollectionDef<T>, spec: QuerySpec): Promise<Snapshot<T>[]> {
      const docs = await super.query(op, collection, spec);
      if (collection.name === "jobs") made.push({ op, docs: docs.length });
      return docs;
    }
  }
  return { db: new Counted(w.raw, w.meter), made };
}

/**
 * A claim finds its partition's due jobs with one query over the priority ranks it looks for, ordered by rank
 * and then by due time: confirmations, then invitations, then reminders, whatever their ages.
 */
describe("a claim on one queue partition", () => {
  it("takes a confirmation first, then invitations, then reminders that have waited longer, and no rank it was not asked for", async () => {
    const w = await drainWorld();
    await seedProvider(w.db, "api");
    const ids = await w.invite(addresses(6));
    const jobs = ids.map((id) => w.raw.collection("jobs").doc(`${id}-1`));
    const longAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    // All in partition 3. Two reminders have waited longest, one confirmation least; three invitations between.
    const shapes = [
      { rank: 2, priority: "low", kind: "reminder", dueAt: longAgo(60) },
      { rank: 2, priority: "low", kind: "reminder", dueAt: longAgo(50) },
      { rank: 1, priority: "normal", kind: "invitation", dueAt: longAgo(30) },
      { rank: 1, priority: "normal", kind: "invitation", dueAt: longAgo(20) },
      { rank: 1, priority: "normal", kind: "invitation", dueAt: longAgo(10) },
      { rank: 0, priority: "high", kind: "confirmation", dueAt: longAgo(1) },
    ];
    await Promise.all(jobs.map((ref, i) => ref.update({ shard: 3, ...shapes[i] })));
    const idOf = (i: number) => jobs[i]!.id;
    const registry = () => new Registry(w.ports, newDrainId(), { claimSize: 4, leaseMs: 60_000, takeoverGraceMs: 5_000 });

    // Where confirmations are not known to wait, the claim does not look for them.
    const ordinary = await registry().claim(3, new Set(), 4);
    expect(ordinary.jobs.map((j) => j.id)).toEqual([idOf(2), idOf(3), idOf(4), idOf(0)]);

    // Where one waits, it comes first; what the first claim leased is skipped.
    const urgent = await registry().claim(3, new Set([3]), 4);
    expect(urgent.jobs.map((j) => j.id)).toEqual([idOf(5), idOf(1)]);
  });

  it("says when it found every due job of its partition, and the rotation then passes over that partition", async () => {
    const w = await drainWorld();
    await seedProvider(w.db, "api");
    const ids = await w.invite(addresses(3));
    await Promise.all(ids.map((id) => w.raw.collection("jobs").doc(`${id}-1`).update({ shard: 5 })));
    const registry = new Registry(w.ports, newDrainId(), { claimSize: 10, leaseMs: 60_000, takeoverGraceMs: 5_000 });

    const part = await registry.claim(5, new Set(), 2);
    expect(part.jobs).toHaveLength(2);
    expect(part.exhausted).toBe(false);
    const rest = await registry.claim(5, new Set(), 2);
    expect(rest.jobs).toHaveLength(1);
    expect(rest.exhausted).toBe(true);

    // Every partition but 6 known exhausted: the rotation's next claim goes to 6, wherever it stood.
    const others = new Set([0, 1, 2, 3, 4, 5, 7]);
    expect((await registry.claim(undefined, new Set(), 2, others)).partition).toBe(6);
    expect((await registry.claim(undefined, new Set(), 2, others)).partition).toBe(6);
  });

  it("reads past another drain's in-flight jobs only a little on a run's first pass, and finds jobs released behind them on a later one", async () => {
    const w = await drainWorld();
    await seedProvider(w.db, "api");
    const ids = await w.invite(addresses(80));
    const jobIds = ids.map((id) => `${id}-1`);
    await Promise.all(jobIds.map((id) => w.raw.collection("jobs").doc(id).update({ shard: 3 })));
    const options = { claimSize: 100, leaseMs: 60_000, takeoverGraceMs: 5_000 };
    // Another drain holds the first 10 jobs, then the next 60; it gives the first 10 back unsent (a run that
    // ended before starting them): they are now behind its live lease.
    const busy = new Registry(w.ports, newDrainId(), options);
    const early = await busy.claim(3, new Set(), 10);
    const held = await busy.claim(3, new Set(), 60);
    await busy.release(early.lease!);
    const taken = new Set([...early.jobs, ...held.jobs].map((j) => j.id));

    const counted = countedQueries(w);
    const late = new Registry({ ...w.ports, db: counted.db }, newDrainId(), options);
    // The first pass starts after what the live lease took: the 10 jobs that were never leased, and no
    // document read for each of the 60 in flight (a sweep from the head read all of them, in every new run).
    const first = await late.claim(3, new Set(), 100);
    expect(first.jobs.map((j) => j.id).sort()).toEqual(jobIds.filter((id) => !taken.has(id)).sort());
    expect(counted.made.filter((q) => q.op === "queue.claim").reduce((sum, q) => sum + q.docs, 0)).toBeLessThanOrEqual(10 + 50);
    // A later pass sweeps the partition from its head and finds the 10 given back.
    const found = new Set<string>();
    for (let claims = 1; claims < 40 && found.size < 10; claims++) {
      const chunk = await late.claim(3, new Set(), 100);
      chunk.jobs.forEach((j) => found.add(j.id));
    }
    expect([...found].sort()).toEqual(early.jobs.map((j) => j.id).sort());
  });

  it("two drains that meet in a partition go separate ways instead of meeting again in each next one", async () => {
    // Their rotations would otherwise stay in step: in a four-drain bench run, pairs of drains claimed the
    // same partitions in turn, the later of each pair waiting seconds for what the other had just taken.
    const w = await drainWorld();
    await seedProvider(w.db, "api");
    await w.invite(addresses(80));
    const a = newDrainId();
    let b = newDrainId();
    while (firstShardFor(b) !== firstShardFor(a)) b = newDrainId();
    const options = { claimSize: 5, leaseMs: 60_000, takeoverGraceMs: 5_000 };
    const [first, second] = [new Registry(w.ports, a, options), new Registry(w.ports, b, options)];
    const start = firstShardFor(a);
    expect((await first.claim()).partition).toBe(start);
    expect((await second.claim()).partition).toBe(start);
    expect((await first.claim()).partition).toBe((start + 1) % REGISTRY_SHARDS);
    expect((await second.claim()).partition).not.toBe((start + 1) % REGISTRY_SHARDS);
  });

  it("drains that start together know of each other at once, and of one that leaves", async () => {
    const w = await drainWorld();
    const options = { claimSize: 10, leaseMs: 60_000, takeoverGraceMs: 5_000 };
    const [first, second] = [new Registry(w.ports, newDrainId(), options), new Registry(w.ports, newDrainId(), options)];
    const counts: number[] = [];
    await first.announce((live) => counts.push(live));
    // Before either has claimed anything, the second already counts two drains sharing the providers.
    expect(await second.announce(() => undefined)).toBe(2);
    await until(() => counts.at(-1) === 2, 5_000, "the first drain to learn of the second");
    // The operators' view counts them the same way.
    expect((await readRegistry(w.db, new Date())).liveDrains).toBe(2);
    await second.leave();
    await until(() => counts.at(-1) === 1, 5_000, "the first drain to learn the second left");
    await first.leave();
    expect((await w.raw.collection("queue").doc("drains").get()).data()?.drains).toEqual({});
    expect((await readRegistry(w.db, new Date())).liveDrains).toBe(0);
  });

  it("a run that finds only jobs leased by another drain never counts itself among the drains sharing providers", async () => {
    // Otherwise the drain still sending at the end of a busy hour keeps dropping to a fraction of each provider
    // while idle runs come and go.
    const w = await drainWorld();
    await seedProvider(w.db, "api");
    await w.invite(addresses(6));
    const busy = new Registry(w.ports, newDrainId(), { claimSize: 10, leaseMs: 60_000, takeoverGraceMs: 5_000 });
    for (let p = 0; p < REGISTRY_SHARDS; p++) await busy.claim(p, new Set(), 10);
    const announced = new Set<string>();
    const stop = w.raw
      .collection("queue")
      .doc("drains")
      .onSnapshot((snap) => Object.keys(snap.data()?.drains ?? {}).forEach((id) => announced.add(id)));
    const counted = countedQueries(w);
    try {
      const idle = newDrainId();
      const summary = await drainQueue({ ...w.ports, db: counted.db }, { drainId: idle, budgetMs: 5_000 });
      // It says why it stopped (so a worker can wait before trying again), after one claim and two looks for
      // due jobs: one at its start, one (past the jobs in flight) to learn that every due job is in flight.
      // It used to claim in every partition in turn to learn that, each claim a sort of the queue on the emulator.
      expect(summary).toMatchObject({ claimed: 0, sent: 0, stoppedBecause: "in_flight_elsewhere" });
      expect(counted.made.filter((q) => q.op === "queue.claim")).toHaveLength(1);
      expect(counted.made.filter((q) => q.op === "drain.peek")).toHaveLength(2);

      // A run that does find work counts itself (and leaves when it is done).
      await w.invite(addresses(2, "later"));
      const working = newDrainId();
      expect(await drainQueue(w.ports, { drainId: working, budgetMs: 5_000 })).toMatchObject({ claimed: 2 });
      await until(() => announced.has(working), 5_000, "the working drain's heartbeat");
      expect(announced.has(idle)).toBe(false);
      expect((await w.raw.collection("queue").doc("drains").get()).data()?.drains).toEqual({});
    } finally {
      stop();
    }
  });
});
