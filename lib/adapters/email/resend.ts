import { Resend } from "resend";
import { connectionSecrets, type ResendConnection } from "@/lib/domain/providers/connection";
import { systemClock } from "@/lib/ports/clock";
import type { Mailer, OutgoingEmail, SendResult } from "@/lib/ports/mailer";
import {
  type Classified,
  encodeAddresses,
  failed,
  formatAddress,
  headerLookup,
  type MailerOptions,
  retryAfterMs,
  stopwatch,
  timedOut,
  withDeadline,
} from "./shared";

export const RESEND_DEFAULT_BASE_URL = "https://api.resend.com";

/**
 * The tag carrying the queue job id. Resend's webhooks report an email's tags but not its Idempotency-Key, so
 * this is how a bounce finds its way back to the job and the invitation.
 */
export const RESEND_JOB_TAG = "herald_job";
/** What Resend accepts in a tag value. */
const TAG_VALUE = /^[A-Za-z0-9_-]{1,256}$/;

export function createResendMailer(connection: ResendConnection, options: MailerOptions = {}): Mailer {
  const clock = options.clock ?? systemClock;
  const secrets = connectionSecrets(connection);
  // Passing baseUrl and userAgent explicitly keeps the SDK from falling back to RESEND_BASE_URL /
  // RESEND_USER_AGENT: a stray environment variable must not redirect a configured provider.
  const resend = new Resend(connection.apiKey, {
    baseUrl: connection.baseUrl ?? RESEND_DEFAULT_BASE_URL,
    userAgent: "herald",
  });
  const inFlight = new Set<AbortController>();

  return {
    kind: "resend",
    async send(outgoing: OutgoingEmail): Promise<SendResult> {
      const elapsed = stopwatch();
      const encoded = encodeAddresses(outgoing, "resend");
      if (!encoded.ok) return failed(encoded.refusal, elapsed(), secrets);
      const { email } = encoded;
      const closer = new AbortController();
      inFlight.add(closer);
      try {
        const outcome = await withDeadline(connection.timeoutMs, (deadline) =>
          resend.emails.send(
            {
              from: formatAddress(email.from),
              to: formatAddress(email.to),
              ...(email.replyTo ? { replyTo: email.replyTo } : {}),
              subject: email.subject,
              html: email.html,
              text: email.text,
              headers: { "Message-ID": email.messageId },
              ...(TAG_VALUE.test(email.idempotencyKey) ? { tags: [{ name: RESEND_JOB_TAG, value: email.idempotencyKey }] } : {}),
              ...(email.attachments?.length
                ? {
                    attachments: email.attachments.map((a) => ({
                      filename: a.filename,
                      contentType: a.contentType,
                      // A Buffer is base64-encoded by the SDK; a string would be sent as if it already were.
                      content: Buffer.from(a.content, "utf8"),
                    })),
                  }
                : {}),
            },
            {
              // Resend remembers the key for 24 h and answers a repeat with the first result instead of
              // sending twice: this is what makes a re-send after a crash harmless.
              idempotencyKey: email.idempotencyKey,
              signal: AbortSignal.any([deadline, closer.signal]),
            },
          ),
        );
        if (outcome.timedOut) return failed(timedOut(connection.timeoutMs), elapsed(), secrets);
        const { data, error, headers } = outcome.value;
        if (error) {
          return failed(
            classifyResendError(error, headers, clock.now().getTime()),
            elapsed(),
            secrets,
          );
        }
        return { ok: true, providerMessageId: data?.id ?? null, latencyMs: elapsed() };
      } catch (error) {
        return failed(
          { errorClass: "transient", message: `Resend request failed: ${error instanceof Error ? error.message : String(error)}` },
          elapsed(),
          secrets,
        );
      } finally {
        inFlight.delete(closer);
      }
    },
    async close(): Promise<void> {
      for (const controller of inFlight) controller.abort(new Error("mailer closed"));
      inFlight.clear();
    },
  };
}

/** The SDK types this as { name, message, statusCode }, but it passes through whatever JSON a non-2xx had. */
export interface ResendErrorLike {
  name?: unknown;
  message?: unknown;
  statusCode?: unknown;
}

const QUOTA_NAMES = new Set(["daily_quota_exceeded", "monthly_quota_exceeded"]);
const AUTH_NAMES = new Set(["invalid_api_key", "restricted_api_key", "missing_api_key", "invalid_access"]);
// Resend words an invalid recipient as "Invalid `to` field. The email address needs to follow ...".
const RECIPIENT_TEXT = /`to`|\bto\b field|\brecipient|email address/i;

/** Normalises the `{ name, statusCode, message }` error the SDK resolves with (it never throws). */
export function classifyResendError(
  raw: ResendErrorLike,
  headers: Record<string, string> | null,
  nowMs: number,
): Classified {
  // A gateway in front of Resend can answer with JSON of another shape: without a status it is unknown,
  // and unknown is treated as transient rather than as the email's fault.
  const error = {
    name: typeof raw.name === "string" ? raw.name : "unknown_error",
    statusCode: typeof raw.statusCode === "number" ? raw.statusCode : null,
    message: typeof raw.message === "string" ? raw.message : "",
  };
  const status = error.statusCode ?? error.name;
  const message = `Resend ${error.statusCode ?? "error"} ${error.name}: ${error.message}`;
  if (QUOTA_NAMES.has(error.name)) {
    const wait = retryAfterMs(headerLookup(headers), nowMs);
    return { errorClass: "quota_exhausted", message, status, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  if (error.name === "rate_limit_exceeded" || error.statusCode === 429) {
    const wait = retryAfterMs(headerLookup(headers), nowMs);
    return { errorClass: "rate_limited", message, status, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  if (AUTH_NAMES.has(error.name) || error.statusCode === 401 || error.statusCode === 403) {
    // 403 also covers "you can only send testing emails to your own address": an account that cannot
    // send to anyone else is a provider problem, not a bad recipient.
    return { errorClass: "auth", message, status };
  }
  // The SDK reports a failed fetch (refused, reset, aborted) as application_error without a status.
  if (error.statusCode === null || error.statusCode >= 500 || error.statusCode === 408) {
    return { errorClass: "transient", message, status };
  }
  if (error.name === "concurrent_idempotent_requests") return { errorClass: "transient", message, status };
  if (error.name === "validation_error" && RECIPIENT_TEXT.test(error.message)) {
    return { errorClass: "permanent_recipient", message, status };
  }
  return { errorClass: "permanent", message, status };
}
