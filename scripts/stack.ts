/**
 * `npm start`: the whole local stack on this machine, offline. Firestore emulator (Google's jar), Auth emulator
 * (firebase-tools), a mail catcher with a web inbox, the production build of the app and the queue worker.
 * Ctrl-C stops every process it started; data is kept in .herald-data/ across restarts.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureLocalAdmin } from "./lib/local-admin";
import { LOCAL_ADMIN_EMAIL, LOCAL_PROJECT_ID, loadOrCreateSecrets, localEnv } from "./lib/local-env";
import {
  assertPortsFree,
  checkFirestorePrerequisites,
  DEV_PORTS,
  HOST,
  MissingPrerequisiteError,
  ROOT,
  startApp,
  startAuth,
  startFirestore,
  startInbox,
  startWorker,
} from "./lib/local-stack";
import { Supervisor } from "./lib/supervisor";
import { seedLocalStack } from "./lib/seed";

const dataDir = path.join(ROOT, ".herald-data");
const runDir = path.join(ROOT, ".herald-run");
const logDir = path.join(runDir, "logs");
const lockFile = path.join(runDir, "stack.pid");

function alreadyRunning(): number | null {
  if (!existsSync(lockFile)) return null;
  const pid = Number(readFileSync(lockFile, "utf8"));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null; // stale lock from a stack that was killed
  }
}

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(entry).map((child) => newestMtime(path.join(entry, child))));
}

/** Rebuilds only when a source file is newer than the last build: a restart is then a matter of seconds. */
function buildIfStale(env: NodeJS.ProcessEnv) {
  const buildId = path.join(ROOT, ".next/BUILD_ID");
  const sources = ["app", "lib", "components", "next.config.ts", "package-lock.json", "instrumentation.ts"];
  const built = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  if (built > Math.max(...sources.map((s) => newestMtime(path.join(ROOT, s))))) return;
  console.log("Building the app (next build)…");
  execFileSync(path.join(ROOT, "node_modules/.bin/next"), ["build"], { cwd: ROOT, env, stdio: "inherit" });
}

async function main() {
  const running = alreadyRunning();
  if (running) {
    console.error(`Herald is already running (pid ${running}) at http://${HOST}:${DEV_PORTS.app}. Stop it with Ctrl-C in its terminal.`);
    process.exit(1);
  }
  const started = Date.now();
  checkFirestorePrerequisites();
  await assertPortsFree(DEV_PORTS);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(lockFile, String(process.pid));

  const secrets = loadOrCreateSecrets(dataDir);
  const env = localEnv(DEV_PORTS, secrets);
  const supervisor = new Supervisor();
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log("\nStopping Herald (saving emulator data)…");
    await supervisor.stopAll();
    rmSync(lockFile, { force: true });
    console.log("Stopped. Nothing left running.");
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  process.on("SIGHUP", () => void stop(0));

  try {
    buildIfStale(env);
    console.log("Starting emulators and the mail catcher…");
    await Promise.all([
      startFirestore(supervisor, {
        port: DEV_PORTS.firestore,
        projectId: LOCAL_PROJECT_ID,
        logDir,
        dataDir: path.join(dataDir, "firestore"),
      }),
      startAuth(supervisor, {
        port: DEV_PORTS.auth,
        projectId: LOCAL_PROJECT_ID,
        logDir,
        runDir,
        dataDir: path.join(dataDir, "auth"),
      }),
      startInbox(supervisor, {
        smtpPort: DEV_PORTS.smtp,
        webPort: DEV_PORTS.inbox,
        logDir,
        mailDir: path.join(dataDir, "mail"),
      }),
    ]);
    Object.assign(process.env, { FIREBASE_AUTH_EMULATOR_HOST: env.FIREBASE_AUTH_EMULATOR_HOST });
    await ensureLocalAdmin({ projectId: LOCAL_PROJECT_ID, email: LOCAL_ADMIN_EMAIL, password: secrets.adminPassword });
    Object.assign(process.env, { FIRESTORE_EMULATOR_HOST: env.FIRESTORE_EMULATOR_HOST });
    await seedLocalStack(env);
    await startApp(supervisor, { port: DEV_PORTS.app, env, logDir });
    await startWorker(supervisor, { env, logDir, readyFile: path.join(runDir, "worker.ready") });
  } catch (error) {
    const message = error instanceof MissingPrerequisiteError ? error.message : (error as Error).message;
    console.error(`\nHerald could not start: ${message}`);
    await stop(1);
    return;
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`
Herald is running (ready in ${seconds} s). Press Ctrl-C to stop everything.

  App           http://${HOST}:${DEV_PORTS.app}
  Sign in as    ${LOCAL_ADMIN_EMAIL}  /  ${secrets.adminPassword}
  Local inbox   http://${HOST}:${DEV_PORTS.inbox}   (every email Herald sends lands here)
  Firestore     ${HOST}:${DEV_PORTS.firestore}   Auth emulator ${HOST}:${DEV_PORTS.auth}
  Logs          ${path.relative(ROOT, logDir)}/
`);
}

void main();
