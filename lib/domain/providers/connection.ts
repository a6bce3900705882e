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
  /** Implicit TLS from the first byte (usually port 465). */
  secure: z.boolean().default(false),
  /** Refuse to send unless the server upgrades with STARTTLS (usually port 587). */
  requireTLS: z.boolean().default(false),
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
    if (connection.secure && connection.requireTLS) {
      // STARTTLS upgrades a plain connection; with implicit TLS there is nothing to upgrade, so the pair
      // means the port was mixed up (465 vs 587).
      ctx.addIssue({
        code: "custom",
        path: ["requireTLS"],
        message: "cannot be combined with secure (implicit TLS): pick one",
      });
    }
  });

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
