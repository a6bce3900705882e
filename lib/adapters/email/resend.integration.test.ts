import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Mailer, SendResult } from "@/lib/ports/mailer";
import { startResendStandin, type ProviderStandin } from "@/tests/support/provider-standins";
import { createMailer } from "./create-mailer";
import { testEmail } from "@/tests/support/test-email";

const API_KEY = "re_standin_0123456789abcdef";

function failure(result: SendResult) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

describe("Resend adapter against the local stand-in", () => {
  let standin: ProviderStandin;
  let mailer: Mailer;

  beforeAll(async () => {
    standin = await startResendStandin({ apiKey: API_KEY });
    mailer = createMailer({ kind: "resend", apiKey: API_KEY, baseUrl: standin.url, timeoutMs: 400 });
  });
  afterEach(() => {
    standin.setBehaviour({});
    standin.resetQuota();
    standin.clear();
  });
  afterAll(async () => {
    await mailer.close();
    await standin.close();
  });

  it("sends with the Idempotency-Key header and the Message-ID header", async () => {
    const email = testEmail({ from: { email: "events@herald.test", name: "Herald, Events" } });
    const result = await mailer.send(email);

    expect(result).toMatchObject({ ok: true, providerMessageId: "re-standin-1" });
    const [request] = standin.requests;
    expect(request).toMatchObject({ method: "POST", path: "/emails", idempotencyKey: email.idempotencyKey });
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.body).toMatchObject({
      from: '"Herald, Events" <events@herald.test>',
      to: "Ada Guest <guest@example.com>",
      subject: email.subject,
      html: email.html,
      text: email.text,
      headers: { "Message-ID": email.messageId },
    });
  });

  it("a re-send with the same idempotency key is answered with the first result, not sent twice", async () => {
    const email = testEmail();
    const first = await mailer.send(email);
    const again = await mailer.send(email);
    expect(first.ok && again.ok).toBe(true);
    expect(again.ok && again.providerMessageId).toBe(first.ok && first.providerMessageId);
    expect(standin.accepted).toBe(1);
  });

  it("never consults RESEND_BASE_URL: the configured base URL wins", async () => {
    const previous = process.env.RESEND_BASE_URL;
    process.env.RESEND_BASE_URL = "http://127.0.0.1:9";
    try {
      const fresh = createMailer({ kind: "resend", apiKey: API_KEY, baseUrl: standin.url });
      expect((await fresh.send(testEmail())).ok).toBe(true);
      await fresh.close();
    } finally {
      if (previous === undefined) delete process.env.RESEND_BASE_URL;
      else process.env.RESEND_BASE_URL = previous;
    }
  });

  it("429 rate_limit_exceeded with Retry-After → rate_limited with retryAfterMs", async () => {
    standin.setBehaviour({ status: 429, retryAfterSeconds: 3 });
    const result = failure(await mailer.send(testEmail()));
    expect(result).toMatchObject({ errorClass: "rate_limited", status: 429, retryAfterMs: 3000 });
  });

  it("a requests-per-second limit → rate_limited for the excess only", async () => {
    standin.setBehaviour({ rateLimitPerSecond: 2 });
    const results = await Promise.all([1, 2, 3, 4].map(() => mailer.send(testEmail())));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    for (const r of results.filter((r) => !r.ok)) {
      expect(failure(r)).toMatchObject({ errorClass: "rate_limited" });
      expect(failure(r).retryAfterMs).toBeGreaterThan(0);
    }
  });

  it("daily quota → quota_exhausted", async () => {
    standin.setBehaviour({ dailyQuota: 2 });
    expect((await mailer.send(testEmail())).ok).toBe(true);
    expect((await mailer.send(testEmail())).ok).toBe(true);
    const result = failure(await mailer.send(testEmail()));
    expect(result).toMatchObject({ errorClass: "quota_exhausted", status: 429 });
    expect(result.message).toContain("daily_quota_exceeded");
  });

  it("monthly quota → quota_exhausted", async () => {
    standin.setBehaviour({
      status: 429,
      body: { statusCode: 429, name: "monthly_quota_exceeded", message: "You have reached your monthly email sending quota." },
    });
    expect(failure(await mailer.send(testEmail())).errorClass).toBe("quota_exhausted");
  });

  it("a wrong API key (403 invalid_api_key) → auth without leaking the key", async () => {
    const wrong = createMailer({ kind: "resend", apiKey: "re_wrong_secret_key_0000", baseUrl: standin.url });
    try {
      const result = failure(await wrong.send(testEmail()));
      expect(result).toMatchObject({ errorClass: "auth", status: 403 });
      expect(result.message).toContain("invalid_api_key");
      expect(result.message).not.toContain("re_wrong_secret_key_0000");
    } finally {
      await wrong.close();
    }
  });

  it("401 → auth", async () => {
    standin.setBehaviour({ status: 401 });
    expect(failure(await mailer.send(testEmail()))).toMatchObject({ errorClass: "auth", status: 401 });
    standin.setBehaviour({
      status: 401,
      body: { statusCode: 401, name: "restricted_api_key", message: "This API key is restricted to only send emails." },
    });
    expect(failure(await mailer.send(testEmail())).errorClass).toBe("auth");
  });

  it("500 and 503 → transient", async () => {
    standin.setBehaviour({ status: 500 });
    expect(failure(await mailer.send(testEmail()))).toMatchObject({ errorClass: "transient", status: 500 });
    standin.failFromNow(503);
    expect(failure(await mailer.send(testEmail()))).toMatchObject({ errorClass: "transient", status: 503 });
  });

  it("an invalid `to` address → permanent_recipient", async () => {
    const result = failure(await mailer.send(testEmail({ to: { email: "nobody-at-all" } })));
    expect(result).toMatchObject({ errorClass: "permanent_recipient", status: 422 });
  });

  it("another validation error → permanent", async () => {
    standin.setBehaviour({
      status: 422,
      body: { statusCode: 422, name: "invalid_from_address", message: "Invalid `from` field." },
    });
    expect(failure(await mailer.send(testEmail())).errorClass).toBe("permanent");
  });

  it("a hanging provider → transient after the per-send timeout", async () => {
    standin.setBehaviour({ hang: true });
    const result = failure(await mailer.send(testEmail()));
    expect(result).toMatchObject({ errorClass: "transient", status: "timeout" });
    expect(result.latencyMs).toBeGreaterThanOrEqual(380);
    expect(result.latencyMs).toBeLessThan(2000);
  });

  it("connection refused → transient", async () => {
    const closed = await startResendStandin();
    const url = closed.url;
    await closed.close();
    const refused = createMailer({ kind: "resend", apiKey: API_KEY, baseUrl: url });
    try {
      expect(failure(await refused.send(testEmail())).errorClass).toBe("transient");
    } finally {
      await refused.close();
    }
  });
});
