/**
 * Runs a command against freshly started emulators (and, with --app, the mail catcher, the production app
 * and the worker) on the test ports, then stops everything, whatever the command's outcome.
 * Usage: tsx scripts/with-emulators.ts [--app] -- <command> [args…]
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { ensureLocalAdmin } from "./lib/local-admin";
import { LOCAL_ADMIN_EMAIL } from "./lib/local-env";
import {
  assertPortsFree,
  ROOT,
  startApp,
  startAuth,
  startFirestore,
  startInbox,
  startWorker,
  TEST_PORTS,
} from "./lib/local-stack";
import { Supervisor } from "./lib/supervisor";
import { TEST_PROJECT_ID, TEST_SECRETS, testEnv } from "./lib/test-env";

export interface TestStack {
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const runDir = path.join(ROOT, `.herald-run/test-${process.env.HERALD_TEST_PORT_OFFSET ?? 0}`);
const logDir = path.join(runDir, "logs");

/** `env` overrides the test settings, e.g. a benchmark that wants production's flush and drain intervals. */
export async function startTestStack(options: { app: boolean; worker?: boolean; env?: Record<string, string> }): Promise<TestStack> {
  const supervisor = new Supervisor();
  const env = { ...testEnv(), ...options.env };
  try {
    await assertPortsFree(
      options.app ? TEST_PORTS : { firestore: TEST_PORTS.firestore, auth: TEST_PORTS.auth },
    );
    await Promise.all([
      startFirestore(supervisor, { port: TEST_PORTS.firestore, projectId: TEST_PROJECT_ID, logDir }),
      startAuth(supervisor, { port: TEST_PORTS.auth, projectId: TEST_PROJECT_ID, logDir, runDir }),
      options.app ? startInbox(supervisor, { smtpPort: TEST_PORTS.smtp, webPort: TEST_PORTS.inbox, logDir }) : null,
    ]);
    process.env.FIREBASE_AUTH_EMULATOR_HOST = env.FIREBASE_AUTH_EMULATOR_HOST;
    await ensureLocalAdmin({ projectId: TEST_PROJECT_ID, email: LOCAL_ADMIN_EMAIL, password: TEST_SECRETS.adminPassword });
    if (options.app) {
      await startApp(supervisor, { port: TEST_PORTS.app, env, logDir });
      if (options.worker !== false) {
        await startWorker(supervisor, { env, logDir, readyFile: path.join(runDir, "worker.ready") });
      }
    }
  } catch (error) {
    await supervisor.stopAll();
    throw error;
  }
  return { env, stop: () => supervisor.stopAll() };
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: "inherit" });
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.once("error", () => resolve(127));
  });
}

async function main() {
  const argv = process.argv.slice(2);
  const sep = argv.indexOf("--");
  const flags = sep === -1 ? [] : argv.slice(0, sep);
  const [command, ...args] = sep === -1 ? argv : argv.slice(sep + 1);
  if (!command) {
    console.error("usage: tsx scripts/with-emulators.ts [--app] -- <command> [args…]");
    process.exit(2);
  }
  const stack = await startTestStack({ app: flags.includes("--app") });
  let code = 1;
  const stopAndExit = async () => {
    await stack.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stopAndExit());
  process.on("SIGTERM", () => void stopAndExit());
  code = await run(command, args, stack.env);
  await stopAndExit();
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}
