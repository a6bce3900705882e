import { describe, expect, it } from "vitest";
import { ConfigError, parseDrainEnv, parseServerEnv } from "./env";

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

  it("takes the project and web config App Hosting provides when they are not set", () => {
    const { FIREBASE_PROJECT_ID: _p, FIRESTORE_EMULATOR_HOST: _f, FIREBASE_WEB_API_KEY: _k, ...own } = valid;
    const env = parseServerEnv({
      ...own,
      FIREBASE_CONFIG: JSON.stringify({ projectId: "herald-prod" }),
      FIREBASE_WEBAPP_CONFIG: JSON.stringify({ projectId: "herald-prod", apiKey: "AIza-web-key", authDomain: "herald-prod.firebaseapp.com" }),
    });
    expect(env).toMatchObject({ FIREBASE_PROJECT_ID: "herald-prod", FIREBASE_WEB_API_KEY: "AIza-web-key", FIREBASE_AUTH_DOMAIN: "herald-prod.firebaseapp.com" });
    // A variable that is set wins over what the platform says.
    expect(parseServerEnv({ ...valid, FIREBASE_WEBAPP_CONFIG: JSON.stringify({ apiKey: "other" }) }).FIREBASE_WEB_API_KEY).toBe("demo-key");
  });

  it("takes the project a Cloud Function runs in from GCLOUD_PROJECT", () => {
    const { FIREBASE_PROJECT_ID: _p, ...rest } = valid;
    expect(parseDrainEnv({ ...rest, GCLOUD_PROJECT: "demo-fn" }).FIREBASE_PROJECT_ID).toBe("demo-fn");
  });

  it("refuses to start with the placeholder URL, which would put dead links in every email", () => {
    expect(problemsOf({ ...valid, HERALD_BASE_URL: "https://set-your-app-url.invalid" })).toEqual([
      expect.stringMatching(/^HERALD_BASE_URL is still the \.invalid placeholder/),
    ]);
  });

  it("checks a previous token secret like the current one", () => {
    expect(problemsOf({ ...valid, HERALD_TOKEN_SECRET_PREVIOUS: "short" })).toEqual([expect.stringMatching(/^HERALD_TOKEN_SECRET_PREVIOUS must be at least 32/)]);
    expect(parseServerEnv({ ...valid, HERALD_TOKEN_SECRET_PREVIOUS: "p".repeat(32) }).HERALD_TOKEN_SECRET_PREVIOUS).toBe("p".repeat(32));
  });
});
