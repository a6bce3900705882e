import { docRef } from "@/lib/adapters/firestore/collection";
import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections, runtimeSettingsSchema, type RuntimeSettings } from "@/lib/adapters/firestore/schemas";
import type { Clock } from "@/lib/ports/clock";

export const RUNTIME_SETTINGS = docRef(collections.settings, "runtime");

/** How long a cancellation stays in the runtime document: longer than any drain's lease. */
export const CANCELLATION_MEMORY_MS = 15 * 60 * 1000;

export async function readRuntimeSettings(db: MeteredFirestore): Promise<RuntimeSettings> {
  const snap = await db.get("settings.read", RUNTIME_SETTINGS);
  return snap?.data ?? runtimeSettingsSchema.parse({});
}

export async function setHalted(db: MeteredFirestore, clock: Clock, halted: boolean, by: string): Promise<void> {
  await db.merge("settings.halt", RUNTIME_SETTINGS, {
    halted,
    haltedAt: halted ? clock.now() : null,
    haltedBy: halted ? by : null,
    updatedAt: clock.now(),
  });
}

export async function setSimulation(db: MeteredFirestore, clock: Clock, simulation: boolean): Promise<void> {
  await db.merge("settings.simulation", RUNTIME_SETTINGS, { simulation, updatedAt: clock.now() });
}

/**
 * Records that in-flight emails for these events, or these queue jobs, must not go out. Drains listen to this
 * one document, so the check before each send costs no read. Jobs, not invitations: a newer job of the same
 * invitation (a re-invite after a revoke) must still go. Old entries are dropped in the same write.
 */
export async function announceCancellations(
  db: MeteredFirestore,
  clock: Clock,
  target: { eventIds?: string[]; jobIds?: string[] },
): Promise<void> {
  if ((target.eventIds?.length ?? 0) + (target.jobIds?.length ?? 0) === 0) return;
  const now = clock.now();
  await db.transaction("settings.cancel", async (tx) => {
    const current = (await tx.get(RUNTIME_SETTINGS)) ?? runtimeSettingsSchema.parse({});
    const keep = (entries: Record<string, Date>) =>
      Object.fromEntries(Object.entries(entries).filter(([, at]) => now.getTime() - at.getTime() < CANCELLATION_MEMORY_MS));
    const events = keep(current.cancelledEvents);
    const jobs = keep(current.cancelledJobs);
    for (const id of target.eventIds ?? []) events[id] = now;
    for (const id of target.jobIds ?? []) jobs[id] = now;
    // A full set (not a merge) so pruned entries really leave the maps.
    tx.set(RUNTIME_SETTINGS, { ...current, cancelledEvents: events, cancelledJobs: jobs, updatedAt: now });
  });
}
