import { LRUCache } from "lru-cache";
import { EventWebhook, EventWebhookHeader } from "@sendgrid/eventwebhook";
import { Resend } from "resend";
import { z } from "zod";
import { reportDetail, type ProviderReport, type ReportKind } from "@/lib/domain/delivery/reports";
import type { ParsedWebhook, WebhookReader, WebhookRequest } from "@/lib/ports/webhooks";
import { SENDGRID_IDEMPOTENCY_ARG } from "./sendgrid";
import { RESEND_JOB_TAG } from "./resend";

/**
 * SendGrid's Event Webhook and Resend's webhooks: signatures checked with each provider's own library, events
 * normalised into ProviderReports. Only delivery events are kept; opens, clicks and account events are counted
 * as ignored.
 */

const sendgridVerifier = new EventWebhook();
type SendgridKey = ReturnType<EventWebhook["convertPublicKeyToECDSA"]>;
/** Parsed verification keys, by their text: parsing is cheap, but a key is used for every request. */
const sendgridKeys = new LRUCache<string, { key: SendgridKey | null }>({ max: 50 });

function sendgridKey(text: string): SendgridKey | null {
  let parsed = sendgridKeys.get(text);
  if (!parsed) {
    try {
      // The library reads PEM, and the bare base64 SendGrid's settings page shows.
      parsed = { key: sendgridVerifier.convertPublicKeyToECDSA(text) };
    } catch {
      parsed = { key: null };
    }
    sendgridKeys.set(text, parsed);
  }
  return parsed.key;
}

function verifySendgrid(keyText: string, request: WebhookRequest): boolean {
  const signature = request.header(EventWebhookHeader.SIGNATURE());
  const timestamp = request.header(EventWebhookHeader.TIMESTAMP());
  const key = sendgridKey(keyText);
  if (!signature || !timestamp || !key) return false;
  try {
    // ECDSA over the timestamp followed by the body exactly as received.
    return sendgridVerifier.verifySignature(key, request.body, signature, timestamp);
  } catch {
    // A signature that is not even DER-encoded.
    return false;
  }
}

// Resend's SDK insists on an API key in its constructor; verifying a webhook never uses it.
const resendSdk = new Resend("re_webhook_verification_only");

function verifyResend(secret: string, request: WebhookRequest): boolean {
  // Resend signs through Svix: svix-* headers, which the Standard Webhooks spec calls webhook-*.
  const header = (name: string) => request.header(`svix-${name}`) ?? request.header(`webhook-${name}`);
  const id = header("id");
  const timestamp = header("timestamp");
  const signature = header("signature");
  if (!id || !timestamp || !signature) return false;
  try {
    // Throws unless one of the signatures matches and the timestamp is within five minutes of now.
    resendSdk.webhooks.verify({ payload: request.body, headers: { id, timestamp, signature }, webhookSecret: secret });
    return true;
  } catch {
    return false;
  }
}

const text = (max: number) => z.string().max(max);

const sendgridEventSchema = z.looseObject({
  event: text(64),
  email: text(320).optional(),
  timestamp: z.number(),
  sg_event_id: text(200).optional(),
  type: text(64).optional(),
  reason: text(2000).optional(),
  status: text(64).optional(),
  response: text(2000).optional(),
  [SENDGRID_IDEMPOTENCY_ARG]: text(200).optional(),
});
/** SendGrid posts events in batches of up to 768 KB: thousands at most. */
const sendgridBatchSchema = z.array(z.unknown()).max(20_000);

type SendgridEvent = z.infer<typeof sendgridEventSchema>;

/** What one SendGrid event reports, or null for events that say nothing about delivery. */
function sendgridKind(e: SendgridEvent): { kind: ReportKind; detail: string | null } | null {
  switch (e.event) {
    case "delivered":
      return { kind: "delivered", detail: reportDetail(e.response) };
    case "deferred":
      return { kind: "deferred", detail: reportDetail(e.response) };
    case "bounce":
      // "blocked" is SendGrid's soft bounce (the receiving server refused for now, or for this message only).
      // The reason usually quotes the enhanced status code already ("550 5.1.1 …"): say it once.
      return {
        kind: e.type === "blocked" ? "soft_bounce" : "hard_bounce",
        detail: reportDetail(e.status && !e.reason?.includes(e.status) ? e.status : null, e.reason),
      };
    case "dropped":
      // Dropped because the address is on SendGrid's own bounce, spam or invalid lists: it is a dead address.
      // Other drops (spam content, an unsubscribe group) say nothing against the address.
      if (/spam reporting/i.test(e.reason ?? "")) return { kind: "complaint", detail: reportDetail("Dropped:", e.reason) };
      return {
        kind: /bounced address|invalid/i.test(e.reason ?? "") ? "hard_bounce" : "soft_bounce",
        detail: reportDetail("Dropped:", e.reason),
      };
    case "spamreport":
      return { kind: "complaint", detail: null };
    default:
      return null;
  }
}

function parseSendgrid(body: string): ParsedWebhook | null {
  const batch = sendgridBatchSchema.safeParse(parseJson(body));
  if (!batch.success) return null;
  const out: ParsedWebhook = { reports: [], ignored: 0 };
  for (const raw of batch.data) {
    const event = sendgridEventSchema.safeParse(raw);
    const kind = event.success ? sendgridKind(event.data) : null;
    const jobId = event.success ? event.data[SENDGRID_IDEMPOTENCY_ARG] : undefined;
    if (!event.success || !kind || !jobId || !event.data.sg_event_id) {
      out.ignored++;
      continue;
    }
    out.reports.push({
      provider: "sendgrid",
      eventId: event.data.sg_event_id,
      jobId,
      kind: kind.kind,
      at: new Date(event.data.timestamp * 1000),
      detail: kind.detail,
      email: event.data.email ?? null,
    });
  }
  return out;
}

const tagsSchema = z.union([
  z.record(z.string(), z.string()),
  // Older payloads list tags as name/value pairs.
  z.array(z.object({ name: z.string(), value: z.string() })).transform((pairs) => Object.fromEntries(pairs.map((p) => [p.name, p.value]))),
]);

const resendEventSchema = z.object({
  type: text(64),
  created_at: text(64),
  data: z.looseObject({
    to: z.array(text(320)).max(50).optional(),
    tags: tagsSchema.optional(),
    bounce: z.looseObject({ type: text(64).optional(), subType: text(64).optional(), message: text(2000).optional() }).optional(),
    failed: z.looseObject({ reason: text(2000).optional() }).optional(),
    suppressed: z.looseObject({ type: text(64).optional(), message: text(2000).optional() }).optional(),
  }),
});

type ResendEvent = z.infer<typeof resendEventSchema>;

function resendKind(e: ResendEvent): { kind: ReportKind; detail: string | null } | null {
  const d = e.data;
  switch (e.type) {
    case "email.delivered":
      return { kind: "delivered", detail: null };
    case "email.delivery_delayed":
      return { kind: "deferred", detail: null };
    case "email.bounced":
      // Amazon SES underneath: "Permanent" is a hard bounce; "Transient" and "Undetermined" are not the address's fault.
      return {
        kind: d.bounce?.type === "Permanent" ? "hard_bounce" : "soft_bounce",
        detail: reportDetail(d.bounce?.subType ? `${d.bounce.subType}:` : null, d.bounce?.message),
      };
    case "email.complained":
      return { kind: "complaint", detail: null };
    case "email.failed":
      return { kind: "soft_bounce", detail: reportDetail("Not sent:", d.failed?.reason) };
    case "email.suppressed":
      // Resend refused the address because its own suppression list holds it.
      return { kind: "hard_bounce", detail: reportDetail("Suppressed by Resend:", d.suppressed?.message) };
    default:
      return null;
  }
}

function parseResend(request: WebhookRequest): ParsedWebhook | null {
  const parsed = resendEventSchema.safeParse(parseJson(request.body));
  const eventId = request.header("svix-id") ?? request.header("webhook-id");
  if (!parsed.success || !eventId) return null;
  const kind = resendKind(parsed.data);
  const jobId = parsed.data.data.tags?.[RESEND_JOB_TAG];
  const at = new Date(parsed.data.created_at);
  if (!kind || !jobId || Number.isNaN(at.getTime())) return { reports: [], ignored: 1 };
  const report: ProviderReport = {
    provider: "resend",
    eventId,
    jobId,
    kind: kind.kind,
    at,
    detail: kind.detail,
    email: parsed.data.data.to?.[0] ?? null,
  };
  return { reports: [report], ignored: 0 };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export const webhookReader: WebhookReader = {
  verify: (provider, key, request) => (provider === "sendgrid" ? verifySendgrid(key, request) : verifyResend(key, request)),
  parse: (provider, request) => (provider === "sendgrid" ? parseSendgrid(request.body) : parseResend(request)),
};
