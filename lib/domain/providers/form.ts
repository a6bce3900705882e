import { z } from "zod";
import { isResetTime } from "@/lib/domain/delivery/quota";
import { isValidTimeZone } from "@/lib/domain/events/time";
import { usesImplicitTls } from "./connection";

/**
 * The provider form, shared by the browser (instant field errors) and the server action (the real check).
 * Secrets follow one rule on edit: a blank password or API key means "keep the stored one", which only makes
 * sense while the stored secret belongs to the same kind of provider and the same endpoint.
 */

export const PROVIDER_KINDS = ["smtp", "sendgrid", "resend"] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const PROVIDER_KIND_LABELS: Record<ProviderKind, string> = {
  smtp: "SMTP",
  sendgrid: "SendGrid",
  resend: "Resend",
};

/** Every input of the form as the browser holds it: text boxes give strings, checkboxes booleans. */
export interface ProviderFormFields {
  name: string;
  kind: ProviderKind;
  enabled: boolean;
  priority: string;
  fromEmail: string;
  fromName: string;
  dailyQuota: string;
  resetTime: string;
  timezone: string;
  ratePerSecond: string;
  ratePerMinute: string;
  host: string;
  port: string;
  secure: boolean;
  allowPlaintext: boolean;
  allowSelfSigned: boolean;
  user: string;
  pass: string;
  apiKey: string;
  baseUrl: string;
  /** SendGrid's webhook verification key or Resend's webhook signing secret; blank on edit keeps the stored one. */
  webhookKey: string;
}

export type ProviderFieldName = keyof ProviderFormFields;

export const PROVIDER_LIMITS = {
  nameMax: 80,
  fromNameMax: 100,
  priorityMax: 1000,
  dailyQuotaMax: 10_000_000,
  rateMax: 100_000,
} as const;

export function emptyProviderFields(kind: ProviderKind = "smtp"): ProviderFormFields {
  return {
    name: "",
    kind,
    enabled: true,
    priority: "10",
    fromEmail: "",
    fromName: "",
    dailyQuota: "",
    resetTime: "00:00",
    timezone: "UTC",
    ratePerSecond: "",
    ratePerMinute: "",
    host: "",
    port: "587",
    secure: false,
    allowPlaintext: false,
    allowSelfSigned: false,
    user: "",
    pass: "",
    apiKey: "",
    baseUrl: "",
    webhookKey: "",
  };
}

/** What a stored provider contributes to the edit form. The secret never does: the form starts blank. */
export interface StoredProviderFields {
  name: string;
  kind: ProviderKind;
  enabled: boolean;
  priority: number;
  fromEmail: string;
  fromName: string;
  dailyQuota: number | null;
  resetTime: string;
  timezone: string;
  ratePerSecond: number | null;
  ratePerMinute: number | null;
  connection: {
    host?: string;
    port?: number;
    secure?: boolean;
    allowPlaintext?: boolean;
    allowSelfSigned?: boolean;
    user?: string;
    baseUrl?: string;
  };
}

export function providerFormFieldsFrom(stored: StoredProviderFields): ProviderFormFields {
  const c = stored.connection;
  const numberText = (n: number | null | undefined) => (n === null || n === undefined ? "" : String(n));
  return {
    ...emptyProviderFields(stored.kind),
    name: stored.name,
    enabled: stored.enabled,
    priority: String(stored.priority),
    fromEmail: stored.fromEmail,
    fromName: stored.fromName,
    dailyQuota: numberText(stored.dailyQuota),
    resetTime: stored.resetTime,
    timezone: stored.timezone,
    ratePerSecond: numberText(stored.ratePerSecond),
    ratePerMinute: numberText(stored.ratePerMinute),
    host: c.host ?? "",
    port: c.port === undefined ? "587" : String(c.port),
    secure: c.secure ?? false,
    allowPlaintext: c.allowPlaintext ?? false,
    allowSelfSigned: c.allowSelfSigned ?? false,
    user: c.user ?? "",
    baseUrl: c.baseUrl ?? "",
  };
}

// Names end up in the From header and in the admin list: a line break there is header injection, not a name.
// eslint-disable-next-line no-control-regex -- finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A blank text box means "not given", not an empty string to validate or store. */
function blankToUndefined(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string" && value.trim() === "") return undefined;
  return value;
}

function trimmed(value: unknown): unknown {
  return typeof value === "string" ? value.trim() : value;
}

function toNumber(value: unknown): unknown {
  const v = blankToUndefined(value);
  if (typeof v === "string" && /^\s*\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return v;
}

function toBoolean(value: unknown): unknown {
  if (value === "on" || value === "true") return true;
  if (value === undefined || value === null || value === "" || value === "false") return false;
  return value;
}

const flag = (label: string) => z.preprocess(toBoolean, z.boolean({ error: `${label} must be on or off` }));

function wholeNumber(message: string, min: number, max: number) {
  return z.preprocess(toNumber, z.number({ error: message }).int(message).min(min, message).max(max, message));
}

function optionalPositive(message: string, max: number, integer: boolean) {
  const base = z.number({ error: message }).positive(message).max(max, message);
  return z.preprocess(toNumber, (integer ? base.int(message) : base).optional());
}

function lineText(label: string, max: number) {
  return z
    .string({ error: `${label} must be text` })
    .trim()
    .max(max, `${label} can be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), `${label} cannot contain line breaks or control characters`);
}

function requiredLine(label: string, max: number, missing: string) {
  return z.preprocess(trimmed, lineText(label, max).min(1, missing));
}

function optionalLine(label: string, max: number) {
  return z.preprocess(blankToUndefined, lineText(label, max).optional());
}

/** Secrets are taken as typed (a password may start with a space); only an all-blank box means "not given". */
function optionalSecret(label: string) {
  return z.preprocess(
    blankToUndefined,
    z.string({ error: `${label} must be text` }).max(4096, `${label} can be at most 4096 characters`).optional(),
  );
}

function isHttpUrl(s: string): boolean {
  try {
    const url = new URL(s);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "";
  } catch {
    return false;
  }
}

const common = {
  name: requiredLine("The name", PROVIDER_LIMITS.nameMax, "Give the provider a name"),
  enabled: flag("Enabled"),
  priority: wholeNumber(
    `Priority must be a whole number from 0 to ${PROVIDER_LIMITS.priorityMax} (lower is tried first)`,
    0,
    PROVIDER_LIMITS.priorityMax,
  ),
  fromEmail: z.preprocess(
    trimmed,
    z
      .string({ error: "Enter the sender address" })
      .min(1, "Enter the sender address, e.g. events@example.com")
      .pipe(z.email({ error: "The sender must be an email address, e.g. events@example.com" })),
  ),
  fromName: optionalLine("The sender name", PROVIDER_LIMITS.fromNameMax),
  dailyQuota: optionalPositive(
    `The daily quota must be a whole number from 1 to ${PROVIDER_LIMITS.dailyQuotaMax.toLocaleString("en-GB")} (leave it empty for no limit)`,
    PROVIDER_LIMITS.dailyQuotaMax,
    true,
  ),
  resetTime: z.preprocess(
    trimmed,
    z.string({ error: "Enter the reset time" }).refine(isResetTime, "The reset time must be HH:MM on a 24-hour clock, e.g. 00:00"),
  ),
  timezone: z.preprocess(
    trimmed,
    z
      .string({ error: "Enter a time zone" })
      .refine(isValidTimeZone, "Enter a valid IANA time zone, e.g. UTC, Europe/Berlin or America/Los_Angeles"),
  ),
  ratePerSecond: optionalPositive("Sends per second must be a positive number (leave it empty for no limit)", PROVIDER_LIMITS.rateMax, false),
  ratePerMinute: optionalPositive("Sends per minute must be a positive number (leave it empty for no limit)", PROVIDER_LIMITS.rateMax, false),
};

const smtpFields = z.object({
  ...common,
  kind: z.literal("smtp"),
  host: z.preprocess(
    trimmed,
    z
      .string({ error: "Enter the SMTP server's host name" })
      .min(1, "Enter the SMTP server's host name, e.g. smtp.example.com")
      .max(253, "The host name can be at most 253 characters")
      .refine((s) => !/[\s/]/.test(s), "Enter a host name only, without spaces, scheme or path"),
  ),
  port: wholeNumber("The port must be a whole number from 1 to 65535 (usually 587 or 465)", 1, 65_535),
  secure: flag("Implicit TLS"),
  allowPlaintext: flag("Allow unencrypted connections"),
  allowSelfSigned: flag("Accept self-signed certificates"),
  user: optionalLine("The user name", 512),
  pass: optionalSecret("The password"),
});

function apiFields<K extends "sendgrid" | "resend">(kind: K) {
  return z.object({
    ...common,
    kind: z.literal(kind),
    apiKey: optionalSecret("The API key"),
    baseUrl: z.preprocess(
      blankToUndefined,
      z
        .string({ error: "The API address must be text" })
        .trim()
        .max(2000, "The API address can be at most 2000 characters")
        .refine(isHttpUrl, "The API address must start with https:// or http:// (leave it empty for the provider's own)")
        .optional(),
    ),
    webhookKey: z.preprocess(blankToUndefined, z.string({ error: "The webhook key must be text" }).trim().max(4096).optional()),
  });
}

// The DER header of an ECDSA P-256 public key (SubjectPublicKeyInfo), the kind SendGrid signs its webhooks with;
// the 65 bytes of the uncompressed point follow it.
const P256_SPKI_PREFIX = "3059301306072a8648ce3d020106082a8648ce3d030107034200";

function base64Bytes(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * Why a pasted webhook key cannot be the one this provider signs with, or null. SendGrid shows its verification
 * key as base64 (a P-256 public key), sometimes wrapped as PEM; Resend's signing secret is "whsec_" and base64.
 */
export function webhookKeyProblem(kind: "sendgrid" | "resend", key: string): string | null {
  if (kind === "sendgrid") {
    const body = key.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
    const bytes = base64Bytes(body);
    return bytes && bytes.length === 91 && hex(bytes).startsWith(P256_SPKI_PREFIX) && bytes[26] === 4
      ? null
      : "Paste the verification key SendGrid shows under Mail Settings → Event Webhook (Signed Event Webhook), e.g. MFkwEwYHKoZIzj0C…";
  }
  const secret = /^whsec_(.+)$/.exec(key)?.[1];
  const bytes = secret ? base64Bytes(secret) : null;
  return bytes && bytes.length >= 16 ? null : "Paste the signing secret Resend shows for the webhook: it starts with whsec_";
}

const providerFields = z.discriminatedUnion(
  "kind",
  [smtpFields, apiFields("sendgrid"), apiFields("resend")],
  { error: "Choose SMTP, SendGrid or Resend" },
);

/**
 * Where, and how, a provider's secret is sent: the SMTP host, port, user and encryption settings, or the API
 * address. The same key comes out of the browser's form fields, parsed values and stored settings, so all
 * three can be compared. A stored secret is only ever sent to the endpoint it was saved with: otherwise
 * changing the API address and pressing "send test" would hand the stored key to any host.
 */
export function providerEndpoint(kind: ProviderKind, source: Readonly<Record<string, unknown>>): string {
  const text = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v).trim() : "");
  if (kind === "smtp") {
    return JSON.stringify([
      kind,
      text(source.host).toLowerCase(),
      text(source.port),
      text(source.user),
      source.secure === true,
      source.allowPlaintext === true,
      source.allowSelfSigned === true,
    ]);
  }
  return JSON.stringify([kind, text(source.baseUrl)]);
}

/** The secret a provider has stored, and the endpoint it was saved with (see providerEndpoint). */
export interface StoredSecret {
  kind: ProviderKind;
  endpoint: string;
}

export interface ProviderFormContext {
  /** Editing: the stored secret's kind and endpoint (null when none is stored). */
  storedSecret: StoredSecret | null;
}

/**
 * Whether a blank secret box keeps the stored secret: only for the same kind (an SMTP password is no SendGrid
 * key) and the same endpoint.
 */
export function keepsStoredSecret(stored: StoredSecret | null, kind: ProviderKind, values: Readonly<Record<string, unknown>>): boolean {
  return stored !== null && stored.kind === kind && stored.endpoint === providerEndpoint(kind, values);
}

/** Why a stored secret is not kept although it is of this kind: the endpoint moved. */
export function secretMovedAway(stored: StoredSecret | null, kind: ProviderKind, values: Readonly<Record<string, unknown>>): boolean {
  return stored !== null && stored.kind === kind && !keepsStoredSecret(stored, kind, values);
}

export function providerFormSchema(context: ProviderFormContext = { storedSecret: null }) {
  return providerFields.superRefine((v, ctx) => {
    const keeps = keepsStoredSecret(context.storedSecret, v.kind, v);
    const moved = secretMovedAway(context.storedSecret, v.kind, v);
    if (v.kind === "smtp") {
      if (usesImplicitTls(v) && v.allowPlaintext) {
        ctx.addIssue({
          code: "custom",
          path: ["allowPlaintext"],
          message: "Implicit TLS (or port 465) always encrypts: untick one of the two",
        });
      }
      if (v.user !== undefined && v.pass === undefined && !keeps) {
        ctx.addIssue({
          code: "custom",
          path: ["pass"],
          message: moved
            ? "The server, user or encryption changed, so the saved password is not sent there: enter it again"
            : "Enter the password for this user",
        });
      }
      if (v.user === undefined && v.pass !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["user"],
          message: "Enter the user name for this password, or clear the password",
        });
      }
      return;
    }
    if (v.webhookKey !== undefined) {
      const problem = webhookKeyProblem(v.kind, v.webhookKey);
      if (problem) ctx.addIssue({ code: "custom", path: ["webhookKey"], message: problem });
    }
    if (v.apiKey === undefined && !keeps) {
      ctx.addIssue({
        code: "custom",
        path: ["apiKey"],
        message: moved ? "The API address changed, so the saved API key is not sent there: enter it again" : "Enter the API key",
      });
    }
  });
}

export type ProviderFormValues = z.output<typeof providerFields>;

const FIELD_NAMES = new Set<string>(Object.keys(emptyProviderFields()));

/** Field → first message, the shape the form shows next to each input. */
export function providerFieldErrors(error: z.ZodError): Partial<Record<ProviderFieldName, string>> {
  const out: Partial<Record<ProviderFieldName, string>> = {};
  for (const issue of error.issues) {
    const key = issue.path[0];
    if (typeof key === "string" && FIELD_NAMES.has(key) && !(key in out)) {
      out[key as ProviderFieldName] = issue.message;
    }
  }
  return out;
}
