import { docRef } from "@/lib/adapters/firestore/collection";
import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections, type StoredLease } from "@/lib/adapters/firestore/schemas";
import { registryShardId } from "@/lib/domain/delivery/lease";

/**
 * What a drain that claimed these jobs and then died leaves behind: in each job's partition, a lease long
 * expired, holding each job at the version it had when claimed (read here, as the dead drain would have).
 */
export async function seedExpiredLease(db: MeteredFirestore, jobIds: string[]): Promise<void> {
  const snaps = await db.getAll("test.seed", jobIds.map((id) => docRef(collections.jobs, id)));
  const expiresAt = new Date(Date.now() - 60_000);
  const byShard = new Map<number, Record<string, string>>();
  jobIds.forEach((id, i) => {
    const snap = snaps[i]!;
    byShard.set(snap.data.shard, { ...byShard.get(snap.data.shard), [id]: snap.version });
  });
  for (const [shard, jobs] of byShard) {
    const lease: StoredLease = { owner: "drain-dead", claimedAt: new Date(expiresAt.getTime() - 120_000), expiresAt, jobs, cursor: {} };
    await db.set("test.seed", docRef(collections.queue, registryShardId(shard)), { leases: { "drain-dead-0001": lease }, drains: {} });
  }
}
