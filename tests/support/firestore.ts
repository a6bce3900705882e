import { randomUUID } from "node:crypto";
import { connectFirestore, type FirestoreContext } from "@/lib/adapters/firestore/connect";
import type { Clock } from "@/lib/ports/clock";

/**
 * Each integration test file gets its own demo- project in the shared emulator, so files run in parallel
 * without seeing each other's documents.
 */
export function testFirestore(options: { clock?: Clock; burnShards?: number } = {}): FirestoreContext & { projectId: string } {
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    throw new Error("FIRESTORE_EMULATOR_HOST is not set: run integration tests with `npm run test:integration`.");
  }
  const projectId = `demo-t${randomUUID().slice(0, 8)}`;
  const ctx = connectFirestore({
    projectId,
    clock: options.clock ?? { now: () => new Date() },
    burnShards: options.burnShards ?? 4,
  });
  return { ...ctx, projectId };
}
