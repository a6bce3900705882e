/**
 * The local stand-in for the scheduled Cloud Function: runs the same queue drain on a timer. One drain at a
 * time; a drain that overruns simply delays the next tick.
 */
import { writeFileSync } from "node:fs";
import { parseServerEnv } from "@/lib/config/env";
import { connectFirestore } from "@/lib/adapters/firestore/connect";
import { systemClock } from "@/lib/ports/clock";
import { logger } from "@/lib/log/logger";

const INTERVAL_MS = Number(process.env.HERALD_WORKER_INTERVAL_MS ?? 10_000);

async function main() {
  const env = parseServerEnv(process.env);
  const firestore = connectFirestore({ projectId: env.FIREBASE_PROJECT_ID, clock: systemClock, burnShards: env.HERALD_BURN_SHARDS });
  let stopping = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const tick = async () => {
    try {
      // The queue drain is wired in here by the delivery work; until then the worker only keeps its meter.
      await firestore.meter.flush();
    } catch (error) {
      logger.error("worker tick failed", { error });
    }
    if (!stopping) timer = setTimeout(tick, INTERVAL_MS);
  };

  const stop = async () => {
    stopping = true;
    clearTimeout(timer);
    await firestore.meter.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());

  if (process.env.HERALD_WORKER_READY_FILE) writeFileSync(process.env.HERALD_WORKER_READY_FILE, String(process.pid));
  logger.info("worker started", { intervalMs: INTERVAL_MS });
  await tick();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
