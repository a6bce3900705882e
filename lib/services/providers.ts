import { randomBytes } from "node:crypto";
import { docRef, type Snapshot } from "@/lib/adapters/firestore/collection";
import { isNotFound } from "@/lib/adapters/firestore/db";
import { collections, type ProviderDoc } from "@/lib/adapters/firestore/schemas";
import {
  circuitState,
  initialHealth,
  reenable,
  type CircuitState,
} from "@/lib/domain/delivery/provider-health";
import { nextQuotaReset, quotaPeriodKey, recordSends, remainingQuota } from "@/lib/domain/delivery/quota";
import { normaliseTimeZone } from "@/lib/domain/events/time";
import { ProviderConnectionError, type ProviderConnection } from "@/lib/domain/providers/connection";
import {
  keepsStoredSecret,
  providerEndpoint,
  providerFieldErrors,
  providerFormSchema,
  type ProviderFieldName,
  type ProviderFormValues,
  type StoredProviderFields,
} from "@/lib/domain/providers/form";
import type { OutgoingEmail, SendResult } from "@/lib/ports/mailer";
import type { Failure, Result, ServiceContext } from "./context";
import { loadProviders, openWebhookKey, sealSecret, sealWebhookKey, secretField, toConnection, type MailerFactory } from "./provider-config";

type Ctx = Pick<ServiceContext, "db" | "clock">;

export const providerRef = (id: string) => docRef(collections.providers, id);

function newProviderId(): string {
  // Made here, not by Firestore, because the secret is sealed to the provider id before the first write.
  return randomBytes(15).toString("base64url");
}

const notFound = (): Failure<"not_found"> => ({ ok: false, code: "not_found", message: "That provider no longer exists" });

function invalid(fieldErrors: Partial<Record<ProviderFieldName, string>>, message = "Check the highlighted fields"): Failure<"invalid_input"> {
  return { ok: false, code: "invalid_input", message, fieldErrors: fieldErrors as Record<string, string> };
}

/** The non-secret connection settings of validated form values, as the provider document stores them. */
function connectionSettings(values: ProviderFormValues): ProviderDoc["settings"] {
  if (values.kind === "smtp") {
    return {
      host: values.host,
      port: values.port,
      secure: values.secure,
      allowPlaintext: values.allowPlaintext,
      allowSelfSigned: values.allowSelfSigned,
      ...(values.user === undefined ? {} : { user: values.user }),
    };
  }
  return values.baseUrl === undefined ? {} : { baseUrl: values.baseUrl };
}

/**
 * The webhook key to store: a typed one, else the stored one while the provider stays of the same kind (a
 * SendGrid key verifies nothing from Resend), else none. SMTP has no webhooks.
 */
function webhookKeyToStore(credentialsKey: string, providerId: string, values: ProviderFormValues, current: ProviderDoc | null): ProviderDoc["webhookKey"] {
  if (values.kind === "smtp") return null;
  if (values.webhookKey !== undefined) return sealWebhookKey(credentialsKey, providerId, values.webhookKey);
  return current?.kind === values.kind ? current.webhookKey : null;
}

function typedSecret(values: ProviderFormValues): string | undefined {
  return values.kind === "smtp" ? values.pass : values.apiKey;
}

/** An SMTP provider without a user logs in without a password: a stored one must go, not linger. */
function needsSecret(values: ProviderFormValues): boolean {
  return values.kind !== "smtp" || values.user !== undefined;
}

/**
 * Creates (id null) or edits a provider from the form's raw values. The secret is sealed with the credentials
 * key and stored only encrypted; a blank secret on edit keeps the stored one, unless the endpoint it was saved
 * with changed: then the form asks for it again, so a stored secret never follows a new host or API address.
 * The resulting connection is decrypted and parsed exactly as a drain would before anything is written, so a
 * provider that cannot be used is refused here rather than at send time. Health and usage are left alone on
 * edit: a drain may be updating them concurrently.
 */
export async function saveProvider(
  ctx: Ctx,
  credentialsKey: string,
  id: string | null,
  input: unknown,
): Promise<Result<{ id: string }, "invalid_input" | "not_found">> {
  const providerId = id ?? newProviderId();
  try {
    return await ctx.db.transaction("provider.save", async (tx) => {
      const current = id === null ? null : await tx.get(providerRef(id));
      if (id !== null && current === null) return notFound();
      const stored = current?.secret ? { kind: current.kind, endpoint: providerEndpoint(current.kind, current.settings) } : null;
      const parsed = providerFormSchema({ storedSecret: stored }).safeParse(input);
      if (!parsed.success) return invalid(providerFieldErrors(parsed.error));
      const values = parsed.data;

      const typed = typedSecret(values);
      const secret = !needsSecret(values)
        ? null
        : typed !== undefined
          ? sealSecret(credentialsKey, providerId, typed)
          : keepsStoredSecret(stored, values.kind, values)
            ? (current?.secret ?? null)
            : null;
      const now = ctx.clock.now();
      const config = {
        name: values.name,
        kind: values.kind,
        enabled: values.enabled,
        priority: values.priority,
        fromEmail: values.fromEmail,
        fromName: values.fromName ?? "Herald",
        dailyQuota: values.dailyQuota ?? null,
        resetTime: values.resetTime,
        timezone: normaliseTimeZone(values.timezone),
        ratePerSecond: values.ratePerSecond ?? null,
        ratePerMinute: values.ratePerMinute ?? null,
        settings: connectionSettings(values),
        secret,
        webhookKey: webhookKeyToStore(credentialsKey, providerId, values, current),
        updatedAt: now,
      } satisfies Partial<ProviderDoc>;
      const doc: ProviderDoc = current
        ? { ...current, ...config }
        : { ...config, health: initialHealth(), usage: null, createdAt: now };

      const problem = connectionProblem(credentialsKey, providerId, doc);
      if (problem) return problem;

      if (current) tx.update(providerRef(providerId), config);
      else tx.create(providerRef(providerId), doc);
      return { ok: true, id: providerId } as const;
    });
  } catch (error) {
    if (isNotFound(error)) return notFound();
    throw error;
  }
}

function connectionProblem(credentialsKey: string, providerId: string, doc: ProviderDoc): Failure<"invalid_input"> | null {
  const field = secretField(doc.kind);
  try {
    openWebhookKey(credentialsKey, providerId, doc);
  } catch {
    return invalid({ webhookKey: "The stored webhook key cannot be read any more (the credentials key changed): enter it again" });
  }
  try {
    toConnection(credentialsKey, providerId, doc);
    return null;
  } catch (error) {
    if (error instanceof ProviderConnectionError) {
      // Problems name fields and rules, never values, so they are safe to show.
      return invalid({}, `This connection cannot be used: ${error.problems.join("; ")}`);
    }
    // Only decryption can fail otherwise: the stored secret was sealed with another credentials key.
    return invalid({
      [field]:
        field === "pass"
          ? "The stored password cannot be read any more (the credentials key changed): enter it again"
          : "The stored API key cannot be read any more (the credentials key changed): enter it again",
    });
  }
}

/**
 * "failing": circuit still closed, latest attempts failed. The engine moves traffic off a failing provider after
 * its first failure, long before five in a row open the circuit, so without it a provider failing every email it
 * gets would read as healthy.
 */
export type ProviderStatus = "healthy" | "failing" | "disabled" | "circuit_open" | "half_open" | "quota_exhausted" | "rate_limited";

export interface ProviderView extends StoredProviderFields {
  id: string;
  /** Whether a password or API key is stored. The secret itself, or any part of it, never leaves the server. */
  hasSecret: boolean;
  /** Whether a webhook key is stored (its value never leaves the server either). */
  hasWebhookKey: boolean;
  health: {
    status: ProviderStatus;
    circuit: CircuitState;
    /** When an open circuit lets a probe through. */
    openUntil: Date | null;
    disabledReason: "auth" | null;
    disabledAt: Date | null;
    rateLimitedUntil: Date | null;
    consecutiveFailures: number;
    latencyMs: number | null;
    lastSuccessAt: Date | null;
    lastFailureAt: Date | null;
  };
  usage: {
    sentToday: number;
    dailyQuota: number | null;
    /** null: no daily limit. */
    remaining: number | null;
    nextResetAt: Date;
  };
  updatedAt: Date;
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const num = (v: unknown) => (typeof v === "number" ? v : undefined);
const bool = (v: unknown) => (typeof v === "boolean" ? v : undefined);

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The connection settings a form may show: picked by name, so nothing secret can slip in through `settings`. */
function visibleConnection(settings: ProviderDoc["settings"]): ProviderView["connection"] {
  return withoutUndefined({
    host: str(settings.host),
    port: num(settings.port),
    secure: bool(settings.secure),
    allowPlaintext: bool(settings.allowPlaintext),
    allowSelfSigned: bool(settings.allowSelfSigned),
    user: str(settings.user),
    baseUrl: str(settings.baseUrl),
  });
}

export function providerView(snap: Snapshot<ProviderDoc>, now: Date): ProviderView {
  const doc = snap.data;
  const period = quotaPeriodKey(now, doc.resetTime, doc.timezone);
  const remaining = remainingQuota(doc.usage, doc.dailyQuota, period);
  const sentToday = doc.usage?.periodKey === period ? doc.usage.sent : 0;
  const h = doc.health;
  const circuit = circuitState(h, now);
  const rateLimitedUntil = h.rateLimitedUntil && h.rateLimitedUntil > now ? h.rateLimitedUntil : null;
  // The provider's own "quota exhausted" holds until its period rolls over, like our own count.
  const providerSaysExhausted =
    h.quotaExhaustedAt !== null && quotaPeriodKey(h.quotaExhaustedAt, doc.resetTime, doc.timezone) === period;
  const status: ProviderStatus = h.disabled
    ? "disabled"
    : circuit === "open"
      ? "circuit_open"
      : circuit === "half_open"
        ? "half_open"
        : remaining === 0 || providerSaysExhausted
          ? "quota_exhausted"
          : rateLimitedUntil
            ? "rate_limited"
            : h.consecutiveFailures > 0
              ? "failing"
              : "healthy";
  return {
    id: snap.id,
    name: doc.name,
    kind: doc.kind,
    enabled: doc.enabled,
    priority: doc.priority,
    fromEmail: doc.fromEmail,
    fromName: doc.fromName,
    dailyQuota: doc.dailyQuota,
    resetTime: doc.resetTime,
    timezone: doc.timezone,
    ratePerSecond: doc.ratePerSecond,
    ratePerMinute: doc.ratePerMinute,
    connection: visibleConnection(doc.settings),
    hasSecret: doc.secret !== null,
    hasWebhookKey: doc.webhookKey !== null,
    health: {
      status,
      circuit,
      openUntil: circuit === "open" ? h.circuit.openUntil : null,
      disabledReason: h.disabled?.reason ?? null,
      disabledAt: h.disabled?.at ?? null,
      rateLimitedUntil,
      consecutiveFailures: h.consecutiveFailures,
      latencyMs: h.latencyEmaMs === null ? null : Math.round(h.latencyEmaMs),
      lastSuccessAt: h.lastSuccessAt,
      lastFailureAt: h.lastFailureAt,
    },
    usage: {
      sentToday,
      dailyQuota: doc.dailyQuota,
      remaining,
      nextResetAt: nextQuotaReset(now, doc.resetTime, doc.timezone),
    },
    updatedAt: doc.updatedAt,
  };
}

/** Every provider, safe to hand to the browser, in the order the engine prefers them. One query. */
export async function listProviderViews(ctx: Ctx): Promise<ProviderView[]> {
  const now = ctx.clock.now();
  return (await loadProviders(ctx.db, "provider.list")).map((snap) => providerView(snap, now));
}

export async function getProviderView(ctx: Ctx, id: string): Promise<ProviderView | null> {
  const snap = await ctx.db.get("provider.get", providerRef(id));
  return snap ? providerView(snap, ctx.clock.now()) : null;
}

export async function setProviderEnabled(ctx: Ctx, id: string, enabled: boolean): Promise<Result<object, "not_found">> {
  try {
    await ctx.db.update("provider.enable", providerRef(id), { enabled, updatedAt: ctx.clock.now() });
    return { ok: true };
  } catch (error) {
    if (isNotFound(error)) return notFound();
    throw error;
  }
}

/**
 * Back into rotation after an auth failure disabled it (the admin fixed the credentials). A transaction
 * because drains write the same health record.
 */
export async function reenableProvider(ctx: Ctx, id: string): Promise<Result<object, "not_found">> {
  return ctx.db.transaction("provider.reenable", async (tx) => {
    const current = await tx.get(providerRef(id));
    if (!current) return notFound();
    tx.update(providerRef(id), { health: reenable(current.health), updatedAt: ctx.clock.now() });
    return { ok: true } as const;
  });
}

/** Queued jobs name no provider (the engine picks at send time), so nothing else refers to this document. */
export async function deleteProvider(ctx: Ctx, id: string): Promise<Result<object, "not_found">> {
  const existing = await ctx.db.get("provider.delete", providerRef(id));
  if (!existing) return notFound();
  await ctx.db.delete("provider.delete", providerRef(id));
  return { ok: true };
}

function readConnection(
  credentialsKey: string,
  providerId: string,
  provider: ProviderDoc,
): Result<{ connection: ProviderConnection }, "unavailable"> {
  try {
    return { ok: true, connection: toConnection(credentialsKey, providerId, provider) };
  } catch (error) {
    return {
      ok: false,
      code: "unavailable",
      message:
        error instanceof ProviderConnectionError
          ? `This connection cannot be used: ${error.problems.join("; ")}`
          : "The stored credentials cannot be read (the credentials key changed): edit the provider and enter them again",
    };
  }
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

function testEmail(provider: ProviderDoc, providerId: string, to: string, now: Date): OutgoingEmail {
  const stamp = now.getTime();
  const when = now.toISOString().replace("T", " ").slice(0, 16);
  const subject = `Herald test email via ${provider.name}`;
  const text = `This is a test email from Herald, sent through the provider "${provider.name}" at ${when} UTC.\n\nIf you can read this, the provider is set up correctly.`;
  const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  return {
    from: { email: provider.fromEmail, name: provider.fromName },
    to: { email: to },
    subject,
    html: `<p>This is a test email from Herald, sent through the provider &ldquo;${escape(provider.name)}&rdquo; at ${when} UTC.</p><p>If you can read this, the provider is set up correctly.</p>`,
    text,
    // One key per attempt: a test is not retried, and a second click must send a second email.
    idempotencyKey: `test-${providerId}-${stamp}`,
    messageId: `<test-${stamp}.${providerId}@herald>`,
  };
}

/**
 * Sends one email right now through this provider, bypassing the queue, and returns the provider's answer
 * as normalised by the adapter (its message never contains credentials). It spends the provider's quota like
 * any other send, so a used-up quota is refused instead of overspent. Health is left alone: a test sent while
 * the admin is still typing credentials must not take the provider out of rotation.
 */
export async function sendTestEmail(
  ctx: Ctx,
  credentialsKey: string,
  mailerFactory: MailerFactory,
  providerId: string,
  to: string,
): Promise<Result<{ result: SendResult }, "invalid_input" | "not_found" | "unavailable">> {
  const recipient = to.trim();
  if (!EMAIL.test(recipient) || recipient.length > 320) {
    return { ok: false, code: "invalid_input", message: "Enter the address to send the test to", fieldErrors: { to: "Enter an email address" } };
  }
  const snap = await ctx.db.get("provider.test", providerRef(providerId));
  if (!snap) return notFound();
  const provider = snap.data;
  const now = ctx.clock.now();
  const period = quotaPeriodKey(now, provider.resetTime, provider.timezone);
  if (remainingQuota(provider.usage, provider.dailyQuota, period) === 0) {
    return {
      ok: false,
      code: "unavailable",
      message: "This provider's daily quota is used up; send the test after its next reset",
    };
  }

  const connection = readConnection(credentialsKey, providerId, provider);
  if (!connection.ok) return connection;

  const mailer = mailerFactory(connection.connection);
  let result: SendResult;
  try {
    result = await mailer.send(testEmail(provider, providerId, recipient, now));
  } finally {
    await mailer.close().catch(() => undefined);
  }

  if (result.ok) {
    await ctx.db.transaction("provider.test", async (tx) => {
      const latest = await tx.get(providerRef(providerId));
      if (!latest) return;
      const currentPeriod = quotaPeriodKey(ctx.clock.now(), latest.resetTime, latest.timezone);
      tx.update(providerRef(providerId), { usage: recordSends(latest.usage, currentPeriod) });
    });
  }
  return { ok: true, result };
}
