import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Mailer, SendResult } from "@/lib/ports/mailer";
import { startResendStandin, startSendgridStandin, type ProviderStandin } from "@/tests/support/provider-standins";
import { startSmtpCatcher, type SmtpCatcher } from "@/tests/support/smtp-catcher";
import { testEmail } from "@/tests/support/test-email";
import { createMailer } from "./create-mailer";

/**
 * Internationalised addresses through every adapter, against the real SMTP catcher and HTTP stand-ins: jobs hold
 * the Unicode form people read, and what reaches a provider is punycode; a non-ASCII local part goes only where
 * SMTPUTF8 can carry it, and is refused with its reason elsewhere, before any request.
 */

const IDN = { email: "zoe@exämple.com", name: "Zoë Müller" };
const IDN_ASCII = "zoe@xn--exmple-cua.com";
const UTF8_LOCAL = { email: "josé@example.com", name: "José" };

function failure(result: SendResult) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

function smtpMailer(catcher: SmtpCatcher): Mailer {
  return createMailer({
    kind: "smtp",
    host: catcher.host,
    port: catcher.port,
    maxConnections: 1,
    timeoutMs: 3000,
    connectionTimeoutMs: 1000,
    greetingTimeoutMs: 1000,
    socketTimeoutMs: 2000,
  });
}

describe("SMTP adapter", () => {
  let catcher: SmtpCatcher;
  let legacy: SmtpCatcher;
  let mailer: Mailer;
  let legacyMailer: Mailer;

  beforeAll(async () => {
    catcher = await startSmtpCatcher();
    legacy = await startSmtpCatcher({ smtpUtf8: false });
    mailer = smtpMailer(catcher);
    legacyMailer = smtpMailer(legacy);
  });
  afterEach(() => {
    catcher.reset();
    legacy.reset();
  });
  afterAll(async () => {
    await Promise.all([mailer.close(), legacyMailer.close()]);
    await Promise.all([catcher.close(), legacy.close()]);
  });

  it("hands the relay the punycode form of an IDN recipient, reply-to and sender, in the envelope and the headers", async () => {
    const result = await mailer.send(
      testEmail({ to: IDN, from: { email: "events@hérald.example", name: "Herald" }, replyTo: "host@bücher.example" }),
    );
    expect(result.ok).toBe(true);
    const [message] = await catcher.waitForMessages(1);
    expect(message?.wire).toEqual({ mailFrom: "events@xn--hrald-bsa.example", rcptTo: [IDN_ASCII] });
    expect(message?.headers.to).toContain(`<${IDN_ASCII}>`);
    expect(message?.headers["reply-to"]).toBe("host@xn--bcher-kva.example");
    // Nothing here needed SMTPUTF8: an IDN domain alone travels in ASCII.
    expect(message?.smtpUtf8).toBe(false);
  });

  it("sends a non-ASCII local part with SMTPUTF8 to a relay that offers it", async () => {
    expect((await mailer.send(testEmail({ to: UTF8_LOCAL }))).ok).toBe(true);
    const [message] = await catcher.waitForMessages(1);
    expect(message?.smtpUtf8).toBe(true);
    expect(message?.wire.rcptTo).toEqual(["josé@example.com"]);
  });

  it("says why when a relay without SMTPUTF8 refuses such an address", async () => {
    legacy.failRecipient("josé@example.com", { code: 553, message: "5.6.7 Non-ASCII addresses are not permitted" });
    const result = failure(await legacyMailer.send(testEmail({ to: UTF8_LOCAL })));
    expect(result.errorClass).toBe("permanent_recipient");
    expect(result.message).toContain("non-ASCII characters before the @, which needs SMTPUTF8");
    expect(result.message).toContain("Non-ASCII addresses are not permitted");
  });
});

describe.each([
  ["SendGrid", startSendgridStandin, "SendGrid's Mail Send API does not accept addresses with non-ASCII characters before the @"],
  ["Resend", startResendStandin, "Resend does not offer SMTPUTF8"],
] as const)("%s adapter", (label, start, why) => {
  let standin: ProviderStandin;
  let mailer: Mailer;

  beforeAll(async () => {
    standin = await start({ apiKey: "re_standin_key_1234567890" });
    mailer =
      label === "SendGrid"
        ? createMailer({ kind: "sendgrid", apiKey: "re_standin_key_1234567890", baseUrl: standin.url, timeoutMs: 2000 })
        : createMailer({ kind: "resend", apiKey: "re_standin_key_1234567890", baseUrl: standin.url, timeoutMs: 2000 });
  });
  afterEach(() => standin.clear());
  afterAll(async () => {
    await mailer.close();
    await standin.close();
  });

  it("posts the punycode form of an IDN recipient and reply-to", async () => {
    expect((await mailer.send(testEmail({ to: IDN, replyTo: "host@bücher.example" }))).ok).toBe(true);
    const body = standin.requests[0]?.body as Record<string, unknown>;
    if (label === "SendGrid") {
      const personalizations = body.personalizations as { to: { email: string; name?: string }[] }[];
      expect(personalizations[0]?.to).toEqual([{ email: IDN_ASCII, name: "Zoë Müller" }]);
      expect(body.reply_to).toEqual({ email: "host@xn--bcher-kva.example" });
    } else {
      expect(body.to).toBe(`Zoë Müller <${IDN_ASCII}>`);
      expect(body.reply_to).toBe("host@xn--bcher-kva.example");
    }
  });

  it("refuses a non-ASCII local part with the reason, without a request", async () => {
    const result = failure(await mailer.send(testEmail({ to: UTF8_LOCAL })));
    expect(result.errorClass).toBe("permanent");
    expect(result.message).toContain(why);
    expect(result.message).toContain("josé@example.com");
    expect(standin.requests).toHaveLength(0);
  });
});
