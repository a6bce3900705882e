import { describe, expect, it } from "vitest";
import { parseProviderConnection, ProviderConnectionError, redactProviderConnection } from "@/lib/domain/providers/connection";
import { createMailer } from "./create-mailer";

describe("provider connections", () => {
  it("fills defaults: 15 s send timeout, encryption required with certificate checks, a small pool", () => {
    expect(parseProviderConnection({ kind: "smtp", host: "smtp.example.com", port: 587 })).toEqual({
      kind: "smtp",
      host: "smtp.example.com",
      port: 587,
      secure: false,
      allowPlaintext: false,
      allowSelfSigned: false,
      maxConnections: 2,
      maxMessages: 100,
      connectionTimeoutMs: 10_000,
      greetingTimeoutMs: 10_000,
      socketTimeoutMs: 30_000,
      timeoutMs: 15_000,
    });
    expect(parseProviderConnection({ kind: "resend", apiKey: "re_x" })).toMatchObject({ timeoutMs: 15_000 });
  });

  it("names the problem, never the value, so a bad credential can be logged safely", () => {
    const attempt = () =>
      parseProviderConnection({ kind: "sendgrid", apiKey: "SG.secret-value", baseUrl: "ftp://SG.secret-value" });
    expect(attempt).toThrow(ProviderConnectionError);
    expect(attempt).toThrow(/baseUrl/);
    expect(attempt).not.toThrow(/secret-value/);
  });

  it("refuses half-set credentials and implicit TLS combined with plain text", () => {
    expect(() => parseProviderConnection({ kind: "smtp", host: "h", port: 25, user: "u" })).toThrow(/pass/);
    expect(() => parseProviderConnection({ kind: "smtp", host: "h", port: 465, allowPlaintext: true })).toThrow(/allowPlaintext/);
  });

  it("redacts credentials for display", () => {
    const smtp = parseProviderConnection({ kind: "smtp", host: "h", port: 25, user: "u", pass: "p4ss" });
    expect(JSON.stringify(redactProviderConnection(smtp))).not.toContain("p4ss");
    const resend = parseProviderConnection({ kind: "resend", apiKey: "re_secret" });
    expect(JSON.stringify(redactProviderConnection(resend))).not.toContain("re_secret");
  });

  it("the factory picks the adapter by kind", async () => {
    const mailers = [
      createMailer({ kind: "smtp", host: "127.0.0.1", port: 2525 }),
      createMailer({ kind: "sendgrid", apiKey: "SG.a.b" }),
      createMailer({ kind: "resend", apiKey: "re_a" }),
      createMailer({ kind: "resend", apiKey: "re_a" }, { simulate: true }),
    ];
    expect(mailers.map((m) => m.kind)).toEqual(["smtp", "sendgrid", "resend", "simulated"]);
    await Promise.all(mailers.map((m) => m.close()));
  });
});
