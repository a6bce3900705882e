import { describe, expect, it } from "vitest";
import { webhookKeyProblem } from "@/lib/domain/providers/form";
import type { WebhookRequest } from "@/lib/ports/webhooks";
import { resendEvent, sendgridEvent, signResendWebhook, signSendgridWebhook, standinWebhookKeys, type SignedPost } from "@/tests/support/provider-standins";
import { webhookReader } from "./webhooks";

const keys = standinWebhookKeys();
const other = standinWebhookKeys();
const JOB = "0123456789abcdef0123456789abcdef-1";

const asRequest = (post: SignedPost): WebhookRequest => ({
  body: post.body,
  header: (name) => Object.entries(post.headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1] ?? null,
});

const sendgridPost = (events: unknown[]) => signSendgridWebhook(keys.sendgrid.privateKey, JSON.stringify(events));
const resendPost = (kind: Parameters<typeof resendEvent>[0], tags: Record<string, string> = { herald_job: JOB }) =>
  signResendWebhook(keys.resend, "msg_2abc", JSON.stringify(resendEvent(kind, { email_id: "re-1", to: ["ada@example.com"], tags })));

describe("SendGrid's signed Event Webhook", () => {
  const post = sendgridPost([{ ...sendgridEvent("hard_bounce", "ada@example.com", 1_767_225_600, "m1"), herald_idempotency_key: JOB }]);

  it("verifies with the account's verification key, and with no other", () => {
    expect(webhookReader.verify("sendgrid", keys.sendgrid.verificationKey, asRequest(post))).toBe(true);
    expect(webhookReader.verify("sendgrid", other.sendgrid.verificationKey, asRequest(post))).toBe(false);
  });

  it("refuses a changed body, a changed timestamp, a missing or garbled signature", () => {
    const key = keys.sendgrid.verificationKey;
    expect(webhookReader.verify("sendgrid", key, { ...asRequest(post), body: post.body.replace("5.1.1", "2.0.0") })).toBe(false);
    const headers = (over: Record<string, string | null>) => ({ ...asRequest(post), header: (n: string) => (n.toLowerCase() in over ? over[n.toLowerCase()]! : asRequest(post).header(n)) });
    expect(webhookReader.verify("sendgrid", key, headers({ "x-twilio-email-event-webhook-timestamp": "1" }))).toBe(false);
    expect(webhookReader.verify("sendgrid", key, headers({ "x-twilio-email-event-webhook-signature": null }))).toBe(false);
    expect(webhookReader.verify("sendgrid", key, headers({ "x-twilio-email-event-webhook-signature": "bm90IGEgc2lnbmF0dXJl" }))).toBe(false);
    expect(webhookReader.verify("sendgrid", "not a key", asRequest(post))).toBe(false);
  });

  it("reads delivery events with Herald's job id, and counts the rest as ignored", () => {
    const batch = sendgridPost([
      { ...sendgridEvent("delivered", "ada@example.com", 1_767_225_600, "m1"), herald_idempotency_key: JOB },
      { ...sendgridEvent("hard_bounce", "bo@example.com", 1_767_225_601, "m2"), herald_idempotency_key: JOB },
      { ...sendgridEvent("soft_bounce", "cy@example.com", 1_767_225_602, "m3"), herald_idempotency_key: JOB },
      { ...sendgridEvent("complaint", "di@example.com", 1_767_225_603, "m4"), herald_idempotency_key: JOB },
      { ...sendgridEvent("delivered", "ed@example.com", 1_767_225_604, "m5") },
      { event: "open", email: "ada@example.com", timestamp: 1_767_225_605, sg_event_id: "x", herald_idempotency_key: JOB },
      { event: "dropped", email: "fy@example.com", timestamp: 1_767_225_606, sg_event_id: "y", reason: "Bounced Address", herald_idempotency_key: JOB },
      "not an event",
    ]);
    const parsed = webhookReader.parse("sendgrid", asRequest(batch))!;
    expect(parsed.reports.map((r) => [r.kind, r.email])).toEqual([
      ["delivered", "ada@example.com"],
      ["hard_bounce", "bo@example.com"],
      ["soft_bounce", "cy@example.com"],
      ["complaint", "di@example.com"],
      ["hard_bounce", "fy@example.com"],
    ]);
    expect(parsed.reports[1]).toMatchObject({ provider: "sendgrid", jobId: JOB, at: new Date(1_767_225_601_000) });
    expect(parsed.reports[1]!.detail).toContain("does not exist");
    expect(parsed.ignored).toBe(3);
    expect(webhookReader.parse("sendgrid", { body: "{nope", header: () => null })).toBeNull();
  });
});

describe("Resend's webhooks, signed through Svix", () => {
  it("verifies with the endpoint's signing secret, and with no other", () => {
    const post = resendPost("hard_bounce");
    expect(webhookReader.verify("resend", keys.resend, asRequest(post))).toBe(true);
    expect(webhookReader.verify("resend", other.resend, asRequest(post))).toBe(false);
    expect(webhookReader.verify("resend", keys.resend, { ...asRequest(post), body: post.body.replace("Permanent", "Transient") })).toBe(false);
  });

  it("refuses a signature older than five minutes (a captured request replayed later)", () => {
    const old = signResendWebhook(keys.resend, "msg_old", JSON.stringify(resendEvent("delivered", { tags: { herald_job: JOB } })), new Date(Date.now() - 10 * 60_000));
    expect(webhookReader.verify("resend", keys.resend, asRequest(old))).toBe(false);
  });

  it("reads the event, its svix id as the event id and the job id from Herald's tag", () => {
    expect(webhookReader.parse("resend", asRequest(resendPost("hard_bounce")))).toEqual({
      reports: [
        expect.objectContaining({ provider: "resend", eventId: "msg_2abc", jobId: JOB, kind: "hard_bounce", email: "ada@example.com" }),
      ],
      ignored: 0,
    });
    expect(webhookReader.parse("resend", asRequest(resendPost("soft_bounce")))!.reports[0]!.kind).toBe("soft_bounce");
    expect(webhookReader.parse("resend", asRequest(resendPost("delivered", {})))).toEqual({ reports: [], ignored: 1 });
  });
});

describe("webhook keys pasted in the provider form", () => {
  it("accepts what each provider hands out and refuses the other's", () => {
    expect(webhookKeyProblem("sendgrid", keys.sendgrid.verificationKey)).toBeNull();
    expect(webhookKeyProblem("resend", keys.resend)).toBeNull();
    expect(webhookKeyProblem("sendgrid", keys.resend)).not.toBeNull();
    expect(webhookKeyProblem("resend", keys.sendgrid.verificationKey)).not.toBeNull();
    expect(webhookKeyProblem("sendgrid", "MFkwEwYHKoZIzj0C")).not.toBeNull();
  });
});
