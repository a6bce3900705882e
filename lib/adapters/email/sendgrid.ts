import { Client } from "@sendgrid/client";
import { MailService } from "@sendgrid/mail";
import { connectionSecrets, type SendgridConnection } from "@/lib/domain/providers/connection";
import { systemClock } from "@/lib/ports/clock";
import type { Mailer, OutgoingEmail, SendResult } from "@/lib/ports/mailer";
import {
  type Classified,
  encodeAddresses,
  failed,
  headerLookup,
  isRecord,
  type MailerOptions,
  NETWORK_ERROR_CODES,
  numberProp,
  retryAfterMs,
  stopwatch,
  stringProp,
  timedOut,
  withDeadline,
} from "./shared";

/** The custom arg a crash-recovery check can search SendGrid's activity feed by. */
export const SENDGRID_IDEMPOTENCY_ARG = "herald_idempotency_key";

export function createSendgridMailer(connection: SendgridConnection, options: MailerOptions = {}): Mailer {
  const clock = options.clock ?? systemClock;
  const secrets = connectionSecrets(connection);
  // @sendgrid/mail's default export is a process-wide singleton: two SendGrid providers sharing it would
  // send with whichever key was set last. Each provider gets its own service and HTTP client.
  const client = new Client();
  client.setApiKey(connection.apiKey);
  // setApiKey resets the base URL to the region's host, so an override has to come after it.
  if (connection.baseUrl) client.setDefaultRequest("baseUrl", connection.baseUrl);
  // The mail API answers a send, it never redirects one, and a POST must not be replayed elsewhere. With no
  // redirects allowed, axios also sends over Node's own http module instead of follow-redirects' wrapper,
  // which was a sixth of a busy drain's CPU (bench:drain profile).
  // (Passed through to axios as it is; the library's typings list only some of the options it passes.)
  (client as unknown as { setDefaultRequest(key: "maxRedirects", value: number): void }).setDefaultRequest("maxRedirects", 0);
  const service = new MailService();
  service.setClient(client);
  // The library's own timeout frees the socket; withDeadline below is what bounds the caller's wait.
  service.setTimeout(connection.timeoutMs);

  return {
    kind: "sendgrid",
    async send(outgoing: OutgoingEmail): Promise<SendResult> {
      const elapsed = stopwatch();
      const encoded = encodeAddresses(outgoing, "sendgrid");
      if (!encoded.ok) return failed(encoded.refusal, elapsed(), secrets);
      const { email } = encoded;
      try {
        const outcome = await withDeadline(connection.timeoutMs, () =>
          service.send({
            from: { email: email.from.email, ...(email.from.name ? { name: email.from.name } : {}) },
            to: { email: email.to.email, ...(email.to.name ? { name: email.to.name } : {}) },
            ...(email.replyTo ? { replyTo: email.replyTo } : {}),
            subject: email.subject,
            text: email.text,
            html: email.html,
            // SendGrid has no idempotency key; the custom arg travels with the message into its event
            // webhook and activity feed, so a re-send after a crash can be matched to the first attempt.
            customArgs: { [SENDGRID_IDEMPOTENCY_ARG]: email.idempotencyKey },
            headers: { "Message-ID": email.messageId },
            ...(email.attachments?.length
              ? {
                  attachments: email.attachments.map((a) => ({
                    filename: a.filename,
                    type: a.contentType,
                    disposition: "attachment",
                    content: Buffer.from(a.content, "utf8").toString("base64"),
                  })),
                }
              : {}),
          }),
        );
        if (outcome.timedOut) return failed(timedOut(connection.timeoutMs), elapsed(), secrets);
        const [response] = outcome.value;
        const messageId = headerLookup(response.headers)("x-message-id") ?? null;
        return { ok: true, providerMessageId: messageId, latencyMs: elapsed() };
      } catch (error) {
        return failed(classifySendgridError(error, clock.now().getTime()), elapsed(), secrets);
      }
    },
    async close(): Promise<void> {
      // Nothing pooled of its own: requests run over Node's shared keep-alive agent.
    },
  };
}

interface SendgridApiError {
  message?: string;
  field?: string | null;
}

const RECIPIENT_FIELD = /^personalizations(\.\d+|\[\d+\])?\.(to|cc|bcc)\b/;
const RECIPIENT_TEXT = /valid (email )?address|invalid (email|recipient)|recipient/i;

/** Normalises what @sendgrid/mail rejects with: a ResponseError for HTTP answers, an axios error otherwise. */
export function classifySendgridError(error: unknown, nowMs: number): Classified {
  const status = numberProp(error, "code");
  const response = isRecord(error) ? error.response : undefined;
  if (status !== undefined && isRecord(response)) {
    const apiErrors = parseApiErrors(response.body);
    const detail = apiErrors.map((e) => e.message).filter(Boolean).join("; ");
    const message = `SendGrid ${status}${detail ? `: ${detail}` : ""}`;
    // Running out of credits is answered as 401 "Maximum credits exceeded": the key is fine, the
    // allowance is not, and the provider must come back when it renews rather than be disabled.
    if (status === 401 && /credits/i.test(detail)) return { errorClass: "quota_exhausted", message, status };
    if (status === 401 || status === 403) return { errorClass: "auth", message, status };
    if (status === 429) {
      const wait = retryAfterMs(headerLookup(response.headers), nowMs);
      return { errorClass: "rate_limited", message, status, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
    }
    if (status === 400 && apiErrors.some(concernsRecipient)) {
      return { errorClass: "permanent_recipient", message, status };
    }
    if (status === 408) return { errorClass: "transient", message, status };
    if (status >= 400 && status < 500) return { errorClass: "permanent", message, status };
    return { errorClass: "transient", message, status };
  }
  const code = stringProp(error, "code");
  const message = `SendGrid request failed: ${error instanceof Error ? error.message : String(error)}`;
  if (code !== undefined && NETWORK_ERROR_CODES.has(code)) return { errorClass: "transient", message, status: code };
  return { errorClass: "transient", message, ...(code === undefined ? {} : { status: code }) };
}

function parseApiErrors(body: unknown): SendgridApiError[] {
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return [{ message: body.slice(0, 200) }];
    }
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.errors)) return [];
  return parsed.errors.map((e: unknown): SendgridApiError => {
    if (typeof e === "string") return { message: e };
    return { message: stringProp(e, "message"), field: stringProp(e, "field") ?? null };
  });
}

function concernsRecipient(error: SendgridApiError): boolean {
  if (error.field) return RECIPIENT_FIELD.test(error.field);
  return RECIPIENT_TEXT.test(error.message ?? "");
}
