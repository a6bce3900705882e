/**
 * Leases: which drain may send which jobs, and until when. Pure rules over the registry shards' contents; the
 * drain's registry module runs them inside its claim transaction.
 *
 * The invariants they protect:
 * - a job is in at most one lease; jobs in any lease (live or expired) are never claimed by the ordinary due
 *   query, so two drains cannot both hold a job;
 * - a drain never starts a send that could still be running, or not yet recorded, when its lease ends
 *   (`sendFitsLease`), so a job is only taken over once its first drain can no longer touch it;
 * - an expired lease is taken over a bounded number of jobs at a time, so one huge dead lease cannot make every
 *   claim transaction too large to commit;
 * - a taken-over job is resumed (sent again under the same idempotency key, the attempt counted) only if its
 *   version is the one recorded at claim time: any write since means its drain recorded it, or an admin
 *   cancelled it, and it is left alone.
 */

/**
 * The queue is partitioned: every job belongs to one of REGISTRY_SHARDS partitions (all jobs of an invitation
 * to the same one), and its leases live in that partition's registry document. A claim works on one partition,
 * reading and writing only its registry document, so drains claiming from different partitions never contend,
 * and each document takes a fraction of the claims. A drain visits the partitions in turn.
 */
export const REGISTRY_SHARDS = 8;

export function registryShardId(index: number): string {
  return `registry-${index}`;
}

export const ALL_REGISTRY_SHARDS: readonly string[] = Array.from({ length: REGISTRY_SHARDS }, (_, i) => registryShardId(i));

function hash(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}

/** The partition of an invitation's jobs. */
export function shardOfInvitation(invitationId: string): number {
  return hash(invitationId) % REGISTRY_SHARDS;
}

/** The partition a drain starts its rotation at: spread by id, so drains do not all start together. */
export function firstShardFor(drainId: string): number {
  return hash(drainId) % REGISTRY_SHARDS;
}

export interface LeaseView {
  owner: string;
  claimedAt: Date;
  expiresAt: Date;
  jobs: Readonly<Record<string, string>>;
  cursor: Readonly<Record<string, { dueAt: Date; id: string }>>;
}

export interface ShardView {
  id: string;
  leases: Readonly<Record<string, LeaseView>>;
  drains: Readonly<Record<string, Date>>;
}

/**
 * A lease counts as expired `graceMs` after its end, measured on the claimer's clock: the grace absorbs clock
 * skew between machines, so no drain takes over jobs its owner may still believe it holds.
 */
export function leaseExpired(lease: Pick<LeaseView, "expiresAt">, now: Date, graceMs: number): boolean {
  return lease.expiresAt.getTime() + graceMs <= now.getTime();
}

export function leasedJobIds(shards: readonly ShardView[]): Set<string> {
  const ids = new Set<string>();
  for (const shard of shards) for (const lease of Object.values(shard.leases)) for (const id of Object.keys(lease.jobs)) ids.add(id);
  return ids;
}

/** Drains seen within `livenessMs`, across shards: each takes an even share of every provider's rate limit. */
export function liveDrainIds(shards: readonly ShardView[], now: Date, livenessMs: number): string[] {
  const ids = new Set<string>();
  for (const shard of shards) {
    for (const [id, seen] of Object.entries(shard.drains)) if (now.getTime() - seen.getTime() < livenessMs) ids.add(id);
  }
  return [...ids].sort();
}

type Cursor = { dueAt: Date; id: string };

function later(a: Cursor | undefined, b: Cursor): Cursor {
  if (!a) return b;
  if (b.dueAt.getTime() !== a.dueAt.getTime()) return b.dueAt > a.dueAt ? b : a;
  return b.id > a.id ? b : a;
}

/**
 * Where the next claim's query for a priority rank may start: after every job any live lease took. Everything
 * before that point was claimed or is in flight, so re-reading it would only pay for documents to skip. Jobs
 * that become due behind the cursor (released unsent, or created by a slow clock) are found by the periodic
 * sweep claims, which start from the beginning.
 */
export function claimCursor(shards: readonly ShardView[], rank: number, now: Date, graceMs: number): Cursor | undefined {
  let cursor: Cursor | undefined;
  for (const shard of shards) {
    for (const lease of Object.values(shard.leases)) {
      if (leaseExpired(lease, now, graceMs)) continue;
      const c = lease.cursor[String(rank)];
      if (c) cursor = later(cursor, c);
    }
  }
  return cursor;
}

export interface TakeoverPick {
  shardId: string;
  leaseId: string;
  /** Jobs of this lease to look at now; the rest stay in the lease for a later claim. */
  jobIds: string[];
}

/**
 * Up to `limit` jobs of expired leases, oldest lease first, so a dead drain's work is recovered in order. A
 * drain never takes over its own leases: it is alive, knows what it still has in flight, and releases them.
 */
export function pickTakeover(shards: readonly ShardView[], now: Date, graceMs: number, limit: number, self: string): TakeoverPick[] {
  const expired = shards
    .flatMap((shard) =>
      Object.entries(shard.leases)
        .filter(([, lease]) => lease.owner !== self && leaseExpired(lease, now, graceMs))
        .map(([leaseId, lease]) => ({ shardId: shard.id, leaseId, lease })),
    )
    .sort((a, b) => a.lease.expiresAt.getTime() - b.lease.expiresAt.getTime());
  const picks: TakeoverPick[] = [];
  let left = limit;
  for (const { shardId, leaseId, lease } of expired) {
    if (left <= 0) break;
    const jobIds = Object.keys(lease.jobs).sort().slice(0, left);
    picks.push({ shardId, leaseId, jobIds });
    left -= jobIds.length;
  }
  return picks;
}

/**
 * What a claim does with a job found in an expired lease. `current` is the job now (null: deleted with its
 * event), `claimedVersion` what the dead drain saw.
 */
export function takeoverDecision(
  claimedVersion: string,
  current: { version: string; waiting: boolean } | null,
): "resume" | "drop" {
  if (!current || !current.waiting) return "drop";
  return current.version === claimedVersion ? "resume" : "drop";
}

/**
 * May a send that can take up to `sendTimeoutMs` start now under a lease ending at `expiresAt`? The send must
 * finish, and its outcome be written (the flush interval plus a write allowance), before the lease ends.
 */
export function sendFitsLease(now: Date, expiresAt: Date, sendTimeoutMs: number, recordMarginMs: number): boolean {
  return now.getTime() + sendTimeoutMs + recordMarginMs <= expiresAt.getTime();
}

/** A due job where a look found it, in the queue's claim order (rank, due time, id). */
export interface DueJob {
  id: string;
  partition: number;
  rank: number;
  dueAt: Date;
}

/** What one look across the partitions says about the due jobs (see lookForFree). */
export type FreeLook =
  /** Nothing is due. */
  | { kind: "none" }
  /**
   * A due job no live lease holds (`from`: claim from it on, as the partition's cursor may have passed it), or a
   * dead drain's lease to take over: claim in this partition.
   */
  | { kind: "claim"; partition: number; from?: DueJob }
  /** Every due job is in a live lease; `elsewhere`: at least one is another drain's. */
  | { kind: "in_flight"; elsewhere: boolean }
  /** More due jobs in flight than the look read past: try the partitions one by one. */
  | { kind: "unknown" };

/**
 * Where, if anywhere, a drain whose claim came back empty can still find work: from every partition's leases
 * and the most urgent due jobs (`complete` when those are all the due jobs there are). Jobs of a lease
 * that has just expired are still in flight until its grace has passed, as for a claim.
 */
export function lookForFree(
  shards: readonly ShardView[],
  due: readonly DueJob[],
  complete: boolean,
  now: Date,
  graceMs: number,
  self: string,
): FreeLook {
  const holders = new Map<string, string>();
  for (const shard of shards) {
    for (const lease of Object.values(shard.leases)) {
      if (lease.owner !== self && leaseExpired(lease, now, graceMs)) return { kind: "claim", partition: partitionOf(shard.id) };
      for (const id of Object.keys(lease.jobs)) holders.set(id, lease.owner);
    }
  }
  const free = due.find((job) => !holders.has(job.id));
  if (free) return { kind: "claim", partition: free.partition, from: free };
  if (!complete) return { kind: "unknown" };
  if (due.length === 0) return { kind: "none" };
  return { kind: "in_flight", elsewhere: due.some((job) => holders.get(job.id) !== self) };
}

function partitionOf(shardId: string): number {
  return Number(shardId.slice(shardId.lastIndexOf("-") + 1));
}
