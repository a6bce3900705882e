import { onSchedule } from "firebase-functions/v2/scheduler";
import { logger } from "firebase-functions";
import { defineSecret, defineString, projectID } from "firebase-functions/params";
import { createDrainContainer, runDrain, type DrainContainer } from "./container";

/*
 * Everything a deployed drain is given, declared as Firebase params so that `firebase deploy` provides it: the
 * CLI asks for a string param that functions/.env.<project-id> does not hold (and saves the answer there), and
 * refuses to deploy while a secret is missing from Secret Manager. The project id comes from the platform.
 * Optional tuning (HERALD_DRAIN_*, HERALD_BURN_*) may be added to functions/.env; the defaults suit this schedule.
 */
const baseUrl = defineString("HERALD_BASE_URL", {
  label: "Herald's public URL",
  description: "Where guests open their invitations, e.g. https://herald.example.com: the app's HERALD_BASE_URL (apphosting.yaml).",
});
const tokenSecret = defineSecret("HERALD_TOKEN_SECRET", { description: "The app's HERALD_TOKEN_SECRET: signs invitation links." });
const credentialsKey = defineSecret("HERALD_CREDENTIALS_KEY", { description: "The app's HERALD_CREDENTIALS_KEY: decrypts provider credentials." });

/** Stop claiming work this long after the start, well inside the timeout below, so a run always ends cleanly. */
const BUDGET_MS = 50_000;

let container: DrainContainer | undefined;

/**
 * Every minute: queue the reminders that came due, then drain due queue jobs. A thin wrapper: all behaviour
 * lives in lib/services (reminders/scheduler.ts, drain/), which the local worker runs too. Concurrency across
 * overlapping runs is safe: claims go through the queue registry and the events' reminder claims.
 */
export const drainQueueEveryMinute = onSchedule(
  {
    schedule: "every 1 minutes",
    timeoutSeconds: 120,
    memory: "512MiB",
    maxInstances: 1,
    // One run per instance: runs in one instance share its container, and so its drain id, and two drains
    // with one id would each count the other as itself and take every provider's whole rate limit. (The
    // default is already 1 below one vCPU; said here so raising the memory cannot change it.)
    concurrency: 1,
    retryCount: 0,
    secrets: [tokenSecret, credentialsKey],
  },
  async (event) => {
    container ??= createDrainContainer({
      ...process.env,
      FIREBASE_PROJECT_ID: projectID.value(),
      HERALD_BASE_URL: baseUrl.value(),
      HERALD_TOKEN_SECRET: tokenSecret.value(),
      HERALD_CREDENTIALS_KEY: credentialsKey.value(),
    });
    const summary = await runDrain(container, BUDGET_MS);
    logger.info("queue drained", { scheduleTime: event.scheduleTime, ...summary });
  },
);
