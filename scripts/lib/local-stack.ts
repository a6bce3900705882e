import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { httpOk, isPortFree, type Supervisor } from "./supervisor";

/**
 * The pieces of the local stack, shared by `npm start`, the test command and the benchmarks. Every piece runs
 * on loopback under a demo- project id, so nothing can reach a real Firebase project.
 */
export interface StackPorts {
  firestore: number;
  auth: number;
  smtp: number;
  inbox: number;
  app: number;
}

export const DEV_PORTS: StackPorts = { firestore: 8080, auth: 9099, smtp: 1025, inbox: 1080, app: 3000 };
/**
 * Tests and benchmarks use their own ports so they can run while a developer's stack is up.
 * HERALD_TEST_PORT_OFFSET shifts them all, for running several test stacks side by side.
 */
const offset = Number(process.env.HERALD_TEST_PORT_OFFSET ?? 0);
export const TEST_PORTS: StackPorts = {
  firestore: 8180 + offset,
  auth: 9199 + offset,
  smtp: 1125 + offset,
  inbox: 1180 + offset,
  app: 3100 + offset,
};

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const HOST = "127.0.0.1";

export const DEFAULT_FIRESTORE_JAR =
  "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar";

export class MissingPrerequisiteError extends Error {}

/** Java and Google's Firestore emulator jar must be on the machine: say exactly which is missing. */
export function checkFirestorePrerequisites(): string {
  const jar = process.env.HERALD_FIRESTORE_JAR ?? DEFAULT_FIRESTORE_JAR;
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" });
  } catch {
    throw new MissingPrerequisiteError(
      "Java is not installed (needed by the Firestore emulator). Install a JRE 17+: apt-get install -y openjdk-17-jre-headless",
    );
  }
  if (!existsSync(jar)) {
    throw new MissingPrerequisiteError(
      `The Firestore emulator jar is missing at ${jar}. It ships with the Debian package google-cloud-cli-firestore-emulator; ` +
        "point HERALD_FIRESTORE_JAR at another copy (e.g. ~/.cache/firebase/emulators/cloud-firestore-emulator-*.jar) if you have one.",
    );
  }
  return jar;
}

export async function assertPortsFree(ports: Partial<StackPorts>): Promise<void> {
  for (const [service, port] of Object.entries(ports)) {
    if (port !== undefined && !(await isPortFree(port))) {
      throw new MissingPrerequisiteError(
        `Port ${port} (${service}) is already in use. Is another Herald stack or test run going? Stop it, or free the port.`,
      );
    }
  }
}

function latestExport(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const runs = readdirSync(dir).filter((d) => d.startsWith("firestore_export_")).sort();
  const last = runs.at(-1);
  if (!last) return null;
  const metadata = path.join(dir, last, `${last}.overall_export_metadata`);
  return existsSync(metadata) ? metadata : null;
}

export async function startFirestore(
  supervisor: Supervisor,
  options: { port: number; projectId: string; logDir: string; dataDir?: string },
) {
  const jar = checkFirestorePrerequisites();
  const args = [
    "-Duser.language=en",
    "-Xmx1g",
    "-cp",
    jar,
    "com.google.cloud.datastore.emulator.firestore.CloudFirestore",
    `--host=${HOST}`,
    `--port=${options.port}`,
    `--project_id=${options.projectId}`,
    `--rules=${path.join(ROOT, "firestore.rules")}`,
  ];
  const seed = options.dataDir ? latestExport(options.dataDir) : null;
  if (seed) args.push(`--seed_from_export=${seed}`);
  const dataDir = options.dataDir;
  return supervisor.start({
    name: "firestore",
    command: "java",
    args,
    logDir: options.logDir,
    ready: () => httpOk(`http://${HOST}:${options.port}/`),
    // Data survives restarts: export through the emulator's REST API before stopping it, keep only the newest.
    beforeStop: dataDir
      ? async () => {
          mkdirSync(dataDir, { recursive: true });
          const res = await fetch(`http://${HOST}:${options.port}/emulator/v1/projects/${options.projectId}:export`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              database: `projects/${options.projectId}/databases/(default)`,
              export_directory: path.resolve(dataDir),
            }),
          });
          if (!res.ok) throw new Error(`Firestore export failed: HTTP ${res.status}`);
          const runs = readdirSync(dataDir).filter((d) => d.startsWith("firestore_export_")).sort();
          for (const old of runs.slice(0, -1)) rmSync(path.join(dataDir, old), { recursive: true, force: true });
        }
      : undefined,
  });
}

export async function startAuth(
  supervisor: Supervisor,
  options: { port: number; projectId: string; logDir: string; runDir: string; dataDir?: string },
) {
  mkdirSync(options.runDir, { recursive: true });
  const config = path.join(options.runDir, `firebase.auth-${options.port}.json`);
  writeFileSync(
    config,
    // The hub and logging ports move with the auth port, so several stacks (dev, tests, benches) coexist.
    JSON.stringify({
      emulators: {
        auth: { host: HOST, port: options.port },
        hub: { host: HOST, port: options.port + 1 },
        logging: { host: HOST, port: options.port + 2 },
        ui: { enabled: false },
      },
    }),
  );
  const args = ["emulators:start", "--only", "auth", "--project", options.projectId, "--config", config];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    if (existsSync(path.join(options.dataDir, "firebase-export-metadata.json"))) args.push("--import", options.dataDir);
    args.push("--export-on-exit", options.dataDir);
  }
  return supervisor.start({
    name: "auth",
    command: path.join(ROOT, "node_modules/.bin/firebase"),
    args,
    cwd: options.runDir,
    env: { ...process.env, FIREBASE_CLI_DISABLE_UPDATE_CHECK: "true", CI: process.env.CI ?? "" },
    logDir: options.logDir,
    readyTimeoutMs: 90_000,
    stopSignal: "SIGINT",
    ready: () => httpOk(`http://${HOST}:${options.port}/`),
  });
}

export async function startInbox(
  supervisor: Supervisor,
  options: { smtpPort: number; webPort: number; logDir: string; mailDir?: string },
) {
  const args = [
    "--smtp",
    String(options.smtpPort),
    "--web",
    String(options.webPort),
    "--ip",
    HOST,
    "--web-ip",
    HOST,
  ];
  if (options.mailDir) {
    mkdirSync(options.mailDir, { recursive: true });
    args.push("--mail-directory", options.mailDir);
  }
  return supervisor.start({
    name: "inbox",
    command: path.join(ROOT, "node_modules/.bin/maildev"),
    args,
    logDir: options.logDir,
    ready: () => httpOk(`http://${HOST}:${options.webPort}/api/email`),
  });
}

export async function startApp(
  supervisor: Supervisor,
  options: { port: number; env: NodeJS.ProcessEnv; logDir: string },
) {
  return supervisor.start({
    name: "app",
    command: path.join(ROOT, "node_modules/.bin/next"),
    args: ["start", "-p", String(options.port), "-H", HOST],
    cwd: ROOT,
    env: options.env,
    logDir: options.logDir,
    ready: () => httpOk(`http://${HOST}:${options.port}/signin`),
  });
}

export async function startWorker(
  supervisor: Supervisor,
  options: { env: NodeJS.ProcessEnv; logDir: string; readyFile: string },
) {
  rmSync(options.readyFile, { force: true });
  return supervisor.start({
    name: "worker",
    command: path.join(ROOT, "node_modules/.bin/tsx"),
    args: [path.join(ROOT, "scripts/worker.ts")],
    cwd: ROOT,
    env: { ...options.env, HERALD_WORKER_READY_FILE: options.readyFile },
    logDir: options.logDir,
    ready: async () => existsSync(options.readyFile),
  });
}
