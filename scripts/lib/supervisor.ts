import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";

/**
 * Starts the local stack's processes in their own process groups and stops every one of them (children
 * included, e.g. the JVM under the Firestore emulator) however the parent ends: Ctrl-C, SIGTERM, an
 * exception, or a failed start.
 */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Runs before the process is signalled, e.g. to export emulator data. */
  beforeStop?: () => Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logDir: string;
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  beforeStop?: () => Promise<void>;
  /** Signal that makes the process shut down cleanly (firebase-tools exports on SIGINT/SIGTERM). */
  stopSignal?: NodeJS.Signals;
}

export async function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function httpOk(url: string, init?: RequestInit): Promise<boolean> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
    return res.status < 500;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Supervisor {
  private readonly processes: ManagedProcess[] = [];
  private stopping: Promise<void> | null = null;

  constructor(private readonly log: (line: string) => void = (l) => console.log(l)) {}

  async start(options: StartOptions): Promise<ManagedProcess> {
    mkdirSync(options.logDir, { recursive: true });
    const logPath = path.join(options.logDir, `${options.name}.log`);
    const logStream = createWriteStream(logPath, { flags: "a" });
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true, // own process group, so stop() can signal the whole tree
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(logStream);
    child.stderr?.pipe(logStream);
    const exited = new Promise<number | null>((resolve) => {
      child.once("exit", (code) => resolve(code));
      child.once("error", () => resolve(-1));
    });
    const managed: ManagedProcess = { name: options.name, child, exited, beforeStop: options.beforeStop };
    (managed as ManagedProcess & { stopSignal?: NodeJS.Signals }).stopSignal = options.stopSignal;
    this.processes.push(managed);

    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    let exitCode: number | null | undefined;
    void exited.then((c) => (exitCode = c));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new Error(`${options.name} exited (code ${exitCode}) while starting; see ${logPath}`);
      }
      if (await options.ready()) return managed;
      await sleep(150);
    }
    throw new Error(`${options.name} was not ready within ${(options.readyTimeoutMs ?? 60_000) / 1000}s; see ${logPath}`);
  }

  /** Stops in reverse start order: the app and worker before the databases they write to. */
  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const p of [...this.processes].reverse()) {
        if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
        if (p.beforeStop) {
          try {
            await p.beforeStop();
          } catch (error) {
            this.log(`  ${p.name}: ${(error as Error).message}`);
          }
        }
        const signal = (p as ManagedProcess & { stopSignal?: NodeJS.Signals }).stopSignal ?? "SIGTERM";
        signalGroup(p.child, signal);
        const done = await Promise.race([p.exited.then(() => true), sleep(15_000).then(() => false)]);
        if (!done) {
          this.log(`  ${p.name} did not stop in 15 s; killing it`);
          signalGroup(p.child, "SIGKILL");
          await p.exited;
        }
        // Grandchildren that ignored the signal (none expected) must not outlive the stack.
        signalGroup(p.child, "SIGKILL");
      }
    })();
    return this.stopping;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
