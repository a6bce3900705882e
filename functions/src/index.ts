import { onSchedule } from "firebase-functions/v2/scheduler";
import { logger } from "firebase-functions";
import { createDrainContainer, runDrain, type DrainContainer } from "./container";

/** Stop claiming work this long after the start, well inside the timeout below, so a run always ends cleanly. */
const BUDGET_MS = 50_000;

let container: DrainContainer | undefined;

/**
 * Every minute: drain due queue jobs. A thin wrapper: all behaviour lives in lib/services/drain.ts, which the
 * local worker runs too. Concurrency across overlapping runs is safe: claims go through the queue registry.
 */
export const drainQueueEveryMinute = onSchedule(
  {
    schedule: "every 1 minutes",
    timeoutSeconds: 120,
    memory: "512MiB",
    maxInstances: 1,
    retryCount: 0,
    secrets: ["HERALD_TOKEN_SECRET", "HERALD_CREDENTIALS_KEY"],
  },
  async (event) => {
    container ??= createDrainContainer();
    const summary = await runDrain(container, BUDGET_MS);
    logger.info("queue drained", { scheduleTime: event.scheduleTime, ...summary });
  },
);
