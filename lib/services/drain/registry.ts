import { randomBytes } from "node:crypto";
import { docRef } from "@/lib/adapters/firestore/collection";
import { fieldOps } from "@/lib/adapters/firestore/db";
import { collections, type StoredLease } from "@/lib/adapters/firestore/schemas";
import { WAITING_JOB_STATES, isWaiting } from "@/lib/domain/delivery/job";
import {
  ALL_REGISTRY_SHARDS,
  claimCursor,
  firstShardFor,
  leaseExpired,
  leasedJobIds,
  liveDrainIds,
  pickTakeover,
  REGISTRY_SHARDS,
  takeoverDecision,
  type ShardView,
} from "@/lib/domain/delivery/lease";
import { KeyedLock } from "../keyed-lock";
import type { ClaimedJob, DrainPorts } from "./types";

/**
 * Claiming, renewing and releasing leases on the queue registry's shards. Job documents are not written on
 * claim ("active" is membership of a live lease), which is what keeps delivery near two writes per email.
 */

export const registryRef = (shardId: string) => docRef(collections.queue, shardId);

/** A drain that has not claimed for this long no longer takes a share of providers' rate limits. */
const DRAIN_LIVENESS_MS = 90_000;
/** Every this many claims, a claim starts from the head of the queue to pick up jobs behind the cursor. */
const SWEEP_EVERY = 8;
/** In-flight jobs a cursor claim may have to read past (rerouted retries still in a live lease). */
const SKIP_SLACK = 50;

export interface Lease {
  id: string;
  shardId: string;
  expiresAt: Date;
  jobIds: string[];
}

export interface Chunk {
  lease: Lease | null;
  jobs: ClaimedJob[];
  liveDrains: number;
  recovered: number;
}

function shardView(id: string, doc: { leases: Record<string, StoredLease>; drains: Record<string, Date> } | null): ShardView {
  return { id, leases: doc?.leases ?? {}, drains: doc?.drains ?? {} };
}

export class Registry {
  /** Claims, renewals and releases of this process take turns instead of contending for the same documents. */
  private readonly turns = new KeyedLock();
  private claims = 0;
  private readonly written = new Set<string>();

  constructor(
    private readonly ports: DrainPorts,
    private readonly drainId: string,
    private readonly options: { claimSize: number; leaseMs: number; takeoverGraceMs: number },
  ) {}

  /**
   * Claims up to `claimSize` due jobs, highest priority first, in one transaction over the registry shards:
   * jobs of expired leases first (bounded, resumed only if untouched since their claim), then due jobs not in
   * any lease. The new lease goes to the next shard in this drain's rotation.
   */
  claim(): Promise<Chunk> {
    const n = this.claims++;
    const target = ALL_REGISTRY_SHARDS[(firstShardFor(this.drainId) + n) % REGISTRY_SHARDS]!;
    const sweep = n % SWEEP_EVERY === 0;
    const leaseId = `${this.drainId}-${randomBytes(4).toString("hex")}`;
    const { claimSize: size, leaseMs, takeoverGraceMs: grace } = this.options;
    return this.turns.run("registry", () =>
      this.ports.db.transaction("queue.claim", async (tx) => {
        const now = this.ports.clock.now();
        const stored = await tx.getAll(ALL_REGISTRY_SHARDS.map(registryRef));
        const shards = ALL_REGISTRY_SHARDS.map((id, i) => shardView(id, stored[i] ?? null));
        const leased = leasedJobIds(shards);
        const changed = new Map<string, Record<string, StoredLease>>();
        const leasesOf = (shardId: string) => {
          if (!changed.has(shardId)) changed.set(shardId, { ...shards.find((s) => s.id === shardId)!.leases } as Record<string, StoredLease>);
          return changed.get(shardId)!;
        };

        const jobs: ClaimedJob[] = [];
        const picks = pickTakeover(shards, now, grace, size);
        const pickedIds = picks.flatMap((p) => p.jobIds);
        const current = await tx.getSnapshots(pickedIds.map((id) => docRef(collections.jobs, id)));
        const byId = new Map(pickedIds.map((id, i) => [id, current[i] ?? null]));
        let recovered = 0;
        for (const pick of picks) {
          const leases = leasesOf(pick.shardId);
          const dead = leases[pick.leaseId]!;
          for (const id of pick.jobIds) {
            const snap = byId.get(id) ?? null;
            const decision = takeoverDecision(dead.jobs[id]!, snap ? { version: snap.version, waiting: isWaiting(snap.data.state) } : null);
            if (decision === "resume" && snap) {
              jobs.push({ id, job: snap.data, version: snap.version, resumed: true });
              recovered++;
            }
          }
          const rest = Object.fromEntries(Object.entries(dead.jobs).filter(([id]) => !pick.jobIds.includes(id)));
          if (Object.keys(rest).length === 0) delete leases[pick.leaseId];
          else leases[pick.leaseId] = { ...dead, jobs: rest };
        }

        // Priority order: high (confirmations) before normal (invitations) before low (reminders), oldest first.
        for (const rank of [0, 1, 2]) {
          if (jobs.length >= size) break;
          const from = sweep ? undefined : claimCursor(shards, rank, now, grace);
          const due = await tx.query(collections.jobs, {
            where: [
              ["rank", "==", rank],
              ["state", "in", [...WAITING_JOB_STATES]],
              ["dueAt", "<=", now],
            ],
            orderBy: [
              ["dueAt", "asc"],
              ["__name__", "asc"],
            ],
            startAfter: from ? [from.dueAt, from.id] : undefined,
            limit: size - jobs.length + (sweep ? leased.size : Math.min(leased.size, SKIP_SLACK)),
          });
          for (const snap of due) {
            if (jobs.length >= size) break;
            if (leased.has(snap.id) || byId.has(snap.id)) continue;
            jobs.push({ id: snap.id, job: snap.data, version: snap.version, resumed: false });
          }
        }

        const targetView = shards.find((s) => s.id === target)!;
        const drains = Object.fromEntries(
          Object.entries(targetView.drains).filter(([, seen]) => now.getTime() - seen.getTime() < DRAIN_LIVENESS_MS),
        );
        const heartbeatStale = !targetView.drains[this.drainId] || now.getTime() - targetView.drains[this.drainId]!.getTime() > DRAIN_LIVENESS_MS / 3;
        drains[this.drainId] = now;
        let lease: Lease | null = null;
        if (jobs.length > 0) {
          const cursor: StoredLease["cursor"] = {};
          for (const j of jobs) {
            if (j.resumed) continue;
            const key = String(j.job.rank);
            const prev = cursor[key];
            if (!prev || j.job.dueAt > prev.dueAt || (j.job.dueAt.getTime() === prev.dueAt.getTime() && j.id > prev.id)) {
              cursor[key] = { dueAt: j.job.dueAt, id: j.id };
            }
          }
          const expiresAt = new Date(now.getTime() + leaseMs);
          leasesOf(target)[leaseId] = {
            owner: this.drainId,
            claimedAt: now,
            expiresAt,
            jobs: Object.fromEntries(jobs.map((j) => [j.id, j.version])),
            cursor,
          };
          lease = { id: leaseId, shardId: target, expiresAt, jobIds: jobs.map((j) => j.id) };
        }
        if (jobs.length > 0 || heartbeatStale || changed.has(target)) {
          tx.set(registryRef(target), { leases: changed.get(target) ?? (targetView.leases as Record<string, StoredLease>), drains });
        }
        for (const [shardId, leases] of changed) {
          if (shardId === target) continue;
          tx.set(registryRef(shardId), { leases, drains: shards.find((s) => s.id === shardId)!.drains as Record<string, Date> });
        }
        const live = liveDrainIds([...shards.filter((s) => s.id !== target), { ...targetView, drains }], now, DRAIN_LIVENESS_MS);
        return { lease, jobs, liveDrains: live.length, recovered };
      }),
    ).then((chunk) => {
      this.written.add(target);
      return chunk;
    });
  }

  /**
   * Extends a lease that is still ours and still running, so sends that are slow to start (a provider's rate
   * limit, a long queue) need not be given up. False when the lease is gone or already past its end.
   */
  renew(lease: Lease): Promise<boolean> {
    return this.turns
      .run("registry", () =>
        this.ports.db.transaction("queue.renew", async (tx) => {
          const now = this.ports.clock.now();
          const shard = await tx.get(registryRef(lease.shardId));
          const stored = shard?.leases[lease.id];
          if (!stored || stored.owner !== this.drainId || leaseExpired(stored, now, 0)) return null;
          const expiresAt = new Date(now.getTime() + this.options.leaseMs);
          tx.update(registryRef(lease.shardId), { [`leases.${lease.id}.expiresAt`]: expiresAt });
          return expiresAt;
        }),
      )
      .then((expiresAt) => {
        if (expiresAt) lease.expiresAt = expiresAt;
        return expiresAt !== null;
      })
      .catch(() => false);
  }

  /**
   * Ends a lease once every job in it has its outcome written (or was left unsent): unsent jobs become
   * claimable again at once. Needs no read.
   */
  release(lease: Lease): Promise<void> {
    return this.turns.run("registry", () =>
      this.ports.db.update("queue.release", registryRef(lease.shardId), { [`leases.${lease.id}`]: fieldOps.delete() }),
    );
  }

  /** At the end of a run: this drain stops taking a share of providers' rate limits. */
  async deregister(): Promise<void> {
    await Promise.all(
      [...this.written].map((shardId) =>
        this.turns.run("registry", () =>
          this.ports.db.update("queue.release", registryRef(shardId), { [`drains.${this.drainId}`]: fieldOps.delete() }),
        ),
      ),
    );
  }
}

/** Everything in flight and every live drain, for the operators' view of the queue. */
export async function readRegistry(db: DrainPorts["db"], now: Date): Promise<{ inFlight: number; liveDrains: number; expiredLeases: number }> {
  const stored = await db.getAll("monitor.queue", ALL_REGISTRY_SHARDS.map(registryRef));
  const shards = ALL_REGISTRY_SHARDS.map((id, i) => shardView(id, stored[i]?.data ?? null));
  let inFlight = 0;
  let expiredLeases = 0;
  for (const shard of shards) {
    for (const lease of Object.values(shard.leases)) {
      if (leaseExpired(lease, now, 0)) expiredLeases++;
      else inFlight += Object.keys(lease.jobs).length;
    }
  }
  return { inFlight, liveDrains: liveDrainIds(shards, now, DRAIN_LIVENESS_MS).length, expiredLeases };
}
