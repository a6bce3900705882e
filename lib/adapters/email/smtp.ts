import nodemailer from "nodemailer";
import { hasUtf8LocalPart } from "@/lib/domain/email-address";
import { connectionSecrets, smtpTransportSecurity, type SmtpConnection } from "@/lib/domain/providers/connection";
import type { Mailer, OutgoingEmail, SendResult } from "@/lib/ports/mailer";
import {
  type Classified,
  encodeAddresses,
  failed,
  isRecord,
  NETWORK_ERROR_CODES,
  numberProp,
  stopwatch,
  stringProp,
  timedOut,
  withDeadline,
} from "./shared";

export function createSmtpMailer(connection: SmtpConnection): Mailer {
  const secrets = connectionSecrets(connection);
  const transport = nodemailer.createTransport({
    pool: true,
    host: connection.host,
    port: connection.port,
    ...smtpTransportSecurity(connection),
    tls: { rejectUnauthorized: !connection.allowSelfSigned },
    auth: connection.user === undefined ? undefined : { user: connection.user, pass: connection.pass },
    maxConnections: connection.maxConnections,
    maxMessages: connection.maxMessages,
    // nodemailer requeues a message only when a reused pooled connection fails before a byte of it was
    // sent (a relay that dropped an idle session answers the next command with 421), so no duplicate is
    // possible. Each such attempt retires one stale connection; after maxConnections of them the message
    // runs on a fresh one, where a 421 is a real refusal and reaches the engine as rate_limited instead
    // of a code-less "connection closed".
    maxRequeues: connection.maxConnections,
    connectionTimeout: connection.connectionTimeoutMs,
    greetingTimeout: connection.greetingTimeoutMs,
    socketTimeout: connection.socketTimeoutMs,
    // Message content comes from templates and CSV data: it must never make the worker read files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  });

  return {
    kind: "smtp",
    async send(outgoing: OutgoingEmail): Promise<SendResult> {
      const elapsed = stopwatch();
      const encoded = encodeAddresses(outgoing, "smtp");
      if (!encoded.ok) return failed(encoded.refusal, elapsed(), secrets);
      const { email } = encoded;
      const utf8Recipient = hasUtf8LocalPart(email.to.email);
      try {
        const outcome = await withDeadline(connection.timeoutMs, (signal) =>
          transport.sendMail({
            from: email.from.name ? { name: email.from.name, address: email.from.email } : email.from.email,
            to: email.to.name ? { name: email.to.name, address: email.to.email } : email.to.email,
            replyTo: email.replyTo,
            subject: email.subject,
            html: email.html,
            text: email.text,
            attachments: email.attachments?.map((a) => ({
              filename: a.filename,
              contentType: a.contentType,
              content: a.content,
            })),
            // The deterministic Message-ID is SMTP's only idempotency handle: a re-send after a crash
            // carries the same id, so receiving systems and our own records can recognise it.
            messageId: email.messageId,
            signal,
          }),
        );
        if (outcome.timedOut) return failed(timedOut(connection.timeoutMs), elapsed(), secrets);
        const info = outcome.value;
        if (info.accepted.length === 0) {
          return failed(
            explainUtf8Refusal({ errorClass: "permanent_recipient", message: `recipient refused: ${info.response}` }, utf8Recipient),
            elapsed(),
            secrets,
          );
        }
        return { ok: true, providerMessageId: providerMessageId(info), latencyMs: elapsed() };
      } catch (error) {
        return failed(explainUtf8Refusal(classifySmtpError(error), utf8Recipient), elapsed(), secrets);
      }
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}

/**
 * nodemailer asks for SMTPUTF8 when the relay offers it, and otherwise sends the address as it is; either way the
 * relay, or one after it, decides. When it refuses, the organiser should learn that the address itself is why.
 */
function explainUtf8Refusal(classified: Classified, utf8Recipient: boolean): Classified {
  if (!utf8Recipient || (classified.errorClass !== "permanent" && classified.errorClass !== "permanent_recipient")) {
    return classified;
  }
  return {
    ...classified,
    message: `The address has non-ASCII characters before the @, which needs SMTPUTF8 on every server on the way; the SMTP server answered: ${classified.message}`,
  };
}

/**
 * The id the relay's own logs know the message by: a Message-ID it substituted (Outlook, SES), else the
 * queue id from a "250 ... queued as X" reply, else the Message-ID we set.
 */
function providerMessageId(info: { serverMessageId?: string | undefined; response: string; messageId: string }): string | null {
  if (info.serverMessageId) return info.serverMessageId;
  const queued = /queued as\s+([^\s;,]+)/i.exec(info.response)?.[1];
  return queued ?? (info.messageId || null);
}

const RATE_LIMIT_CODES = new Set([421, 451, 452]);
const AUTH_CODES = new Set([530, 534, 535]);
const RECIPIENT_CODES = new Set([501, 550, 551, 553]);
// Gmail ("Daily user sending quota exceeded", 550 5.4.5), SendGrid SMTP ("Maximum credits exceeded")
// and friends word quota rejections this way; the reply code alone would make them look permanent.
const QUOTA_TEXT = /quota exceeded|sending quota|credits exceeded|sending limit (exceeded|reached)|daily (user )?sending limit/i;
const TRANSIENT_NODEMAILER_CODES = new Set(["ECONNECTION", "ESOCKET", "ETIMEDOUT", "EDNS", "ETLS", "EABORT", "EPROXY", "EMAXLIMIT"]);

/** Normalises a nodemailer error (anything thrown by sendMail) into one of the engine's error classes. */
export function classifySmtpError(error: unknown): Classified {
  const code = stringProp(error, "code");
  const originalCode = stringProp(error, "originalCode");
  const responseCode = numberProp(error, "responseCode");
  const response = stringProp(error, "response");
  const command = stringProp(error, "command");
  const message = (error instanceof Error ? error.message : undefined) ?? response ?? String(error);
  const status: string | number | undefined = responseCode ?? originalCode ?? code;

  if (QUOTA_TEXT.test(response ?? message)) {
    return { errorClass: "quota_exhausted", message, status };
  }
  if (responseCode !== undefined) {
    if (RATE_LIMIT_CODES.has(responseCode)) return { errorClass: "rate_limited", message, status };
    if (AUTH_CODES.has(responseCode)) return { errorClass: "auth", message, status };
    if (RECIPIENT_CODES.has(responseCode) && concernsRecipient(error, command)) {
      return { errorClass: "permanent_recipient", message, status };
    }
    if (responseCode >= 500) return { errorClass: "permanent", message, status };
    if (responseCode >= 400) return { errorClass: "transient", message, status };
  }
  if (code === "EAUTH" || code === "ENOAUTH") return { errorClass: "auth", message, status };
  if (
    (code !== undefined && (TRANSIENT_NODEMAILER_CODES.has(code) || NETWORK_ERROR_CODES.has(code))) ||
    (originalCode !== undefined && NETWORK_ERROR_CODES.has(originalCode))
  ) {
    return { errorClass: "transient", message, status };
  }
  if (code === "EENVELOPE") {
    // Refused before anything reached the server: nodemailer found the address itself malformed.
    return /recipient/i.test(message)
      ? { errorClass: "permanent_recipient", message, status }
      : { errorClass: "permanent", message, status };
  }
  if (code === "EMESSAGE" || code === "ECONFIG" || code === "EREQUIRETLS" || code === "ESTREAM") {
    return { errorClass: "permanent", message, status };
  }
  return { errorClass: "transient", message, status };
}

function concernsRecipient(error: unknown, command: string | undefined): boolean {
  if (command === "RCPT TO") return true;
  if (!isRecord(error)) return false;
  if (typeof error.recipient === "string") return true;
  return Array.isArray(error.rejected) && error.rejected.length > 0;
}
