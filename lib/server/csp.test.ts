import { describe, expect, it } from "vitest";
import { adminContentSecurityPolicy, strictTransportSecurity } from "./csp";

const directives = (policy: string) => Object.fromEntries(policy.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));

describe("the admin pages' Content-Security-Policy", () => {
  const production = directives(adminContentSecurityPolicy({ nonce: "abc123", development: false, authDomain: "herald.firebaseapp.com" }));

  it("runs only scripts carrying this response's nonce, never inline code or eval", () => {
    expect(production["script-src"]).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(production["style-src"]).toEqual(["'self'", "'nonce-abc123'"]);
    expect(production["object-src"]).toEqual(["'none'"]);
    expect(production["base-uri"]).toEqual(["'self'"]);
  });

  it("cannot be framed, posts forms only here, and upgrades any stray http request", () => {
    expect(production["frame-ancestors"]).toEqual(["'none'"]);
    expect(production["form-action"]).toEqual(["'self'"]);
    expect(production).toHaveProperty("upgrade-insecure-requests");
  });

  it("lets the Firebase web SDK reach Google's endpoints in production and the emulators locally, nothing else", () => {
    expect(production["connect-src"]).toEqual([
      "'self'",
      "https://identitytoolkit.googleapis.com",
      "https://securetoken.googleapis.com",
      "https://firestore.googleapis.com",
    ]);
    expect(production["frame-src"]).toEqual(["https://herald.firebaseapp.com"]);
    const local = directives(
      adminContentSecurityPolicy({ nonce: "n", development: false, firestoreEmulatorHost: "127.0.0.1:8080", authEmulatorHost: "127.0.0.1:9099" }),
    );
    expect(local["connect-src"]).toEqual(["'self'", "http://127.0.0.1:8080", "http://127.0.0.1:9099"]);
    expect(local["frame-src"]).toEqual(["http://127.0.0.1:9099"]);
    expect(local).not.toHaveProperty("upgrade-insecure-requests");
  });

  it("allows eval only under next dev", () => {
    expect(directives(adminContentSecurityPolicy({ nonce: "n", development: true }))["script-src"]).toContain("'unsafe-eval'");
  });
});

describe("HSTS", () => {
  it("is sent in production only", () => {
    expect(strictTransportSecurity({ emulated: false, development: false })).toBe("max-age=63072000; includeSubDomains");
    expect(strictTransportSecurity({ emulated: true, development: false })).toBeNull();
    expect(strictTransportSecurity({ emulated: false, development: true })).toBeNull();
  });
});
