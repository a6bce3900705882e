import { describe, expect, it } from "vitest";
import { classifyResendError } from "./resend";
import { classifySendgridError } from "./sendgrid";
import { formatAddress, redact, retryAfterMs, headerLookup } from "./shared";
import { classifySmtpError } from "./smtp";

function smtpError(props: Record<string, unknown>, message = "SMTP error"): Error {
  return Object.assign(new Error(message), props);
}

describe("classifySmtpError", () => {
  it.each([
    [421, "MAIL FROM", "rate_limited"],
    [451, "DATA", "rate_limited"],
    [452, "RCPT TO", "rate_limited"],
    [530, "MAIL FROM", "auth"],
    [534, "AUTH PLAIN", "auth"],
    [535, "AUTH PLAIN", "auth"],
    [550, "RCPT TO", "permanent_recipient"],
    [551, "RCPT TO", "permanent_recipient"],
    [553, "RCPT TO", "permanent_recipient"],
    [501, "RCPT TO", "permanent_recipient"],
    [550, "MAIL FROM", "permanent"],
    [501, "MAIL FROM", "permanent"],
    [554, "DATA", "permanent"],
    [552, "DATA", "permanent"],
    [450, "RCPT TO", "transient"],
    [454, "STARTTLS", "transient"],
  ])("%i at %s → %s", (responseCode, command, expected) => {
    const error = smtpError({ code: "EENVELOPE", responseCode, command, response: `${responseCode} refused` });
    expect(classifySmtpError(error)).toMatchObject({ errorClass: expected, status: responseCode });
  });

  it("treats an all-recipients-rejected error as a recipient problem even without the command", () => {
    const error = smtpError({ code: "EENVELOPE", responseCode: 550, rejected: ["a@b.test"] });
    expect(classifySmtpError(error).errorClass).toBe("permanent_recipient");
  });

  it.each(["ECONNREFUSED", "ETIMEDOUT", "ECONNRESET"])("socket error %s → transient", (originalCode) => {
    const error = smtpError({ code: "ESOCKET", originalCode });
    expect(classifySmtpError(error)).toMatchObject({ errorClass: "transient", status: originalCode });
  });

  it.each(["ETIMEDOUT", "ECONNECTION", "EDNS", "ETLS", "EABORT"])("nodemailer %s → transient", (code) => {
    expect(classifySmtpError(smtpError({ code })).errorClass).toBe("transient");
  });

  it("missing or refused credentials without a reply code → auth", () => {
    expect(classifySmtpError(smtpError({ code: "EAUTH" })).errorClass).toBe("auth");
    expect(classifySmtpError(smtpError({ code: "ENOAUTH" })).errorClass).toBe("auth");
  });

  it("quota wording wins over the reply code", () => {
    const gmail = smtpError({ responseCode: 550, command: "DATA", response: "550 5.4.5 Daily user sending quota exceeded." });
    const sendgrid = smtpError({ responseCode: 451, command: "AUTH LOGIN", response: "451 Authentication failed: Maximum credits exceeded" });
    expect(classifySmtpError(gmail).errorClass).toBe("quota_exhausted");
    expect(classifySmtpError(sendgrid).errorClass).toBe("quota_exhausted");
  });

  it("an address nodemailer refuses to put on the wire → permanent_recipient", () => {
    const error = smtpError({ code: "EENVELOPE", command: "API" }, 'Invalid recipient "a\nb"');
    expect(classifySmtpError(error).errorClass).toBe("permanent_recipient");
  });
});

function responseError(code: number, body: unknown, headers: Record<string, string> = {}) {
  return Object.assign(new Error("Bad Request"), { code, response: { headers, body } });
}

describe("classifySendgridError", () => {
  const now = Date.parse("2026-11-24T10:00:00Z");

  it("honours Retry-After, then X-RateLimit-Reset", () => {
    expect(classifySendgridError(responseError(429, { errors: [] }, { "retry-after": "12" }), now)).toMatchObject({
      errorClass: "rate_limited",
      retryAfterMs: 12_000,
    });
    const reset = String(now / 1000 + 30);
    expect(classifySendgridError(responseError(429, { errors: [] }, { "X-RateLimit-Reset": reset }), now)).toMatchObject({
      errorClass: "rate_limited",
      retryAfterMs: 30_000,
    });
    expect(classifySendgridError(responseError(429, { errors: [] }), now).retryAfterMs).toBeUndefined();
  });

  it("tells exhausted credits from a bad key", () => {
    const credits = responseError(401, { errors: [{ message: "Maximum credits exceeded", field: null }] });
    const badKey = responseError(401, { errors: [{ message: "The provided authorization grant is invalid", field: null }] });
    expect(classifySendgridError(credits, now).errorClass).toBe("quota_exhausted");
    expect(classifySendgridError(badKey, now).errorClass).toBe("auth");
    expect(classifySendgridError(responseError(403, {}), now).errorClass).toBe("auth");
  });

  it("400 naming a recipient field → permanent_recipient; another 400 → permanent", () => {
    const recipient = responseError(400, {
      errors: [{ message: "Does not contain a valid address.", field: "personalizations.0.to.0.email" }],
    });
    const other = responseError(400, { errors: [{ message: "The subject is required.", field: "subject" }] });
    expect(classifySendgridError(recipient, now).errorClass).toBe("permanent_recipient");
    expect(classifySendgridError(other, now).errorClass).toBe("permanent");
  });

  it("5xx, timeouts and network errors → transient", () => {
    expect(classifySendgridError(responseError(502, "<html>bad gateway</html>"), now).errorClass).toBe("transient");
    const timeout = Object.assign(new Error("timeout of 15000ms exceeded"), { code: "ECONNABORTED" });
    expect(classifySendgridError(timeout, now)).toMatchObject({ errorClass: "transient", status: "ECONNABORTED" });
  });
});

describe("classifyResendError", () => {
  const now = Date.parse("2026-11-24T10:00:00Z");
  const err = (name: string, statusCode: number | null, message = "m") => ({ name, statusCode, message });

  it("maps Resend's error names", () => {
    expect(classifyResendError(err("daily_quota_exceeded", 429), null, now).errorClass).toBe("quota_exhausted");
    expect(classifyResendError(err("monthly_quota_exceeded", 429), null, now).errorClass).toBe("quota_exhausted");
    expect(classifyResendError(err("rate_limit_exceeded", 429), { "retry-after": "2" }, now)).toMatchObject({
      errorClass: "rate_limited",
      retryAfterMs: 2000,
    });
    expect(classifyResendError(err("invalid_api_key", 403), null, now).errorClass).toBe("auth");
    expect(classifyResendError(err("restricted_api_key", 401), null, now).errorClass).toBe("auth");
    expect(classifyResendError(err("missing_api_key", 401), null, now).errorClass).toBe("auth");
    expect(
      classifyResendError(err("validation_error", 422, "Invalid `to` field. The email address needs to follow ..."), null, now)
        .errorClass,
    ).toBe("permanent_recipient");
    expect(classifyResendError(err("invalid_from_address", 422), null, now).errorClass).toBe("permanent");
    expect(classifyResendError(err("internal_server_error", 500), null, now).errorClass).toBe("transient");
    expect(classifyResendError(err("application_error", null), null, now).errorClass).toBe("transient");
    expect(classifyResendError(err("concurrent_idempotent_requests", 409), null, now).errorClass).toBe("transient");
    expect(classifyResendError(err("invalid_idempotent_request", 409), null, now).errorClass).toBe("permanent");
  });

  it("an error body of another shape (a gateway's) → transient, not the email's fault", () => {
    expect(classifyResendError({ message: "Bad gateway" }, null, now).errorClass).toBe("transient");
  });

  it("reads the IETF ratelimit-reset header when Retry-After is absent", () => {
    expect(classifyResendError(err("rate_limit_exceeded", 429), { "ratelimit-reset": "1" }, now).retryAfterMs).toBe(1000);
  });
});

describe("shared helpers", () => {
  it("redact removes known secrets, their base64 form and key-shaped strings", () => {
    const pass = "hunter2-but-longer";
    const b64 = Buffer.from(pass).toString("base64");
    const out = redact(`535 bad ${pass} / ${b64} / Authorization: Bearer abc.def / SG.abcdefgh.ijklmnop / re_abcdefghijk`, [pass]);
    expect(out).not.toContain(pass);
    expect(out).not.toContain(b64);
    expect(out).not.toContain("abc.def");
    expect(out).not.toContain("SG.abcdefgh");
    expect(out).not.toContain("re_abcdefghijk");
  });

  it("retryAfterMs accepts seconds and HTTP dates", () => {
    const now = Date.parse("2026-11-24T10:00:00Z");
    expect(retryAfterMs(headerLookup({ "Retry-After": "5" }), now)).toBe(5000);
    expect(retryAfterMs(headerLookup({ "retry-after": "Tue, 24 Nov 2026 10:00:20 GMT" }), now)).toBe(20_000);
    expect(retryAfterMs(headerLookup(new Headers({ "retry-after": "1.5" })), now)).toBe(1500);
    expect(retryAfterMs(headerLookup({}), now)).toBeUndefined();
  });

  it("formatAddress quotes display names that need it", () => {
    expect(formatAddress({ email: "a@b.test" })).toBe("a@b.test");
    expect(formatAddress({ email: "a@b.test", name: "Ada" })).toBe("Ada <a@b.test>");
    expect(formatAddress({ email: "a@b.test", name: 'Lovelace, Ada "The Countess"' })).toBe(
      '"Lovelace, Ada \\"The Countess\\"" <a@b.test>',
    );
  });
});
