import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, openSync, rmSync } from "node:fs";
import path from "node:path";
import { connectFirestore } from "@/lib/adapters/firestore/connect";
import type { ProviderDoc } from "@/lib/adapters/firestore/schemas";
import type { EventInput } from "@/lib/domain/events/schema";
import { deriveInvitationToken } from "@/lib/domain/invitations/token";
import { checkInvariants, formatReport } from "@/lib/services/doctor";
import { inviteGuests } from "@/lib/services/invitations";
import { sealSecret } from "@/lib/services/provider-config";
import { ensureStarterTemplates } from "@/lib/services/templates";
import { recipients, seedEvent, seedProvider } from "@/tests/support/fixtures";
import type { ProviderStandin } from "@/tests/support/provider-standins";
import type { SmtpCatcher } from "@/tests/support/smtp-catcher";
import { FAULT_RESULTS as RESULTS, ROOT, WORKER_BUNDLE } from "./paths";

const LOG_DIR = path.join(ROOT, ".herald-run/faults-logs");

/**
 * The fault suite's world: an isolated emulator project with an event, providers pointing at local stand-ins
 * or an SMTP catcher, and real worker processes (the same bundle the bench runs) that a scenario can kill,
 * restart, multiply or cut off from Firestore. Every scenario ends with the invariant checker and a ledger of
 * every email the stand-ins and catchers accepted.
 */


export const SECRETS = {
  tokenSecret: "faults-token-secret-0123456789abcdef0123456789",
  credentialsKey: Buffer.alloc(32, 7).toString("base64"),
};
const BASE_URL = "http://127.0.0.1:3999";

export function emulatorHost(): string {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host) throw new Error("FIRESTORE_EMULATOR_HOST is not set: run the fault suite with `npm run test:faults`.");
  return host;
}

export interface Worker {
  readonly process: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface WorkerOptions {
  /** host:port of Firestore as this worker sees it (a proxy, say); the emulator by default. */
  firestore?: string;
  leaseMs?: number;
  claimSize?: number;
  concurrency?: number;
  intervalMs?: number;
}

export async function faultWorld(name: string, options: { event?: Partial<EventInput> } = {}) {
  const projectId = `demo-faults-${name}-${randomUUID().slice(0, 6)}`;
  const fs = connectFirestore({ projectId, clock: { now: () => new Date() }, burnShards: 4 });
  const ctx = { db: fs.db, clock: { now: () => new Date() }, tokenSecret: SECRETS.tokenSecret, baseUrl: BASE_URL };
  await ensureStarterTemplates(ctx);
  const eventId = await seedEvent(ctx, options.event);
  const workers: Worker[] = [];
  let started = 0;

  const startWorker = async (o: WorkerOptions = {}): Promise<Worker> => {
    const n = started++;
    const readyFile = path.join(ROOT, `.herald-run/faults-${projectId}-${n}.ready`);
    rmSync(readyFile, { force: true });
    mkdirSync(LOG_DIR, { recursive: true });
    const logFile = openSync(path.join(LOG_DIR, `${projectId}-${n}.log`), "w");
    const child = spawn(process.execPath, [WORKER_BUNDLE], {
      cwd: ROOT,
      // Kept per worker, so a failing scenario can be read back: .herald-run/faults-logs/<project>-<n>.log
      stdio: ["ignore", logFile, logFile],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        METADATA_SERVER_DETECTION: "none",
        FIREBASE_PROJECT_ID: projectId,
        GCLOUD_PROJECT: projectId,
        FIRESTORE_EMULATOR_HOST: o.firestore ?? emulatorHost(),
        HERALD_BASE_URL: BASE_URL,
        HERALD_TOKEN_SECRET: SECRETS.tokenSecret,
        HERALD_CREDENTIALS_KEY: SECRETS.credentialsKey,
        HERALD_WORKER_INTERVAL_MS: String(o.intervalMs ?? 200),
        HERALD_WORKER_BUDGET_MS: "20000",
        HERALD_DRAIN_LEASE_MS: String(o.leaseMs ?? 15_000),
        HERALD_DRAIN_CLAIM_SIZE: String(o.claimSize ?? 50),
        HERALD_DRAIN_CONCURRENCY: String(o.concurrency ?? 16),
        HERALD_BURN_FLUSH_SECONDS: "5",
        HERALD_WORKER_READY_FILE: readyFile,
      },
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    await until(() => existsSync(readyFile) || child.exitCode !== null, 20_000, "the worker to start");
    if (child.exitCode !== null) throw new Error(`worker exited at start; see ${LOG_DIR}`);
    const worker: Worker = {
      process: child,
      async kill(signal = "SIGTERM") {
        if (child.exitCode === null) child.kill(signal);
        await exited;
      },
    };
    workers.push(worker);
    return worker;
  };

  const provider = (id: string, kind: "sendgrid" | "resend", s: ProviderStandin, overrides: Partial<ProviderDoc> = {}) =>
    seedProvider(fs.db, id, {
      name: `${kind} ${id}`,
      kind,
      // A realistic timeout: a shorter one turns a slow moment of a busy machine into a send the provider took
      // but Herald counts as failed, and sends again.
      settings: { baseUrl: s.url, timeoutMs: 10_000 },
      secret: sealSecret(SECRETS.credentialsKey, id, "key-123"),
      ...overrides,
    });
  const smtp = (id: string, c: SmtpCatcher, overrides: Partial<ProviderDoc> = {}) =>
    seedProvider(fs.db, id, { kind: "smtp", settings: { host: c.host, port: c.port, secure: false, timeoutMs: 10_000 }, ...overrides });

  const invite = async (emails: string[], event = eventId) => {
    const r = await inviteGuests(ctx, event, recipients(emails));
    if (!r.ok) throw new Error(r.message);
    return r.rows.flatMap((row) => (row.outcome === "invited" || row.outcome === "reinvited" ? [row.invitationId] : []));
  };

  const jobStates = async () => {
    const snap = await fs.raw.collection("jobs").get();
    return snap.docs.map((d) => ({ id: d.id, ...(d.data() as { state: string; kind: string; attempts: number; invitationId: string }) }));
  };
  /** Resolves once no job is pending or waiting to retry (the queue drained). */
  const drained = (timeoutMs = 60_000) =>
    until(async () => (await jobStates()).every((j) => j.state !== "pending" && j.state !== "retry"), timeoutMs, "the queue to drain");

  const doctor = async () => {
    const report = await checkInvariants(fs.db, ctx.clock);
    if (report.violations.length > 0) throw new Error(`invariants broken:\n${formatReport(report)}`);
    return report;
  };

  const close = async () => {
    await Promise.all(workers.map((w) => w.kill("SIGKILL")));
  };

  return {
    projectId,
    ...fs,
    ctx,
    eventId,
    startWorker,
    provider,
    smtp,
    invite,
    jobStates,
    drained,
    doctor,
    close,
    token: (invitationId: string, version = 1) => deriveInvitationToken(SECRETS.tokenSecret, invitationId, version),
  };
}

export type FaultWorld = Awaited<ReturnType<typeof faultWorld>>;

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One email a provider stand-in or the SMTP catcher accepted. */
export interface Sent {
  to: string;
  /** The idempotency key (Resend header, SendGrid custom arg) or the job id from the Message-ID. */
  key: string;
  via: string;
  at: number;
  subject: string | null;
}

/** Every email accepted by the given stand-ins and catchers, oldest first. */
export function ledger(sources: Record<string, ProviderStandin | SmtpCatcher>): Sent[] {
  const out: Sent[] = [];
  for (const [via, source] of Object.entries(sources)) {
    if ("requests" in source) {
      for (const r of source.requests) {
        // A replay of an idempotency key is answered from the provider's store and sends nothing.
        if (r.status === null || r.status >= 300 || r.replayed) continue;
        const b = r.body as { to?: string | string[]; subject?: string; personalizations?: { to?: { email: string }[]; custom_args?: Record<string, string> }[]; custom_args?: Record<string, string> };
        const to = b.personalizations?.[0]?.to?.[0]?.email ?? (Array.isArray(b.to) ? b.to[0] : b.to) ?? "";
        const key = r.idempotencyKey ?? b.custom_args?.herald_idempotency_key ?? b.personalizations?.[0]?.custom_args?.herald_idempotency_key ?? `?${r.seq}`;
        out.push({ to: to.replace(/^.*<|>$/g, "").toLowerCase(), key, via, at: r.receivedAt, subject: b.subject ?? null });
      }
    } else {
      for (const m of source.messages) {
        out.push({ to: (m.to[0] ?? "").toLowerCase(), key: (m.messageId ?? "").replace(/^<|@herald>$/g, ""), via, at: m.receivedAt, subject: m.subject });
      }
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** What the closing note and the suite's summary report per scenario. */
export interface LedgerFigures {
  emails: number;
  distinctJobs: number;
  /** The same job sent again under the same idempotency key (a provider that honours keys drops these). */
  sameKeyDuplicates: number;
}

export function figures(sent: Sent[]): LedgerFigures & { duplicated?: string[][] } {
  const seen = new Map<string, number>();
  for (const s of sent) seen.set(s.key, (seen.get(s.key) ?? 0) + 1);
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([key]) => key);
  return {
    emails: sent.length,
    distinctJobs: seen.size,
    sameKeyDuplicates: sent.length - seen.size,
    ...(duplicated.length > 0
      ? { duplicated: duplicated.slice(0, 5).map((key) => sent.filter((s) => s.key === key).map((s) => `${s.via}@${new Date(s.at).toISOString().slice(11, 23)}`)) }
      : {}),
  };
}

/** Appends one scenario's observations to test-results/faults.jsonl, which `npm test` prints at the end. */
export function record(scenario: string, observed: object): void {
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  appendFileSync(RESULTS, `${JSON.stringify({ scenario, ...observed })}\n`);
}

export { formatReport };
