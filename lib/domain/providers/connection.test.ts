import { describe, expect, it } from "vitest";
import { isLoopbackHost, smtpTransportSecurity } from "./connection";

const smtp = (host: string, port: number, extra: { secure?: boolean; allowPlaintext?: boolean } = {}) => ({
  host,
  port,
  secure: extra.secure ?? false,
  allowPlaintext: extra.allowPlaintext ?? false,
});

describe("SMTP transport security", () => {
  it("requires STARTTLS by default, so nobody on the path can strip the upgrade", () => {
    expect(smtpTransportSecurity(smtp("smtp.example.com", 587))).toEqual({ secure: false, requireTLS: true });
    expect(smtpTransportSecurity(smtp("10.0.0.5", 25))).toEqual({ secure: false, requireTLS: true });
  });

  it("uses implicit TLS on port 465 or when asked, with nothing to upgrade", () => {
    expect(smtpTransportSecurity(smtp("smtp.example.com", 465))).toEqual({ secure: true, requireTLS: false });
    expect(smtpTransportSecurity(smtp("smtp.example.com", 2465, { secure: true }))).toEqual({ secure: true, requireTLS: false });
  });

  it("lets a relay on this machine, or one explicitly allowed, talk plain text", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "mail.localhost", "::1", "[::1]"]) {
      expect(smtpTransportSecurity(smtp(host, 1025)), host).toEqual({ secure: false, requireTLS: false });
    }
    expect(smtpTransportSecurity(smtp("relay.internal", 25, { allowPlaintext: true }))).toEqual({ secure: false, requireTLS: false });
  });

  it("does not take look-alikes for loopback", () => {
    for (const host of ["127.0.0.1.evil.example", "localhost.evil.example", "128.0.0.1", "0.0.0.0", "::2"]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
