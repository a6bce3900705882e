import { docRef } from "@/lib/adapters/firestore/collection";
import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections } from "@/lib/adapters/firestore/schemas";
import { registryShardId } from "@/lib/domain/delivery/lease";

/**
 * What a drain that claimed these jobs and then died leaves behind: a lease, long expired, holding each job at
 * the version it had when claimed (read here, as the dead drain would have).
 */
export async function seedExpiredLease(db: MeteredFirestore, jobIds: string[], shard = 0): Promise<void> {
  const snaps = await db.getAll("test.seed", jobIds.map((id) => docRef(collections.jobs, id)));
  const jobs = Object.fromEntries(jobIds.map((id, i) => [id, snaps[i]!.version]));
  const expiresAt = new Date(Date.now() - 60_000);
  await db.set("test.seed", docRef(collections.queue, registryShardId(shard)), {
    leases: { "drain-dead-0001": { owner: "drain-dead", claimedAt: new Date(expiresAt.getTime() - 120_000), expiresAt, jobs, cursor: {} } },
    drains: {},
  });
}
