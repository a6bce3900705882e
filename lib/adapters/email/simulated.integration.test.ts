import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startResendStandin, startSendgridStandin, type ProviderStandin } from "@/tests/support/provider-standins";
import { createMailer } from "./create-mailer";
import { testEmail } from "@/tests/support/test-email";

describe("simulated mailer", () => {
  let sendgrid: ProviderStandin;
  let resend: ProviderStandin;
  let smtpPort: number;
  let smtpConnections = 0;
  let smtp: Server;

  beforeAll(async () => {
    sendgrid = await startSendgridStandin();
    resend = await startResendStandin();
    // A bare TCP listener counts every connection attempt, whatever the protocol.
    smtp = createServer((socket) => {
      smtpConnections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    const address = smtp.address();
    smtpPort = typeof address === "object" && address ? address.port : 0;
  });
  afterAll(async () => {
    await sendgrid.close();
    await resend.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it("reports success for every provider kind without opening a single connection", async () => {
    const mailers = [
      createMailer({ kind: "smtp", host: "127.0.0.1", port: smtpPort, user: "u", pass: "p" }, { simulate: true }),
      createMailer({ kind: "sendgrid", apiKey: "SG.sim.key", baseUrl: sendgrid.url }, { simulate: true }),
      createMailer({ kind: "resend", apiKey: "re_simulated_key", baseUrl: resend.url }, { simulate: true }),
    ];
    for (const mailer of mailers) {
      expect(mailer.kind).toBe("simulated");
      const email = testEmail();
      const result = await mailer.send(email);
      expect(result).toEqual({ ok: true, providerMessageId: `simulated:${email.idempotencyKey}`, latencyMs: 0 });
      await mailer.close();
    }
    // Give any stray connection attempt time to land before asserting there was none.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(smtpConnections).toBe(0);
    expect(sendgrid.connections).toBe(0);
    expect(resend.connections).toBe(0);
    expect(sendgrid.requests).toHaveLength(0);
    expect(resend.requests).toHaveLength(0);
  });

  it("still refuses an invalid connection, so simulation cannot hide a broken configuration", () => {
    expect(() => createMailer({ kind: "resend", apiKey: "" }, { simulate: true })).toThrow(/apiKey/);
  });

  it("can pace itself like a real provider", async () => {
    const mailer = createMailer({ kind: "resend", apiKey: "re_simulated_key" }, { simulate: true, simulatedLatencyMs: 30 });
    const started = Date.now();
    const result = await mailer.send(testEmail());
    expect(result).toMatchObject({ ok: true, latencyMs: 30 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
