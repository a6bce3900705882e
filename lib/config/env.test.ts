import { describe, expect, it } from "vitest";
import { ConfigError, parseServerEnv } from "./env";

const valid = {
  FIREBASE_PROJECT_ID: "demo-herald",
  FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080",
  FIREBASE_WEB_API_KEY: "demo-key",
  HERALD_BASE_URL: "http://127.0.0.1:3000",
  HERALD_ADMIN_EMAILS: " Admin@Herald.local , ops@example.com",
  HERALD_TOKEN_SECRET: "x".repeat(32),
  HERALD_CREDENTIALS_KEY: Buffer.alloc(32, 7).toString("base64"),
};

function problemsOf(source: Record<string, string | undefined>): string[] {
  try {
    parseServerEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("parseServerEnv", () => {
  it("normalises the admin allowlist", () => {
    expect(parseServerEnv(valid).HERALD_ADMIN_EMAILS).toEqual(["admin@herald.local", "ops@example.com"]);
  });

  it("names each missing or malformed variable", () => {
    const problems = problemsOf({ ...valid, HERALD_TOKEN_SECRET: "short", HERALD_BASE_URL: undefined });
    expect(problems.some((p) => p.startsWith("HERALD_TOKEN_SECRET"))).toBe(true);
    expect(problems.some((p) => p.startsWith("HERALD_BASE_URL"))).toBe(true);
  });

  it("rejects a credentials key that is not 32 bytes", () => {
    const problems = problemsOf({ ...valid, HERALD_CREDENTIALS_KEY: Buffer.alloc(16).toString("base64") });
    expect(problems).toEqual([expect.stringMatching(/^HERALD_CREDENTIALS_KEY must be 32 bytes/)]);
  });

  it("refuses a real project id next to an emulator", () => {
    const problems = problemsOf({ ...valid, FIREBASE_PROJECT_ID: "my-prod-project" });
    expect(problems).toEqual([expect.stringMatching(/^FIREBASE_PROJECT_ID must start with demo-/)]);
  });
});
