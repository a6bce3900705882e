/**
 * The composition root for the queue drain outside Next: the scheduled Cloud Function and the local worker
 * (scripts/worker.ts) both build their ports here, so they run exactly the same code.
 */
import { hostname } from "node:os";
import { parseDrainEnv, type DrainEnv } from "../../lib/config/env";
import { connectFirestore, type FirestoreContext } from "../../lib/adapters/firestore/connect";
import { createMailer } from "../../lib/adapters/email/create-mailer";
import { createSimulatedMailer } from "../../lib/adapters/email/simulated";
import { mathRandom, systemClock } from "../../lib/ports/clock";
import { BurnGuard } from "../../lib/services/burn-guard";
import { drainQueue, newDrainId, type DrainPorts, type DrainSummary } from "../../lib/services/drain";
import { queueDueReminders, type ReminderSummary } from "../../lib/services/reminders/scheduler";
import { applyWebhookInbox, type WebhookSummary } from "../../lib/services/webhooks";
import { logger } from "../../lib/log/logger";

export interface DrainContainer {
  /**
   * One id per process, not per run: the queue registry counts live drains by id to split each provider's
   * rate limit between them, and a worker draining every few seconds is still one drain.
   */
  drainId: string;
  env: DrainEnv;
  firestore: FirestoreContext;
  ports: DrainPorts;
  /** Halts sending when the day's Firestore burn crosses the operator's limit; lives as long as the process. */
  guard: BurnGuard;
}

export function createDrainContainer(source: Record<string, string | undefined> = process.env): DrainContainer {
  const env = parseDrainEnv(source);
  const firestore = connectFirestore({ projectId: env.FIREBASE_PROJECT_ID, clock: systemClock, burnShards: env.HERALD_BURN_SHARDS });
  const log = (message: string, fields?: Record<string, unknown>) => logger.warn(message, fields);
  return {
    drainId: newDrainId().replace("drain-", `drain-${hostname().slice(0, 12).replace(/[^A-Za-z0-9-]/g, "-")}-`),
    env,
    firestore,
    ports: {
      db: firestore.db,
      clock: systemClock,
      random: mathRandom,
      mailerFactory: (connection) => createMailer(connection),
      simulatedMailer: createSimulatedMailer(),
      credentialsKey: env.HERALD_CREDENTIALS_KEY,
      tokenSecret: env.HERALD_TOKEN_SECRET,
      baseUrl: env.HERALD_BASE_URL,
      log,
    },
    guard: new BurnGuard({ db: firestore.db, clock: systemClock, log }, { refreshMs: env.HERALD_BURN_GUARD_REFRESH_SECONDS * 1000 }),
  };
}

/** Optional overrides for operators and benchmarks; the drain's defaults suit the scheduled function. */
function tuning(source: Record<string, string | undefined>) {
  const num = (name: string) => (source[name] ? Number(source[name]) : undefined);
  const out: { leaseMs?: number; claimSize?: number; concurrency?: number } = {};
  if (num("HERALD_DRAIN_LEASE_MS")) out.leaseMs = num("HERALD_DRAIN_LEASE_MS");
  if (num("HERALD_DRAIN_CLAIM_SIZE")) out.claimSize = num("HERALD_DRAIN_CLAIM_SIZE");
  if (num("HERALD_DRAIN_CONCURRENCY")) out.concurrency = num("HERALD_DRAIN_CONCURRENCY");
  return out;
}

/** Reminders are queued first, within a slice of the run, so they leave in the drain that follows. */
const REMINDER_BUDGET_SHARE = 0.25;
/** Provider reports go before both: a bounce recorded now keeps the drain from mailing that address again. */
const WEBHOOK_BUDGET_SHARE = 0.15;
/** An idle run's few reads wait this long for a flush: one write per idle run would dwarf what it counts. */
const IDLE_FLUSH_AFTER_MS = 60_000;

/**
 * One scheduled run: the burn guard first (from what it already knows, no read) and alongside while the drain
 * sends; then the provider reports in the webhook inbox and the reminders that came due, while the drain's
 * first read looks for due jobs (it claims nothing before both are done, so a bounce just reported is not
 * mailed and the new reminders leave in this run; against Firestore the overlap saves their round trips, on
 * the emulator it was lost in the first call's setup); the drain within a budget shorter than the function's
 * timeout; the guard once more after a run that sent anything (reading the day's totals when they are stale),
 * so a queue drained in short runs is guarded too; then the burn meter's flush (a function instance may be
 * frozen right after returning, so nothing is left for a timer). A run that did nothing reads nothing for the
 * guard and flushes only counts older than a minute; a frozen instance keeps them for its next run.
 */
export async function runDrain(
  container: DrainContainer,
  budgetMs: number,
): Promise<DrainSummary & { reminders: ReminderSummary | null; webhooks: WebhookSummary | null }> {
  let summary: DrainSummary | undefined;
  let reminders: ReminderSummary | null = null;
  let webhooks: WebhookSummary | null = null;
  await container.guard.checkKnown().catch((error: Error) => logger.warn("burn guard check failed", { error: error.message }));
  const stopGuard = container.guard.watch();
  const before = reportsAndReminders(container, budgetMs);
  try {
    summary = await drainQueue(container.ports, { drainId: container.drainId, budgetMs, before, ...tuning(process.env) });
    ({ webhooks, reminders } = await before);
    if (summary.claimed > 0) await container.guard.check().catch((error: Error) => logger.warn("burn guard check failed", { error: error.message }));
    return { ...summary, reminders, webhooks };
  } finally {
    // Never left running past the run, even by a drain that failed.
    await before;
    stopGuard();
    const { meter } = container.firestore;
    const idle = summary !== undefined && summary.claimed === 0 && (reminders?.queued ?? 0) === 0 && (webhooks?.applied ?? 0) === 0;
    await (idle ? meter.flushIfOlderThan(IDLE_FLUSH_AFTER_MS) : meter.flush());
  }
}

/** The provider reports in the webhook inbox, then the reminders that came due; neither fails the run. */
async function reportsAndReminders(container: DrainContainer, budgetMs: number) {
  const webhooks = await applyWebhookInbox(container.ports, { budgetMs: budgetMs * WEBHOOK_BUDGET_SHARE }).catch((error: Error) => {
    // The reports stay in the inbox for the next run; the queue must not wait for them.
    logger.error("could not apply provider reports", { error: error.message });
    return null;
  });
  const reminders = await queueDueReminders(container.ports, { runId: container.drainId, budgetMs: budgetMs * REMINDER_BUDGET_SHARE }).catch(
    (error: Error) => {
      // Reminders can wait for the next run; the queue must not.
      logger.error("could not queue reminders", { error: error.message });
      return null;
    },
  );
  return { webhooks, reminders, queued: (reminders?.queued ?? 0) > 0 };
}
