import { randomBytes } from "node:crypto";
import { docRef } from "@/lib/adapters/firestore/collection";
import { fieldOps, isAlreadyExists, isFailedPrecondition } from "@/lib/adapters/firestore/db";
import type { Snapshot } from "@/lib/adapters/firestore/collection";
import { collections, type JobDoc, type StoredLease } from "@/lib/adapters/firestore/schemas";
import { WAITING_JOB_STATES, isWaiting } from "@/lib/domain/delivery/job";
import {
  ALL_REGISTRY_SHARDS,
  claimCursor,
  firstShardFor,
  leaseExpired,
  leasedJobIds,
  liveDrainIds,
  lookForFree,
  pickTakeover,
  registryShardId,
  REGISTRY_SHARDS,
  takeoverDecision,
  type DueJob,
  type FreeLook,
  type ShardView,
} from "@/lib/domain/delivery/lease";
import { KeyedLock } from "../keyed-lock";
import type { UrgentPartitions } from "./confirmations";
import type { ClaimedJob, DrainPorts } from "./types";

/**
 * Claiming, renewing and releasing leases on the queue registry's partitions (lib/domain/delivery/lease.ts).
 * Job documents are not written on claim ("active" is membership of a live lease), which is what keeps
 * delivery near two writes per email.
 */

export const registryRef = (shardId: string) => docRef(collections.queue, shardId);

/** A drain that has not claimed for this long no longer takes a share of providers' rate limits. */
const DRAIN_LIVENESS_MS = 90_000;
/** The document in which every running drain announces itself (see Registry.announce). */
const HEARTBEATS_ID = "drains";
/**
 * A running drain renews its heartbeat this often (a write, and a read for each drain following the
 * document)...
 */
const HEARTBEAT_EVERY_MS = 5_000;
/**
 * ...and one whose heartbeat is older than this (three renewals missed: it was killed) no longer counts. At
 * 15 s and 45 s, a worker restarted after a crash sent at half rate for 45 s (bench:drain's kill run).
 */
const HEARTBEAT_LIVENESS_MS = 15_000;
/** Every this many passes over the partitions, a claim starts from a partition's head to pick up jobs behind its cursor. */
const SWEEP_EVERY = 4;
/** Conditional lease writes a claim tries before it fails (and the drain tries another partition). */
const CLAIM_ATTEMPTS = 5;
/** In-flight jobs a cursor claim may have to read past (rerouted retries still in a live lease). */
const SKIP_SLACK = 50;
/** A partition where another drain claimed this recently is crowded (see the rotation's jump in claim). */
const CROWDED_MS = 3_000;
/**
 * In-flight jobs a look for free work reads past, at most (a read each in production). At 300, the looks of a
 * four-drain bench run read 2,100-3,500 jobs (0.4-0.7 reads per email); at 100, 1,100-1,500, with throughput
 * unchanged within the noise. Past that, the drain tries the partitions one by one.
 */
const LOOK_PAST = 100;

export interface Lease {
  id: string;
  shardId: string;
  expiresAt: Date;
  jobIds: string[];
}

export interface Chunk {
  /** The queue partition claimed from. */
  partition: number;
  /** The claim's query found every due job of the partition (as of the claim): claiming there again now would find none. */
  exhausted: boolean;
  lease: Lease | null;
  jobs: ClaimedJob[];
  liveDrains: number;
  recovered: number;
}

function shardView(id: string, doc: { leases: Record<string, StoredLease>; drains: Record<string, Date> } | null): ShardView {
  return { id, leases: doc?.leases ?? {}, drains: doc?.drains ?? {} };
}

export class Registry {
  /**
   * Claims, renewals and releases of this process take turns on each partition's document instead of
   * contending for it; on different partitions they do not wait for each other (a renewal queued behind a
   * slow claim elsewhere let leases expire and other drains resend their jobs).
   */
  private readonly turns = new KeyedLock();
  private claims = 0;
  /** What this drain last saw of each partition's live drains, to count the drains sharing providers. */
  private readonly seen = new Map<string, ShardView>();

  constructor(
    private readonly ports: DrainPorts,
    private readonly drainId: string,
    private readonly options: { claimSize: number; leaseMs: number; takeoverGraceMs: number },
  ) {}

  /** Live drains as the heartbeat document last showed them; null until it has, or after its listener failed. */
  private heartbeats: Record<string, Date> | null = null;
  private stopHeartbeats: (() => void) | null = null;
  private left = false;

  /**
   * Announces this drain in the heartbeat document, renews that every HEARTBEAT_EVERY_MS, and follows the
   * document, calling `onCount` with the number of live drains (this one included) whenever it changes. Each
   * drain takes that share of every provider's rate limit. Drains starting together used to learn of each
   * other only when their claims met in the same partitions, seconds later, and meanwhile each sent at the
   * full rate and drew 429s (bench:drain, four drains: 273–508 in a run). Resolves with the first count.
   */
  announce(onCount: (live: number) => void): Promise<number> {
    const ref = registryRef(HEARTBEATS_ID);
    const beat = () => this.ports.db.merge("queue.heartbeat", ref, { drains: { [this.drainId]: this.ports.clock.now() } });
    return new Promise<number>((resolve, reject) => {
      let first = true;
      const count = () => this.liveDrains(this.ports.clock.now());
      beat().then(() => {
        // The run may have ended (and left) while the first heartbeat was being written.
        if (this.left) return resolve(1);
        const renew = setInterval(() => void beat().catch(() => undefined), HEARTBEAT_EVERY_MS);
        const unsubscribe = this.ports.db.watch(
          "queue.heartbeat",
          ref,
          (data) => {
            this.heartbeats = data?.drains ?? {};
            if (first) {
              this.forgetLongGone(this.heartbeats);
              resolve(count());
            } else onCount(count());
            first = false;
          },
          (error) => {
            // Back to what the partitions' lease writes tell.
            this.heartbeats = null;
            if (first) reject(error);
            else onCount(count());
            first = false;
          },
        );
        this.stopHeartbeats = () => {
          clearInterval(renew);
          unsubscribe();
        };
      }, reject);
    });
  }

  /** Entries of drains killed long ago (a run that ends leaves by itself): removed, so the document stays small. */
  private forgetLongGone(heartbeats: Record<string, Date>): void {
    const now = this.ports.clock.now().getTime();
    const gone = Object.entries(heartbeats).filter(([, at]) => now - at.getTime() > 10 * HEARTBEAT_LIVENESS_MS);
    if (gone.length === 0) return;
    const update = Object.fromEntries(gone.map(([id]) => [`drains.${id}`, fieldOps.delete()]));
    void this.ports.db.update("queue.heartbeat", registryRef(HEARTBEATS_ID), update).catch(() => undefined);
  }

  /** Leaves the heartbeat document, so the other drains' shares grow at once rather than after its liveness. */
  async leave(): Promise<void> {
    this.left = true;
    this.stopHeartbeats?.();
    this.stopHeartbeats = null;
    await this.ports.db.update("queue.heartbeat", registryRef(HEARTBEATS_ID), { [`drains.${this.drainId}`]: fieldOps.delete() });
  }

  /** How many drains share the providers now: the heartbeat document's, else those seen in partitions' lease writes. */
  private liveDrains(now: Date): number {
    const live = liveDrainsOf(this.heartbeats, [...this.seen.values()], now);
    // This drain counts itself before its heartbeat or its first claim makes it visible.
    return live.includes(this.drainId) ? live.length : live.length + 1;
  }

  /**
   * Claims up to `size` due jobs of the next partition in this drain's rotation (passing over those in `skip`),
   * highest priority first, with one conditional write on that partition's registry document: jobs of expired
   * leases first (bounded, resumed only if untouched since their claim), then due jobs not in any lease.
   */
  claim(
    only?: number,
    urgent: UrgentPartitions = "unknown",
    size = this.options.claimSize,
    skip: ReadonlySet<number> = new Set(),
    /** Read from this job on, instead of from the partition's cursor, which may have passed it (see lookForFree). */
    from?: DueJob,
  ): Promise<Chunk> {
    let n = this.claims++;
    const inTurn = () => (firstShardFor(this.drainId) + n) % REGISTRY_SHARDS;
    // The rotation passes over partitions the caller knows to be exhausted (once round at most).
    for (let k = 1; only === undefined && k < REGISTRY_SHARDS && skip.has(inTurn()); k++) n = this.claims++;
    const partition = only ?? inTurn();
    // One query per claim, over the ranks it looks for, in priority order. On the emulator every query on the
    // queue sorts all of it, however little it returns: a query per rank cost two or three such sorts per claim
    // (mostly to find no reminders), the largest part of the emulator's work in bench:drain. Confirmations
    // (rank 0) are looked for only where the drain's last look across partitions found some waiting, or when
    // it does not know. The ranks are a range, not a list: `rank in [...]` made the emulator sort once per value.
    const lowestRank = urgent === "unknown" || urgent.has(partition) ? 0 : 1;
    const target = registryShardId(partition);
    // A partition is swept from its head on every SWEEP_EVERY-th pass of the rotation, never the first: a sweep
    // reads every job in flight there, and a run that came to find work (at the end of a four-drain bench run,
    // one every few seconds per idle worker) read them all in each partition, for nothing. Otherwise from the
    // cursor. A run long enough to need them reaches its sweeps; a partition without a live lease has no cursor.
    const sweep = from === undefined && Math.floor(n / REGISTRY_SHARDS) % SWEEP_EVERY === SWEEP_EVERY - 1;
    const leaseId = `${this.drainId}-${randomBytes(4).toString("hex")}`;
    const { leaseMs, takeoverGraceMs: grace } = this.options;
    return this.turns.run(target, async () => {
      // No transaction: a transactional query holds its locks (on the emulator, over everything it scanned)
      // while outcome writes and other drains' claims wait or abort, and four drains spent most of each run
      // waiting on claims. The partition's registry is read, due jobs are found, and the lease is written only
      // if the registry is still the version read (no lease taken or released in between, so no job found
      // was claimed, sent and released meanwhile). A job cancelled meanwhile is stopped at send time, as one
      // cancelled just after its claim is.
      const [before] = await this.ports.db.getAll("queue.claim", [registryRef(target)]);
      const seen = shardView(target, before?.data ?? null);
      const seenLeased = leasedJobIds([seen]);
      const asOf = this.ports.clock.now();
      // Priority order: high (confirmations) before normal (invitations) before low (reminders), oldest first.
      // The query starts after its first rank's cursor, if that rank has one (a later rank's cursor would skip
      // the ranks before it): in-flight jobs of later ranks are read past, within the slack.
      const cursor = from || sweep ? undefined : claimCursor([seen], lowestRank, asOf, grace);
      const limit = size + (sweep ? seenLeased.size : Math.min(seenLeased.size, SKIP_SLACK));
      const due = await this.ports.db.query("queue.claim", collections.jobs, {
        where: [
          ...(lowestRank > 0 ? [["rank", ">=", lowestRank] as const] : []),
          ["shard", "==", partition],
          ["state", "in", [...WAITING_JOB_STATES]],
          ["dueAt", "<=", asOf],
        ],
        orderBy: [
          ["rank", "asc"],
          ["dueAt", "asc"],
          ["__name__", "asc"],
        ],
        startAfter: cursor ? [lowestRank, cursor.dueAt, cursor.id] : undefined,
        startAt: from ? [from.rank, from.dueAt, from.id] : undefined,
        limit,
      });
      const found = due.filter((snap) => !seenLeased.has(snap.id));
      // Another drain claimed here moments ago (or does so while this claim is made, below).
      let crowded = Object.values(seen.leases).some((l) => l.owner !== this.drainId && asOf.getTime() - l.claimedAt.getTime() < CROWDED_MS);
      // Fewer documents than asked for: the query reached the end of the partition's due jobs.
      const queryExhausted = due.length < limit;

      let registry = before;
      let candidates = found;
      for (let attempt = 1; ; attempt++) {
        const now = this.ports.clock.now();
        const stored = registry?.data ?? null;
        const view = shardView(target, stored);
        const leased = leasedJobIds([view]);
        const leases = { ...view.leases } as Record<string, StoredLease>;

        const jobs: ClaimedJob[] = [];
        const picks = pickTakeover([view], now, grace, size, this.drainId);
        const pickedIds = picks.flatMap((p) => p.jobIds);
        const pickedSnaps = pickedIds.length > 0 ? await this.ports.db.getAll("queue.claim", pickedIds.map((id) => docRef(collections.jobs, id))) : [];
        const byId = new Map(pickedIds.map((id, i) => [id, pickedSnaps[i] ?? null]));
        let recovered = 0;
        for (const pick of picks) {
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

        let leftBehind = false;
        for (const snap of candidates) {
          if (leased.has(snap.id) || byId.has(snap.id)) continue;
          if (jobs.length >= size) {
            leftBehind = true;
            break;
          }
          jobs.push({ id: snap.id, job: snap.data, version: snap.version, resumed: false });
        }
        const exhausted = queryExhausted && !leftBehind;

        const drains = Object.fromEntries(
          Object.entries(view.drains).filter(([, seen]) => now.getTime() - seen.getTime() < DRAIN_LIVENESS_MS),
        );
        // The heartbeat rides on the lease write: an empty claim writes nothing, and a drain that stopped
        // claiming simply ages out of the count.
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
          leases[leaseId] = {
            owner: this.drainId,
            claimedAt: now,
            expiresAt,
            jobs: Object.fromEntries(jobs.map((j) => [j.id, j.version])),
            cursor,
          };
          lease = { id: leaseId, shardId: target, expiresAt, jobIds: jobs.map((j) => j.id) };
        }
        if (jobs.length === 0 && picks.length === 0) return { lease, jobs, recovered, drains, now, exhausted, crowded };
        // Written only if the partition is still as read: create() for its first claim, else an update
        // conditional on the version read. Either way, two drains that read the same state cannot both lease
        // the same jobs; the loser reads again.
        const write = this.ports.db.batch("queue.claim");
        if (registry) write.update(registryRef(target), { leases, drains }, { ifVersion: registry.version });
        else write.create(registryRef(target), { leases, drains });
        try {
          await write.commit();
          return { lease, jobs, recovered, drains, now, exhausted, crowded };
        } catch (error) {
          if (!(isFailedPrecondition(error) || isAlreadyExists(error)) || attempt >= CLAIM_ATTEMPTS) throw error;
        }
        crowded = true;
        // Another claim, renewal or release wrote the partition since it was read: read it again, and the jobs
        // found (one may have been claimed, sent and released meanwhile).
        [registry] = await this.ports.db.getAll("queue.claim", [registryRef(target)]);
        const again = await this.ports.db.getAll("queue.claim", found.map((snap) => docRef(collections.jobs, snap.id)));
        const asOfNow = this.ports.clock.now();
        candidates = again.filter((snap): snap is Snapshot<JobDoc> => snap !== null && isWaiting(snap.data.state) && snap.data.dueAt <= asOfNow);
      }
    }).then(({ lease, jobs, recovered, drains, now, exhausted, crowded }) => {
      this.seen.set(target, { id: target, leases: {}, drains });
      // Drains that met in a partition would otherwise meet again in every next one, their rotations in step:
      // in a four-drain bench run, pairs of drains claimed the same partitions in turn, the later of each pair
      // waiting seconds for what the other had just taken. This one jumps ahead by a random stretch instead.
      if (crowded) this.claims += 1 + Math.floor(this.ports.random.next() * (REGISTRY_SHARDS - 1));
      return { partition, exhausted, lease, jobs, recovered, liveDrains: this.liveDrains(now) };
    });
  }

  /**
   * Extends a lease that is still ours and still running, so sends that are slow to start (a provider's rate
   * limit, a long queue) need not be given up. False when the lease is gone or already past its end.
   */
  renew(lease: Lease): Promise<boolean> {
    return this.turns
      .run(lease.shardId, () =>
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
    return this.turns.run(lease.shardId, () =>
      this.ports.db.update("queue.release", registryRef(lease.shardId), { [`leases.${lease.id}`]: fieldOps.delete() }),
    );
  }

  /**
   * Where a claim that came back empty should go next, if anywhere: one read of every partition's leases and
   * one query for the most urgent due jobs, reading past as many as are in flight (up to LOOK_PAST). This
   * used to be a look at the most urgent due job alone, then a claim in every partition in turn to learn that
   * all were in flight: at the end of a four-drain bench run, each drain done with its share made eight claims
   * a round, each a sort of the whole queue on the emulator, while the drains still sending waited behind.
   */
  async lookForFree(): Promise<FreeLook> {
    const stored = await this.ports.db.getAll("queue.look", ALL_REGISTRY_SHARDS.map(registryRef));
    const shards = ALL_REGISTRY_SHARDS.map((id, i) => shardView(id, stored[i]?.data ?? null));
    const now = this.ports.clock.now();
    const limit = Math.min(leasedJobIds(shards).size, LOOK_PAST) + 1;
    const due = await peekDue(this.ports.db, now, limit);
    const jobs = due.map((snap) => ({ id: snap.id, partition: snap.data.shard, rank: snap.data.rank, dueAt: snap.data.dueAt }));
    return lookForFree(shards, jobs, due.length < limit, now, this.options.takeoverGraceMs, this.drainId);
  }
}

/**
 * The most urgent due job, if any (one read either way): the run's first question. With a larger limit, the
 * look after an empty claim (lookForFree), which reads past the jobs in flight.
 */
export function peekDue(db: DrainPorts["db"], now: Date, limit = 1): Promise<Snapshot<JobDoc>[]> {
  return db.query("drain.peek", collections.jobs, {
    where: [
      ["state", "in", [...WAITING_JOB_STATES]],
      ["dueAt", "<=", now],
    ],
    orderBy: [
      ["rank", "asc"],
      ["dueAt", "asc"],
    ],
    limit,
  });
}

/**
 * The drains sharing the providers: those whose heartbeat is live, or, without the heartbeat document (its
 * listener failed, or no drain has announced itself yet), those seen in the partitions' lease writes.
 */
function liveDrainsOf(heartbeats: Record<string, Date> | null, partitions: ShardView[], now: Date): string[] {
  return heartbeats
    ? liveDrainIds([{ id: HEARTBEATS_ID, leases: {}, drains: heartbeats }], now, HEARTBEAT_LIVENESS_MS)
    : liveDrainIds(partitions, now, DRAIN_LIVENESS_MS);
}

/**
 * Everything in flight and every live drain, for the operators' view of the queue: the drains counted the way
 * they count each other (the partitions alone showed a drain as live for 90 s after its run ended).
 */
export async function readRegistry(db: DrainPorts["db"], now: Date): Promise<{ inFlight: number; liveDrains: number; expiredLeases: number }> {
  const stored = await db.getAll("monitor.queue", [...ALL_REGISTRY_SHARDS, HEARTBEATS_ID].map(registryRef));
  const shards = ALL_REGISTRY_SHARDS.map((id, i) => shardView(id, stored[i]?.data ?? null));
  const heartbeats = stored[ALL_REGISTRY_SHARDS.length]?.data.drains ?? null;
  let inFlight = 0;
  let expiredLeases = 0;
  for (const shard of shards) {
    for (const lease of Object.values(shard.leases)) {
      if (leaseExpired(lease, now, 0)) expiredLeases++;
      else inFlight += Object.keys(lease.jobs).length;
    }
  }
  return { inFlight, liveDrains: liveDrainsOf(heartbeats, shards, now).length, expiredLeases };
}
