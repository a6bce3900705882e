import { describe, expect, it } from "vitest";
import { claimCursor, firstShardFor, leaseExpired, leasedJobIds, liveDrainIds, lookForFree, pickTakeover, REGISTRY_SHARDS, sendFitsLease, takeoverDecision, type LeaseView, type ShardView } from "./lease";

const NOW = new Date("2026-12-01T12:00:00Z");
const at = (s: number) => new Date(NOW.getTime() + s * 1000);
const lease = (over: Partial<LeaseView> = {}): LeaseView => ({ owner: "d1", claimedAt: at(-60), expiresAt: at(60), jobs: {}, cursor: {}, ...over });
const shard = (id: string, leases: Record<string, LeaseView>, drains: Record<string, Date> = {}): ShardView => ({ id, leases, drains });

describe("leases", () => {
  it("expire only after a grace period for clock skew between machines", () => {
    expect(leaseExpired(lease({ expiresAt: at(-3) }), NOW, 5_000)).toBe(false);
    expect(leaseExpired(lease({ expiresAt: at(-5) }), NOW, 5_000)).toBe(true);
  });

  it("keep every job in any lease, live or expired, out of ordinary claims", () => {
    const shards = [shard("registry-0", { a: lease({ jobs: { j1: "v" } }) }), shard("registry-1", { b: lease({ expiresAt: at(-600), jobs: { j2: "v" } }) })];
    expect([...leasedJobIds(shards)].sort()).toEqual(["j1", "j2"]);
  });

  it("start the next claim after the furthest job any live lease took, per priority", () => {
    const shards = [
      shard("registry-0", {
        a: lease({ cursor: { "1": { dueAt: at(-10), id: "b" } } }),
        b: lease({ cursor: { "1": { dueAt: at(-10), id: "c" } } }),
        dead: lease({ expiresAt: at(-600), cursor: { "1": { dueAt: at(-1), id: "z" } } }),
      }),
    ];
    expect(claimCursor(shards, 1, NOW, 5_000)).toEqual({ dueAt: at(-10), id: "c" });
    expect(claimCursor(shards, 0, NOW, 5_000)).toBeUndefined();
  });

  it("take over a dead drain's jobs a bounded number at a time, oldest lease first", () => {
    const many = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`job${String(i).padStart(3, "0")}`, "v1"]));
    const shards = [shard("registry-2", { old: lease({ expiresAt: at(-300), jobs: many }), older: lease({ expiresAt: at(-900), jobs: { x: "v" } }) })];
    const picks = pickTakeover(shards, NOW, 5_000, 250, "d2");
    expect(picks.map((p) => [p.leaseId, p.jobIds.length])).toEqual([
      ["older", 1],
      ["old", 249],
    ]);
    // A live drain whose own lease ran out still holds those jobs: it records and releases them itself.
    expect(pickTakeover(shards, NOW, 5_000, 250, "d1")).toEqual([]);
  });

  it("resume a taken-over job only if nothing wrote it since its claim", () => {
    expect(takeoverDecision("v1", { version: "v1", waiting: true })).toBe("resume");
    expect(takeoverDecision("v1", { version: "v2", waiting: true })).toBe("drop"); // recorded as a retry
    expect(takeoverDecision("v1", { version: "v1", waiting: false })).toBe("drop");
    expect(takeoverDecision("v1", null)).toBe("drop"); // deleted with its event
  });

  it("let a send start only if it can finish and be recorded before the lease ends", () => {
    expect(sendFitsLease(NOW, at(30), 15_000, 10_000)).toBe(true);
    expect(sendFitsLease(NOW, at(20), 15_000, 10_000)).toBe(false);
  });

  it("count drains seen recently across shards, and spread drains over shards", () => {
    const shards = [shard("registry-0", {}, { a: at(-10), b: at(-200) }), shard("registry-1", {}, { a: at(-5), c: at(-30) })];
    expect(liveDrainIds(shards, NOW, 90_000)).toEqual(["a", "c"]);
    const starts = new Set(Array.from({ length: 40 }, (_, i) => firstShardFor(`drain-${i}`)));
    expect(starts.size).toBe(REGISTRY_SHARDS);
  });

  it("tell a drain whose claim came back empty where a free job waits, or that every due job is in flight", () => {
    const shards = [
      shard("registry-0", { mine: lease({ owner: "me", jobs: { j1: "v" } }) }),
      shard("registry-5", { theirs: lease({ owner: "other", jobs: { j2: "v", j3: "v" } }) }),
    ];
    const due = (...ids: [string, number][]) =>
      ids.map(([id, partition]) => ({ id, partition, rank: 1, dueAt: at(-30) }));
    // Past the jobs in flight, the most urgent free one: the claim starts there.
    expect(lookForFree(shards, due(["j2", 5], ["j1", 0], ["j9", 6]), false, NOW, 5_000, "me")).toEqual({
      kind: "claim",
      partition: 6,
      from: { id: "j9", partition: 6, rank: 1, dueAt: at(-30) },
    });
    // All due jobs seen, all in flight: another drain's among them, or this drain's alone (it sends them itself).
    expect(lookForFree(shards, due(["j2", 5], ["j1", 0]), true, NOW, 5_000, "me")).toEqual({
      kind: "in_flight",
      elsewhere: true,
    });
    expect(lookForFree(shards, due(["j1", 0]), true, NOW, 5_000, "me")).toEqual({
      kind: "in_flight",
      elsewhere: false,
    });
    // Only some of the due jobs seen, all in flight: it cannot tell.
    expect(lookForFree(shards, due(["j2", 5], ["j3", 5]), false, NOW, 5_000, "me")).toEqual({ kind: "unknown" });
    expect(lookForFree(shards, [], true, NOW, 5_000, "me")).toEqual({ kind: "none" });
    // A dead drain's lease is work to take over, once its grace has passed, and not before.
    const dead = [shard("registry-3", { gone: lease({ owner: "other", expiresAt: at(-10), jobs: { j4: "v" } }) })];
    expect(lookForFree(dead, due(["j4", 3]), true, NOW, 5_000, "me")).toEqual({ kind: "claim", partition: 3 });
    expect(lookForFree(dead, due(["j4", 3]), true, NOW, 30_000, "me")).toEqual({ kind: "in_flight", elsewhere: true });
  });
});
