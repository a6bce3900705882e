import { performance } from "node:perf_hooks";
import { parseEmailAddress, UTF8_LOCAL_PART_SUPPORT } from "@/lib/domain/email-address";
import type { Clock } from "@/lib/ports/clock";
import type { Address, OutgoingEmail, ProviderKind, SendErrorClass, SendResult } from "@/lib/ports/mailer";

/** What every adapter accepts besides its connection. */
export interface MailerOptions {
  /** Wall clock, for Retry-After dates and rate-limit reset timestamps. */
  clock?: Clock;
}

export interface Classified {
  errorClass: SendErrorClass;
  message: string;
  status?: number | string;
  retryAfterMs?: number;
}

const MAX_MESSAGE_LENGTH = 300;
const REDACTED = "[redacted]";

/**
 * Provider messages end up in audit entries. A server may echo what it was sent (some SMTP servers quote
 * the AUTH exchange, some HTTP gateways the Authorization header), so every known secret is scrubbed,
 * in plain and base64 form, and anything shaped like a bearer token or a SendGrid/Resend key as well.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of [secret, Buffer.from(secret).toString("base64")]) {
      out = out.split(form).join(REDACTED);
    }
  }
  out = out
    .replace(/\bBearer\s+[\w.~+/=-]+/gi, `Bearer ${REDACTED}`)
    .replace(/\bSG\.[\w-]{6,}\.[\w-]{6,}/g, REDACTED)
    .replace(/\bre_[A-Za-z0-9_]{8,}/g, REDACTED)
    .replace(/[\r\n]+/g, " ")
    .trim();
  return out.length > MAX_MESSAGE_LENGTH ? `${out.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : out;
}

export function failed(classified: Classified, latencyMs: number, secrets: readonly string[]): SendResult {
  return {
    ok: false,
    errorClass: classified.errorClass,
    message: redact(classified.message, secrets),
    ...(classified.status === undefined ? {} : { status: classified.status }),
    ...(classified.retryAfterMs === undefined ? {} : { retryAfterMs: classified.retryAfterMs }),
    latencyMs,
  };
}

/** Monotonic, so a wall-clock step (NTP, a fake clock) cannot produce negative or absurd latencies. */
export function stopwatch(): () => number {
  const start = performance.now();
  return () => Math.max(0, Math.round(performance.now() - start));
}

export type DeadlineOutcome<T> = { timedOut: false; value: T } | { timedOut: true };

/**
 * Runs `work` with a signal that aborts after `timeoutMs`, and stops waiting at that moment even if the
 * library ignores the signal: the engine's per-send budget is a promise, not a hint.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<DeadlineOutcome<T>> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<DeadlineOutcome<T>>((resolve) => {
    timer = setTimeout(() => {
      resolve({ timedOut: true });
      controller.abort(new Error(`send timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const running = work(controller.signal).then((value): DeadlineOutcome<T> => ({ timedOut: false, value }));
  // A late rejection after the deadline won must not surface as an unhandled rejection.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function timedOut(timeoutMs: number): Classified {
  return {
    errorClass: "transient",
    status: "timeout",
    // The provider may still have accepted it: the idempotency key / Message-ID is what makes a retry safe.
    message: `no answer within ${timeoutMs} ms; the outcome is unknown`,
  };
}

export type HeaderLookup = (name: string) => string | undefined;

/** Case-insensitive lookup over whatever header shape a library hands back. */
export function headerLookup(headers: unknown): HeaderLookup {
  if (headers === null || typeof headers !== "object") return () => undefined;
  if (headers instanceof Headers) {
    return (name) => headers.get(name) ?? undefined;
  }
  const entries = new Map<string, string>();
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof value === "string") entries.set(key.toLowerCase(), value);
    else if (typeof value === "number") entries.set(key.toLowerCase(), String(value));
    else if (Array.isArray(value) && typeof value[0] === "string") entries.set(key.toLowerCase(), value[0]);
  }
  return (name) => entries.get(name.toLowerCase());
}

const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * How long the provider asked us to wait. Retry-After is either seconds or an HTTP date; the reset headers
 * are either seconds to wait (IETF draft `ratelimit-reset`, Resend) or a Unix timestamp (SendGrid's
 * `X-RateLimit-Reset`), told apart by magnitude.
 */
export function retryAfterMs(header: HeaderLookup, nowMs: number): number | undefined {
  const retryAfter = header("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return clampWait(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return clampWait(at - nowMs);
  }
  for (const name of ["x-ratelimit-reset", "ratelimit-reset"]) {
    const value = header(name)?.trim();
    if (!value || !/^\d+(\.\d+)?$/.test(value)) continue;
    const n = Number(value);
    // Anything past 2001-09-09 as seconds is a timestamp; no provider asks for a 31-year wait.
    return clampWait(n > 1_000_000_000 ? n * 1000 - nowMs : n * 1000);
  }
  return undefined;
}

function clampWait(ms: number): number {
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(ms)));
}

export type EncodedEmail = { ok: true; email: OutgoingEmail } | { ok: false; refusal: Classified };

/**
 * The email with every address as `kind` must receive it: internationalised domains in punycode (queued jobs hold
 * the Unicode form people read), and a non-ASCII local part only where the provider can carry it (SMTPUTF8):
 * elsewhere the email is refused here, before anything leaves, with the reason the organiser sees.
 */
export function encodeAddresses(email: OutgoingEmail, kind: ProviderKind): EncodedEmail {
  const support = UTF8_LOCAL_PART_SUPPORT[kind];
  const cannotCarryUtf8 = support.supported ? null : support.why;
  // Every address was checked where it entered Herald; one this check does not know goes out as it is, and the
  // provider's own verdict on it is classified like any other.
  const encode = (address: string): string | EncodedEmail => {
    const parsed = parseEmailAddress(address);
    if (!parsed.ok) return address;
    if (parsed.utf8Local && cannotCarryUtf8 !== null) {
      return { ok: false, refusal: { errorClass: "permanent", message: `${cannotCarryUtf8}: ${address}` } };
    }
    return parsed.ascii;
  };
  const to = encode(email.to.email);
  if (typeof to !== "string") return to;
  const from = encode(email.from.email);
  if (typeof from !== "string") return from;
  const replyTo = email.replyTo === undefined ? undefined : encode(email.replyTo);
  if (replyTo !== undefined && typeof replyTo !== "string") return replyTo;
  return {
    ok: true,
    email: {
      ...email,
      from: { ...email.from, email: from },
      to: { ...email.to, email: to },
      ...(replyTo === undefined ? {} : { replyTo }),
    },
  };
}

/** RFC 5322 display name quoting, for the APIs that take "Name <email>" strings. */
export function formatAddress(address: Address): string {
  const name = address.name?.replace(/[\r\n]+/g, " ").trim();
  if (!name) return address.email;
  const needsQuotes = /[()<>[\]:;@\\,."]/.test(name);
  return needsQuotes ? `"${name.replace(/(["\\])/g, "\\$1")}" <${address.email}>` : `${name} <${address.email}>`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object";
}

export function stringProp(value: unknown, key: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const prop = value[key];
  return typeof prop === "string" ? prop : undefined;
}

export function numberProp(value: unknown, key: string): number | undefined {
  if (!isRecord(value)) return undefined;
  const prop = value[key];
  return typeof prop === "number" && Number.isFinite(prop) ? prop : undefined;
}

/** Network-level failure codes: nothing was decided by the provider, so another attempt may well work. */
export const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_SOCKET",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  "ERR_NETWORK",
  "ERR_CANCELED",
  "ABORT_ERR",
]);
