import { describe, expect, it } from "vitest";
import { isAdmin, LIVE_LISTENER_CLAIM, maySignInWith } from "./admin-access";

const password = { firebase: { sign_in_provider: "password" } };
const base = { uid: "u1", claims: password };

describe("isAdmin", () => {
  it("admits an allowlisted, verified email regardless of case", () => {
    expect(isAdmin({ ...base, email: "Ops@Example.com", emailVerified: true }, ["ops@example.com"])).toBe(true);
  });
  it("refuses an allowlisted email that is not verified", () => {
    expect(isAdmin({ ...base, email: "ops@example.com", emailVerified: false }, ["ops@example.com"])).toBe(false);
  });
  it("admits the admin custom claim without an allowlist", () => {
    expect(isAdmin({ ...base, emailVerified: false, claims: { ...password, admin: true } }, [])).toBe(true);
  });
  it("refuses everyone else, including a truthy non-boolean claim", () => {
    expect(isAdmin({ ...base, email: "x@example.com", emailVerified: true, claims: { ...password, admin: "yes" } }, ["ops@example.com"])).toBe(false);
  });
});

describe("a live-dashboard credential (custom-token sign-in)", () => {
  const custom = { firebase: { sign_in_provider: "custom" } };
  it("is never an admin, whatever claims it carries", () => {
    expect(isAdmin({ ...base, emailVerified: false, claims: { ...custom, admin: true } }, [])).toBe(false);
    expect(isAdmin({ ...base, email: "ops@example.com", emailVerified: true, claims: custom }, ["ops@example.com"])).toBe(false);
  });
  it("grants nothing through the live-listener claim", () => {
    expect(isAdmin({ ...base, emailVerified: false, claims: { firebase: { sign_in_provider: "password" }, [LIVE_LISTENER_CLAIM]: true } }, [])).toBe(false);
  });
  it("cannot open a session; a password or Google sign-in can", () => {
    expect(maySignInWith(custom)).toBe(false);
    expect(maySignInWith({})).toBe(false);
    expect(maySignInWith({ firebase: "custom" })).toBe(false);
    expect(maySignInWith({ firebase: { sign_in_provider: "password" } })).toBe(true);
    expect(maySignInWith({ firebase: { sign_in_provider: "google.com" } })).toBe(true);
  });
});
