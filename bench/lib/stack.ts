import { loadavg } from "node:os";
import { deleteApp, getApps } from "firebase-admin/app";
import { connectFirestore, type FirestoreContext } from "@/lib/adapters/firestore/connect";
import { systemClock } from "@/lib/ports/clock";
import type { ServiceContext } from "@/lib/services/context";
import { serviceContext } from "@/tests/support/fixtures";
// Type-only: erased at run time, so it does not load local-stack before the port offset is set.
import type { TestStack } from "../../scripts/with-emulators";
import { emitResult, errorMessage, peakRssMb, progress, round, routeConsoleToStderr } from "./output";

/**
 * Benchmarks run on their own ports (offset 50) so they never collide with a test run or a developer's
 * stack. local-stack reads the offset when it is first evaluated, which is why everything that reaches it
 * (with-emulators, test-env) is imported dynamically, after the defaults below are in place.
 */
function applyBenchDefaults(): void {
  process.env.HERALD_TEST_PORT_OFFSET ??= "50";
  process.env.HERALD_NEXT_DIST_DIR ??= ".next";
}

let stopActive: (() => Promise<void>) | null = null;

/**
 * Runs one benchmark: human-readable progress on stderr, its figures as one JSON line last on stdout. A run
 * that cannot finish still ends with a JSON line (with `error`) and a non-zero exit code; a run that finishes
 * exits 0 whatever its figures are, since benchmarks report and do not judge.
 */
export async function runBench(name: string, body: () => Promise<Record<string, unknown>>): Promise<never> {
  routeConsoleToStderr();
  applyBenchDefaults();
  const interrupt = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping everything this benchmark started`);
    void (stopActive?.() ?? Promise.resolve())
      .finally(() => emitResult({ bench: name, error: `interrupted by ${signal}`, peakRssMb: peakRssMb() }))
      .finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  let result: Record<string, unknown>;
  let code = 0;
  // Whether other work shared the machine: figures from a busy box are not comparable with a quiet one's.
  const loadAtStart = round(loadavg()[0] ?? 0, 2);
  try {
    const figures = await body();
    result = { bench: name, ...figures, peakRssMb: peakRssMb(), loadAverage1m: { start: loadAtStart, end: round(loadavg()[0] ?? 0, 2) } };
  } catch (error) {
    progress(`${name} failed: ${errorMessage(error)}`);
    result = { bench: name, error: errorMessage(error), peakRssMb: peakRssMb() };
    code = 1;
  }
  await emitResult(result);
  // firebase-admin's channels and fetch's keep-alive sockets would hold the process open for a while.
  process.exit(code);
}

export interface BenchStack {
  env: NodeJS.ProcessEnv;
  firestore: FirestoreContext;
  ctx: ServiceContext;
  /** The secret the stack's app signs invitation tokens with. */
  tokenSecret: string;
}

/**
 * Starts the test stack on the bench ports, connects this process to its Firestore emulator the way the app
 * does, runs `body`, and stops everything however `body` ends.
 */
export async function withTestStack<T>(
  options: { app: boolean; worker?: boolean; env?: Record<string, string> },
  body: (stack: BenchStack) => Promise<T>,
): Promise<T> {
  const { startTestStack } = await import("../../scripts/with-emulators");
  const { TEST_SECRETS } = await import("../../scripts/lib/test-env");
  const { MissingPrerequisiteError } = await import("../../scripts/lib/local-stack");
  progress(
    `starting emulators${options.app ? ", mail catcher and app" : ""} (port offset ${process.env.HERALD_TEST_PORT_OFFSET})`,
  );
  // Each Node child of the stack (Next server, Auth emulator, mail catcher) gets a heap ceiling, so a leak
  // under load shows up as a failure instead of eating a small machine; the Firestore JVM has -Xmx1g already.
  // Set here rather than at start-up so a production build run before this keeps the default heap.
  process.env.NODE_OPTIONS ??= "--max-old-space-size=1536";
  const t0 = performance.now();
  const starting = startWithOneRetry(() => startTestStack(options), MissingPrerequisiteError);
  let stopping: Promise<void> | null = null;
  // An interrupt during start-up waits for the start to settle: the stack's processes run in their own
  // process groups, so exiting early would leave them running.
  const stop = () =>
    (stopping ??= (async () => {
      const started = await starting.catch(() => null);
      await closeClients();
      await started?.stop();
    })());
  stopActive = stop;
  try {
    const stack = await starting;
    progress(`stack up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const projectId = required(stack.env, "FIREBASE_PROJECT_ID");
    // firebase-admin picks the emulator up from the environment when the Firestore client is created.
    process.env.FIRESTORE_EMULATOR_HOST = required(stack.env, "FIRESTORE_EMULATOR_HOST");
    process.env.FIREBASE_PROJECT_ID = projectId;
    // Without this, firebase-admin probes for a GCE metadata server first, and warns when it gets an answer.
    process.env.METADATA_SERVER_DETECTION = stack.env.METADATA_SERVER_DETECTION ?? "none";
    const firestore = connectFirestore({ projectId, clock: systemClock, burnShards: 8 });
    const ctx: ServiceContext = {
      ...serviceContext(firestore.db),
      tokenSecret: TEST_SECRETS.tokenSecret,
      baseUrl: required(stack.env, "HERALD_BASE_URL"),
    };
    return await body({ env: stack.env, firestore, ctx, tokenSecret: TEST_SECRETS.tokenSecret });
  } finally {
    progress("stopping the stack");
    await stop();
    stopActive = null;
    progress("stack stopped");
  }
}

async function startWithOneRetry(
  start: () => Promise<TestStack>,
  permanent: new (...args: never[]) => Error,
): Promise<TestStack> {
  try {
    return await start();
  } catch (error) {
    // Parallel stacks on one machine race for firebase-tools' own hub and logging ports (4400, 4500), which
    // the port offset does not move; losing that race kills the Auth emulator right after it said "ready".
    // A missing prerequisite or a busy bench port will not fix itself, so those are not retried.
    if (error instanceof permanent) throw error;
    progress(`the stack did not start (${errorMessage(error)}); trying once more`);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    return start();
  }
}

function required(env: NodeJS.ProcessEnv, key: string): string {
  const value = env[key];
  if (!value) throw new Error(`The test stack did not provide ${key}`);
  return value;
}

async function closeClients(): Promise<void> {
  await Promise.allSettled(getApps().map((app) => deleteApp(app)));
}
