/**
 * The one port every email provider sits behind. Adapters normalise their provider's answers into
 * SendResult so the engine never needs to know which protocol produced an error.
 */
export type ProviderKind = "smtp" | "sendgrid" | "resend";

export interface Address {
  email: string;
  name?: string;
}

export interface OutgoingEmail {
  from: Address;
  to: Address;
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  attachments?: { filename: string; contentType: string; content: string }[];
  /**
   * Stable for the lifetime of a queue job, so a re-send after a crash is recognisable as the same email:
   * Resend gets it as Idempotency-Key, SendGrid as a custom arg, SMTP as the Message-ID.
   */
  idempotencyKey: string;
  /** Deterministic RFC 5322 Message-ID (with angle brackets) derived from the job id. */
  messageId: string;
}

/**
 * transient: timeouts, 5xx, connection errors: retry with backoff, maybe elsewhere.
 * rate_limited: 429 / SMTP 421, 451, 452: wait without spending an attempt.
 * quota_exhausted: the provider says its daily/monthly allowance is used up: leave rotation until reset.
 * auth: 401/403 / SMTP 535: take the provider out of rotation at once.
 * permanent_recipient: 550/553, invalid recipient: fail now, mark the invitation bounced.
 * permanent: the request itself is wrong (400/422): retrying the same email cannot help.
 */
export type SendErrorClass =
  | "transient"
  | "rate_limited"
  | "quota_exhausted"
  | "auth"
  | "permanent_recipient"
  | "permanent";

export type SendResult =
  | { ok: true; providerMessageId: string | null; latencyMs: number }
  | {
      ok: false;
      errorClass: SendErrorClass;
      /** Short, safe to store in audit entries: never contains credentials. */
      message: string;
      status?: number | string;
      retryAfterMs?: number;
      latencyMs: number;
    };

export interface Mailer {
  readonly kind: ProviderKind | "simulated";
  send(email: OutgoingEmail): Promise<SendResult>;
  close(): Promise<void>;
}
