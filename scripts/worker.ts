/**
 * The local stand-in for the scheduled Cloud Function: runs the very same drain (functions/src/container.ts)
 * on a timer. One drain at a time; a drain that overruns simply delays the next tick.
 */
import { writeFileSync } from "node:fs";
import { createDrainContainer, runDrain } from "../functions/src/container";
import { logger } from "@/lib/log/logger";
import { nextRunDelayMs } from "./lib/worker-timing";

const INTERVAL_MS = Number(process.env.HERALD_WORKER_INTERVAL_MS ?? 10_000);
const BUDGET_MS = Number(process.env.HERALD_WORKER_BUDGET_MS ?? 50_000);

async function main() {
  const container = createDrainContainer();
  // Benchmarks ask which document was written most often (Firestore sustains about one write per second each).
  const writeLog = process.env.HERALD_DOC_WRITE_LOG;
  const documentWrites = writeLog ? container.firestore.db.trackDocumentWrites() : null;
  let stopping = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const tick = async () => {
    let summary: Awaited<ReturnType<typeof runDrain>> | null = null;
    try {
      const run = runDrain(container, BUDGET_MS);
      running = run;
      summary = await run;
      if (summary.claimed > 0 || (summary.reminders?.queued ?? 0) > 0 || (summary.webhooks?.applied ?? 0) > 0) logger.info("queue drained", { ...summary });
    } catch (error) {
      logger.error("drain failed", { error });
    }
    if (!stopping) timer = setTimeout(tick, nextRunDelayMs(summary, INTERVAL_MS));
  };

  const stop = async () => {
    stopping = true;
    clearTimeout(timer);
    // Let a drain in progress record its outcomes; its lease would otherwise make those emails wait.
    await Promise.race([running.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    await container.firestore.meter.stop().catch(() => undefined);
    if (writeLog && documentWrites) {
      const busy = [...documentWrites].filter(([, times]) => times.length >= 5);
      writeFileSync(writeLog, JSON.stringify(Object.fromEntries(busy)));
    }
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
