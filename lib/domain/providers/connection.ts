import { z } from "zod";

/**
 * How Herald reaches one email provider. Owned by the domain because the provider form in the browser, the
 * server action behind it and the mail adapters all validate against the same schema; it holds plain data
 * only (the credentials arrive decrypted from the composition root, never from the environment).
 */

const DEFAULT_SEND_TIMEOUT_MS = 15_000;

const milliseconds = (min: number, max: number) => z.number().int().min(min).max(max);

/** Every send is cut off after this long: a stalled provider must not hold a queue job indefinitely. */
const sendTimeout = milliseconds(50, 120_000).default(DEFAULT_SEND_TIMEOUT_MS);

const secret = z.string().trim().min(1, "is required").max(4096);

// Only http(s): a stand-in URL in tests, a regional endpoint in production; anything else is a typo or worse.
const httpBaseUrl = z.url({ protocol: /^https?$/, message: "must be an http(s) URL" });

export const smtpConnectionSchema = z.object({
  kind: z.literal("smtp"),
  host: z.string().trim().min(1, "is required").max(253),
  port: z.number().int().min(1).max(65_535),
  /** Implicit TLS from the first byte; port 465 always means it (see smtpTransportSecurity). */
  secure: z.boolean().default(false),
  /**
   * Send unencrypted when the server offers no STARTTLS. Off by default: the password and every email would
   * cross the network readable. Only for a relay on a trusted network that cannot do TLS.
   */
  allowPlaintext: z.boolean().default(false),
  /** Accept a self-signed or otherwise unverifiable certificate (local relays, test servers). */
  allowSelfSigned: z.boolean().default(false),
  user: z.string().min(1).max(512).optional(),
  pass: z.string().min(1).max(4096).optional(),
  maxConnections: z.number().int().min(1).max(50).default(2),
  /** Messages per pooled connection before it is replaced; some relays drop long sessions. */
  maxMessages: z.number().int().min(1).max(100_000).default(100),
  connectionTimeoutMs: milliseconds(50, 120_000).default(10_000),
  greetingTimeoutMs: milliseconds(50, 120_000).default(10_000),
  socketTimeoutMs: milliseconds(50, 600_000).default(30_000),
  timeoutMs: sendTimeout,
});

export const sendgridConnectionSchema = z.object({
  kind: z.literal("sendgrid"),
  apiKey: secret,
  baseUrl: httpBaseUrl.optional(),
  timeoutMs: sendTimeout,
});

export const resendConnectionSchema = z.object({
  kind: z.literal("resend"),
  apiKey: secret,
  baseUrl: httpBaseUrl.optional(),
  timeoutMs: sendTimeout,
});

export const providerConnectionSchema = z
  .discriminatedUnion("kind", [smtpConnectionSchema, sendgridConnectionSchema, resendConnectionSchema])
  .superRefine((connection, ctx) => {
    if (connection.kind !== "smtp") return;
    if ((connection.user === undefined) !== (connection.pass === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [connection.user === undefined ? "user" : "pass"],
        message: "user and pass go together: set both or neither",
      });
    }
    if (usesImplicitTls(connection) && connection.allowPlaintext) {
      // Implicit TLS always encrypts: the pair means a setting was mixed up.
      ctx.addIssue({
        code: "custom",
        path: ["allowPlaintext"],
        message: "cannot be combined with implicit TLS (secure, or port 465)",
      });
    }
  });

/** Port 465 is SMTP over TLS from the first byte, whatever the `secure` box says. */
export function usesImplicitTls(connection: { secure: boolean; port: number }): boolean {
  return connection.secure || connection.port === 465;
}

/**
 * A relay on this machine (the local mail catcher, a sidecar): nothing crosses a network, and such relays
 * rarely offer STARTTLS. A name that merely resolves to loopback is not trusted to: DNS can change.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h.endsWith(".localhost") || /^127(\.\d{1,3}){3}$/.test(h) || h === "::1" || h === "0:0:0:0:0:0:0:1";
}

/**
 * How an SMTP connection is encrypted: implicit TLS on 465 (or when asked), otherwise STARTTLS is required
 * (nodemailer refuses to send when the server does not offer it) unless the relay is on loopback or the
 * provider explicitly allows plain text. Opportunistic TLS would let anyone on the path strip the upgrade.
 */
export function smtpTransportSecurity(
  connection: Pick<SmtpConnection, "host" | "port" | "secure" | "allowPlaintext">,
): { secure: boolean; requireTLS: boolean } {
  const secure = usesImplicitTls(connection);
  return { secure, requireTLS: !secure && !connection.allowPlaintext && !isLoopbackHost(connection.host) };
}

export type ProviderConnection = z.output<typeof providerConnectionSchema>;
/** What a caller may pass: defaults (timeouts, pool sizes, TLS flags) are filled in by parsing. */
export type ProviderConnectionInput = z.input<typeof providerConnectionSchema>;
export type SmtpConnection = Extract<ProviderConnection, { kind: "smtp" }>;
export type SendgridConnection = Extract<ProviderConnection, { kind: "sendgrid" }>;
export type ResendConnection = Extract<ProviderConnection, { kind: "resend" }>;

export class ProviderConnectionError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid provider connection: ${problems.join("; ")}`);
    this.name = "ProviderConnectionError";
  }
}

/**
 * Validates and fills defaults. Problems name the field and the rule, never the value, so the error can be
 * logged or shown even when the offending field is a credential.
 */
export function parseProviderConnection(input: unknown): ProviderConnection {
  const result = providerConnectionSchema.safeParse(input, { reportInput: false });
  if (!result.success) {
    throw new ProviderConnectionError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "connection"} ${issue.message}`),
    );
  }
  return result.data;
}

/** The connection with every credential replaced, for logs, audit entries and the settings page. */
export function redactProviderConnection(connection: ProviderConnection): Record<string, unknown> {
  switch (connection.kind) {
    case "smtp":
      return { ...connection, pass: connection.pass === undefined ? undefined : "[redacted]" };
    case "sendgrid":
    case "resend":
      return { ...connection, apiKey: "[redacted]" };
  }
}

/** The strings that must never appear in anything an adapter stores or logs. */
export function connectionSecrets(connection: ProviderConnection): string[] {
  switch (connection.kind) {
    case "smtp":
      return connection.pass === undefined ? [] : [connection.pass];
    case "sendgrid":
    case "resend":
      return [connection.apiKey];
  }
}
