import { describe, expect, it } from "vitest";
import { isAdmin } from "./admin-access";

const base = { uid: "u1", claims: {} };

describe("isAdmin", () => {
  it("admits an allowlisted, verified email regardless of case", () => {
    expect(isAdmin({ ...base, email: "Ops@Example.com", emailVerified: true }, ["ops@example.com"])).toBe(true);
  });
  it("refuses an allowlisted email that is not verified", () => {
    expect(isAdmin({ ...base, email: "ops@example.com", emailVerified: false }, ["ops@example.com"])).toBe(false);
  });
  it("admits the admin custom claim without an allowlist", () => {
    expect(isAdmin({ ...base, emailVerified: false, claims: { admin: true } }, [])).toBe(true);
  });
  it("refuses everyone else, including a truthy non-boolean claim", () => {
    expect(isAdmin({ ...base, email: "x@example.com", emailVerified: true, claims: { admin: "yes" } }, ["ops@example.com"])).toBe(false);
  });
});
