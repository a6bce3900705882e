import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Mailer, SendResult } from "@/lib/ports/mailer";
import { startSendgridStandin, type ProviderStandin } from "@/tests/support/provider-standins";
import { createMailer } from "./create-mailer";
import { SENDGRID_IDEMPOTENCY_ARG } from "./sendgrid";
import { testEmail } from "@/tests/support/test-email";

const API_KEY = "SG.standin-key.secret-part-123456";

function failure(result: SendResult) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

describe("SendGrid adapter against the local stand-in", () => {
  let standin: ProviderStandin;
  let mailer: Mailer;

  beforeAll(async () => {
    standin = await startSendgridStandin({ apiKey: API_KEY });
    mailer = createMailer({ kind: "sendgrid", apiKey: API_KEY, baseUrl: standin.url, timeoutMs: 400 });
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

  it("sends, and the request carries the idempotency custom arg and the Message-ID header", async () => {
    const email = testEmail();
    const result = await mailer.send(email);

    expect(result).toMatchObject({ ok: true, providerMessageId: "sg-standin-1" });
    expect(standin.requests).toHaveLength(1);
    const [request] = standin.requests;
    expect(request?.path).toBe("/v3/mail/send");
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.body).toMatchObject({
      personalizations: [{ to: [{ email: "guest@example.com", name: "Ada Guest" }] }],
      from: { email: "events@herald.test", name: "Herald Events" },
      subject: email.subject,
      custom_args: { [SENDGRID_IDEMPOTENCY_ARG]: email.idempotencyKey },
      headers: { "Message-ID": email.messageId },
      content: [
        { type: "text/plain", value: email.text },
        { type: "text/html", value: email.html },
      ],
    });
  });

  it("keeps two SendGrid providers' credentials apart", async () => {
    const other = await startSendgridStandin({ apiKey: "SG.other-key.other-secret-999" });
    const second = createMailer({ kind: "sendgrid", apiKey: "SG.other-key.other-secret-999", baseUrl: other.url });
    try {
      expect((await second.send(testEmail())).ok).toBe(true);
      expect((await mailer.send(testEmail())).ok).toBe(true);
      expect(other.requests.map((r) => r.headers.authorization)).toEqual(["Bearer SG.other-key.other-secret-999"]);
      expect(standin.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${API_KEY}`]);
    } finally {
      await second.close();
      await other.close();
    }
  });

  it("429 with Retry-After → rate_limited with retryAfterMs", async () => {
    standin.setBehaviour({ status: 429, retryAfterSeconds: 7 });
    const result = failure(await mailer.send(testEmail()));
    expect(result).toMatchObject({ errorClass: "rate_limited", status: 429, retryAfterMs: 7000 });
  });

  it("a requests-per-second limit answers 429 with X-RateLimit-Reset, honoured as the wait", async () => {
    standin.setBehaviour({ rateLimitPerSecond: 2 });
    const results = await Promise.all([1, 2, 3].map(() => mailer.send(testEmail())));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    const limited = failure(results.find((r) => !r.ok) ?? results[0]!);
    expect(limited.errorClass).toBe("rate_limited");
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(1000);
  });

  it("a wrong API key → auth, and the key never appears in the message", async () => {
    const wrong = createMailer({ kind: "sendgrid", apiKey: "SG.wrong-key.wrong-secret-000", baseUrl: standin.url });
    try {
      const result = failure(await wrong.send(testEmail()));
      expect(result).toMatchObject({ errorClass: "auth", status: 401 });
      expect(result.message).not.toContain("wrong-secret");
    } finally {
      await wrong.close();
    }
  });

  it("401 → auth, 403 → auth", async () => {
    standin.setBehaviour({ status: 401 });
    expect(failure(await mailer.send(testEmail())).errorClass).toBe("auth");
    standin.setBehaviour({ status: 403 });
    expect(failure(await mailer.send(testEmail())).errorClass).toBe("auth");
  });

  it("500 and 503 → transient", async () => {
    standin.setBehaviour({ status: 500 });
    expect(failure(await mailer.send(testEmail()))).toMatchObject({ errorClass: "transient", status: 500 });
    standin.failFromNow(503);
    expect(failure(await mailer.send(testEmail()))).toMatchObject({ errorClass: "transient", status: 503 });
  });

  it("an invalid recipient → permanent_recipient", async () => {
    const result = failure(await mailer.send(testEmail({ to: { email: "not-an-address" } })));
    expect(result).toMatchObject({ errorClass: "permanent_recipient", status: 400 });
    expect(result.message).toContain("valid address");
  });

  it("another 4xx → permanent", async () => {
    standin.setBehaviour({ status: 413 });
    expect(failure(await mailer.send(testEmail()))).toMatchObject({ errorClass: "permanent", status: 413 });
  });

  it("exhausted credits → quota_exhausted, not auth", async () => {
    standin.setBehaviour({ dailyQuota: 1 });
    expect((await mailer.send(testEmail())).ok).toBe(true);
    const result = failure(await mailer.send(testEmail()));
    expect(result).toMatchObject({ errorClass: "quota_exhausted", status: 401 });
  });

  it("a hanging provider → transient after the per-send timeout", async () => {
    standin.setBehaviour({ hang: true });
    const result = failure(await mailer.send(testEmail()));
    expect(result).toMatchObject({ errorClass: "transient", status: "timeout" });
    expect(result.latencyMs).toBeGreaterThanOrEqual(380);
    expect(result.latencyMs).toBeLessThan(2000);
  });

  it("latency below the timeout still succeeds and is measured", async () => {
    standin.setBehaviour({ latencyMs: 120 });
    const result = await mailer.send(testEmail());
    expect(result.ok).toBe(true);
    expect(result.latencyMs).toBeGreaterThanOrEqual(100);
  });

  it("a redirect is not followed: the email is not posted again to wherever it points", async () => {
    const elsewhere = await startSendgridStandin({ apiKey: API_KEY });
    const redirecting = createServer((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/v3/mail/send` });
      res.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    const { port } = redirecting.address() as AddressInfo;
    const redirected = createMailer({ kind: "sendgrid", apiKey: API_KEY, baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
    try {
      const result = failure(await redirected.send(testEmail()));
      expect(result.errorClass).toBe("transient");
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await redirected.close();
      await new Promise((resolve) => redirecting.close(resolve));
      await elsewhere.close();
    }
  });

  it("connection refused → transient", async () => {
    const closed = await startSendgridStandin();
    const url = closed.url;
    await closed.close();
    const refused = createMailer({ kind: "sendgrid", apiKey: API_KEY, baseUrl: url, timeoutMs: 2000 });
    try {
      const result = failure(await refused.send(testEmail()));
      expect(result).toMatchObject({ errorClass: "transient", status: "ECONNREFUSED" });
      expect(result.message).not.toContain(API_KEY);
    } finally {
      await refused.close();
    }
  });
});
