import { createMailer } from "@/lib/adapters/email/create-mailer";
import { createSimulatedMailer } from "@/lib/adapters/email/simulated";
import type { ProviderDoc } from "@/lib/adapters/firestore/schemas";
import { deriveInvitationToken } from "@/lib/domain/invitations/token";
import { drainQueue, newDrainId, type DrainOptions, type DrainPorts } from "@/lib/services/drain";
import { inviteGuests } from "@/lib/services/invitations";
import { sealSecret } from "@/lib/services/provider-config";
import { ensureStarterTemplates } from "@/lib/services/templates";
import type { EventInput } from "@/lib/domain/events/schema";
import { testFirestore } from "./firestore";
import { recipients, seedEvent, serviceContext, TEST_SECRET } from "./fixtures";
import { afterEach } from "vitest";
import { startResendStandin, startSendgridStandin, type ProviderStandin, type StandinBehaviour } from "./provider-standins";
import { startSmtpCatcher, type SmtpCatcher, type SmtpCatcherOptions } from "./smtp-catcher";

/**
 * One isolated Herald for a queue test: its own emulator project, starter templates, an event, and drain ports
 * wired to the real mail adapters. Providers are added by the test, pointing at a catcher or a stand-in.
 */

export const TEST_CREDENTIALS_KEY = Buffer.alloc(32, 5).toString("base64");

export function smtpProvider(c: SmtpCatcher, overrides: Partial<ProviderDoc> = {}): Partial<ProviderDoc> {
  return { kind: "smtp", settings: { host: c.host, port: c.port, secure: false, timeoutMs: 5000 }, ...overrides };
}

export function httpProvider(
  id: string,
  kind: "sendgrid" | "resend",
  s: ProviderStandin,
  overrides: Partial<ProviderDoc> = {},
): Partial<ProviderDoc> {
  return {
    name: kind,
    kind,
    settings: { baseUrl: s.url, timeoutMs: 2000 },
    secret: sealSecret(TEST_CREDENTIALS_KEY, id, "key-123"),
    ...overrides,
  };
}

export async function drainWorld(options: { now?: () => Date; event?: Partial<EventInput> } = {}) {
  const fs = testFirestore();
  const ctx = serviceContext(fs.db, options.now);
  await ensureStarterTemplates(ctx);
  const eventId = await seedEvent(ctx, options.event);
  const ports: DrainPorts = {
    db: fs.db,
    clock: ctx.clock,
    random: { next: () => 0.5 },
    mailerFactory: (connection) => createMailer(connection),
    simulatedMailer: createSimulatedMailer(),
    credentialsKey: TEST_CREDENTIALS_KEY,
    tokenSecret: TEST_SECRET,
    baseUrl: ctx.baseUrl,
  };
  const invite = async (emails: string[], event = eventId) => {
    const r = await inviteGuests(ctx, event, recipients(emails));
    if (!r.ok) throw new Error(r.message);
    return r.rows.flatMap((row) => (row.outcome === "invited" || row.outcome === "reinvited" ? [row.invitationId] : []));
  };
  const drain = (opts: Partial<DrainOptions> = {}) => drainQueue(ports, { drainId: newDrainId(), budgetMs: 20_000, ...opts });
  type StoredJob = { state: string; kind: string; attempts: number; deferrals: number; invitationId: string; dueAt: { toDate(): Date }; [field: string]: unknown };
  const jobs = async () => (await fs.raw.collection("jobs").get()).docs.map((d) => ({ id: d.id, ...(d.data() as StoredJob) }));
  const job = async (id: string) => (await fs.raw.collection("jobs").doc(id).get()).data() as StoredJob | undefined;
  const invitation = async (id: string) => (await fs.raw.collection("invitations").doc(id).get()).data()!;
  const counters = async (event = eventId) => (await fs.raw.collection("events").doc(event).get()).data()?.counters;
  const provider = async (id: string) => (await fs.raw.collection("providers").doc(id).get()).data()!;
  const token = (invitationId: string, version = 1) => deriveInvitationToken(TEST_SECRET, invitationId, version);
  return { ...fs, ctx, eventId, ports, invite, drain, jobs, job, invitation, counters, provider, token };
}

export type DrainWorld = Awaited<ReturnType<typeof drainWorld>>;

/** Polls until `check` holds (or throws after `timeoutMs`): for waiting on a request to reach a stand-in. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * An SMTP catcher and provider stand-ins for one test file, each closed after every test: call once at the top
 * level of the file.
 */
export function mailServers() {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  return {
    async catcher(options: SmtpCatcherOptions = {}): Promise<SmtpCatcher> {
      const c = await startSmtpCatcher(options);
      closers.push(() => c.close());
      return c;
    },
    async standin(kind: "sendgrid" | "resend", behaviour: StandinBehaviour = {}): Promise<ProviderStandin> {
      const s = kind === "sendgrid" ? await startSendgridStandin({ apiKey: "key-123", behaviour }) : await startResendStandin({ apiKey: "key-123", behaviour });
      closers.push(() => s.close());
      return s;
    },
  };
}
