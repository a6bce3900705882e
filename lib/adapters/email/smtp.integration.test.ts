import { createServer } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ProviderConnectionInput } from "@/lib/domain/providers/connection";
import type { Mailer, SendResult } from "@/lib/ports/mailer";
import { decodeBody, startSmtpCatcher, type SmtpCatcher } from "@/tests/support/smtp-catcher";
import { createMailer } from "./create-mailer";
import { testEmail } from "@/tests/support/test-email";

const USER = "herald";
const PASS = "s3cret-smtp-password";

function failure(result: SendResult) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

describe("SMTP adapter against the in-process SMTP catcher", () => {
  let catcher: SmtpCatcher;
  let mailer: Mailer;
  const connection = (overrides: Partial<Extract<ProviderConnectionInput, { kind: "smtp" }>> = {}): ProviderConnectionInput => ({
    kind: "smtp",
    host: catcher.host,
    port: catcher.port,
    user: USER,
    pass: PASS,
    maxConnections: 2,
    timeoutMs: 3000,
    connectionTimeoutMs: 1000,
    greetingTimeoutMs: 1000,
    socketTimeoutMs: 2000,
    ...overrides,
  });

  beforeAll(async () => {
    catcher = await startSmtpCatcher({ auth: { user: USER, pass: PASS } });
    mailer = createMailer(connection());
  });
  afterEach(() => catcher.reset());
  afterAll(async () => {
    await mailer.close();
    await catcher.close();
  });

  it("delivers with the deterministic Message-ID, both parts and the sender's name", async () => {
    const email = testEmail({ subject: "Einladung: Sommerfest 🎉" });
    const result = await mailer.send(email);

    expect(result.ok).toBe(true);
    expect(result.ok && result.providerMessageId).toMatch(/^catcher-\d+$/);
    const [message] = await catcher.waitForMessages(1);
    expect(message?.messageId).toBe(email.messageId);
    expect(message?.subject).toBe("Einladung: Sommerfest 🎉");
    expect(message?.from).toBe("events@herald.test");
    expect(message?.to).toEqual(["guest@example.com"]);
    expect(message?.user).toBe(USER);
    expect(message?.headers.from).toBe("Herald Events <events@herald.test>");
    const body = decodeBody(message!);
    expect(body.html).toBe(email.html);
    expect(body.text).toBe(email.text);
  });

  it("pools connections: many sends share at most maxConnections sessions", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => mailer.send(testEmail())));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(catcher.messages).toHaveLength(8);
    expect(catcher.connections).toBeLessThanOrEqual(2);
  });

  it("a wrong password → auth (535), and the password is not in the message", async () => {
    const wrong = createMailer(connection({ pass: "not-the-password" }));
    try {
      const result = failure(await wrong.send(testEmail()));
      expect(result).toMatchObject({ errorClass: "auth", status: 535 });
      expect(result.message).not.toContain("not-the-password");
    } finally {
      await wrong.close();
    }
  });

  it("535 at AUTH for a new session → auth", async () => {
    const fresh = createMailer(connection());
    try {
      catcher.failNext(1, { code: 535, message: "5.7.8 Username and Password not accepted" }, "auth");
      expect(failure(await fresh.send(testEmail()))).toMatchObject({ errorClass: "auth", status: 535 });
    } finally {
      await fresh.close();
    }
  });

  it("421 in the greeting → rate_limited", async () => {
    const fresh = createMailer(connection());
    try {
      catcher.failNext(1, { code: 421, message: "4.7.0 Too many connections" }, "connect");
      expect(failure(await fresh.send(testEmail()))).toMatchObject({ errorClass: "rate_limited", status: 421 });
    } finally {
      await fresh.close();
    }
  });

  it("421 → rate_limited, and the next message goes through on a fresh connection", async () => {
    catcher.failNext(5, { code: 421, message: "4.7.0 Try again later" });
    expect(failure(await mailer.send(testEmail()))).toMatchObject({ errorClass: "rate_limited", status: 421 });
    catcher.failNext(0, { code: 250 });
    expect((await mailer.send(testEmail())).ok).toBe(true);
  });

  it("a single 421 on a reused pooled connection is taken for a stale session and retried once, fresh", async () => {
    expect((await mailer.send(testEmail())).ok).toBe(true);
    catcher.reset();
    catcher.failNext(1, { code: 421, message: "4.4.2 Idle timeout" });
    expect((await mailer.send(testEmail())).ok).toBe(true);
    expect(catcher.messages).toHaveLength(1);
  });

  it("451 after DATA → rate_limited", async () => {
    catcher.failNext(1, { code: 451, message: "4.7.1 Please slow down" }, "data");
    expect(failure(await mailer.send(testEmail()))).toMatchObject({ errorClass: "rate_limited", status: 451 });
  });

  it("550 for the recipient → permanent_recipient", async () => {
    catcher.failRecipient("gone@example.com", { code: 550, message: "5.1.1 No such user" });
    const result = failure(await mailer.send(testEmail({ to: { email: "gone@example.com" } })));
    expect(result).toMatchObject({ errorClass: "permanent_recipient", status: 550 });
    expect(result.message).toContain("No such user");
  });

  it("553 for the recipient → permanent_recipient", async () => {
    catcher.failNext(1, { code: 553, message: "5.1.3 Mailbox name not allowed" }, "rcpt");
    expect(failure(await mailer.send(testEmail()))).toMatchObject({ errorClass: "permanent_recipient", status: 553 });
  });

  it("550 for the sender → permanent (the email itself cannot go out this way)", async () => {
    catcher.failNext(1, { code: 550, message: "5.7.1 Sender not allowed" }, "mail");
    expect(failure(await mailer.send(testEmail()))).toMatchObject({ errorClass: "permanent", status: 550 });
  });

  it("a quota rejection worded as such → quota_exhausted", async () => {
    catcher.failNext(1, { code: 550, message: "5.4.5 Daily user sending quota exceeded" }, "mail");
    expect(failure(await mailer.send(testEmail()))).toMatchObject({ errorClass: "quota_exhausted", status: 550 });
  });

  it("another 4xx → transient", async () => {
    catcher.failNext(1, { code: 450, message: "4.2.1 Mailbox busy" }, "rcpt");
    expect(failure(await mailer.send(testEmail()))).toMatchObject({ errorClass: "transient", status: 450 });
  });

  it("a server that never answers DATA → transient after the timeout, and the pool recovers", async () => {
    const impatient = createMailer(connection({ timeoutMs: 300 }));
    try {
      expect((await impatient.send(testEmail())).ok).toBe(true);
      catcher.hang(true);
      const result = failure(await impatient.send(testEmail()));
      expect(result).toMatchObject({ errorClass: "transient", status: "timeout" });
      expect(result.latencyMs).toBeGreaterThanOrEqual(280);
      expect(result.latencyMs).toBeLessThan(1500);
      catcher.hang(false);
      expect((await impatient.send(testEmail())).ok).toBe(true);
    } finally {
      await impatient.close();
    }
  });

  it("connection refused → transient", async () => {
    const port = await unusedPort();
    const refused = createMailer(connection({ port }));
    try {
      const result = failure(await refused.send(testEmail()));
      expect(result.errorClass).toBe("transient");
      expect(result.status).toBe("ECONNREFUSED");
    } finally {
      await refused.close();
    }
  });

  it("a silent server → transient via the greeting timeout", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const stuck = createMailer(connection({ port, greetingTimeoutMs: 100, connectionTimeoutMs: 100, timeoutMs: 2000 }));
    try {
      const result = failure(await stuck.send(testEmail()));
      expect(result.errorClass).toBe("transient");
      expect(result.latencyMs).toBeLessThan(1500);
    } finally {
      await stuck.close();
      silent.close();
    }
  });
});

describe("SMTP adapter with STARTTLS", () => {
  let catcher: SmtpCatcher;

  beforeAll(async () => {
    catcher = await startSmtpCatcher({ starttls: true });
  });
  afterAll(async () => {
    await catcher.close();
  });

  it("upgrades with STARTTLS when offered, even on loopback, and delivers (allowSelfSigned)", async () => {
    const mailer = createMailer({ kind: "smtp", host: catcher.host, port: catcher.port, allowSelfSigned: true, timeoutMs: 2000 });
    try {
      expect((await mailer.send(testEmail())).ok).toBe(true);
    } finally {
      await mailer.close();
    }
  });

  it("an unverifiable certificate without allowSelfSigned → transient, nothing delivered", async () => {
    const before = catcher.messages.length;
    const mailer = createMailer({ kind: "smtp", host: catcher.host, port: catcher.port, timeoutMs: 2000 });
    try {
      const result = failure(await mailer.send(testEmail()));
      expect(result.errorClass).toBe("transient");
      expect(catcher.messages.length).toBe(before);
    } finally {
      await mailer.close();
    }
  });
});

/** This machine's address on a real network interface: a relay reached there is not on loopback. */
function nonLoopbackAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
}

describe("SMTP adapter and transport encryption", () => {
  const remote = nonLoopbackAddress();

  /** A catcher on the machine's own network address, and a mailer pointed at it; both closed afterwards. */
  async function withRemoteRelay(
    catcherOptions: Parameters<typeof startSmtpCatcher>[0],
    connection: Partial<Extract<ProviderConnectionInput, { kind: "smtp" }>>,
    body: (mailer: Mailer, catcher: SmtpCatcher) => Promise<void>,
  ) {
    const catcher = await startSmtpCatcher({ ...catcherOptions, listenHost: remote });
    const mailer = createMailer({ kind: "smtp", host: catcher.host, port: catcher.port, timeoutMs: 3000, ...connection });
    try {
      await body(mailer, catcher);
    } finally {
      await mailer.close();
      await catcher.close();
    }
  }

  it.skipIf(!remote)("refuses to send in clear text to a relay off this machine that offers no STARTTLS", async () => {
    await withRemoteRelay({ auth: { user: USER, pass: PASS } }, { user: USER, pass: PASS }, async (mailer, catcher) => {
      const result = failure(await mailer.send(testEmail()));
      expect(result.message).toMatch(/STARTTLS/i);
      // Neither the password nor the message crossed the network readable.
      expect(catcher.messages).toHaveLength(0);
    });
  });

  it.skipIf(!remote)("upgrades with STARTTLS to a relay off this machine and delivers", async () => {
    await withRemoteRelay({ starttls: true, auth: { user: USER, pass: PASS } }, { user: USER, pass: PASS, allowSelfSigned: true }, async (mailer, catcher) => {
      expect((await mailer.send(testEmail())).ok).toBe(true);
      expect(catcher.messages).toHaveLength(1);
    });
  });

  it.skipIf(!remote)("sends in clear text off this machine only when the provider says so explicitly", async () => {
    await withRemoteRelay({}, { allowPlaintext: true }, async (mailer, catcher) => {
      expect((await mailer.send(testEmail())).ok).toBe(true);
      expect(catcher.messages).toHaveLength(1);
    });
  });
});

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
