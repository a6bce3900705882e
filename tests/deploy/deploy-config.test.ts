import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseServerEnv, serverEnvSchema } from "@/lib/config/env";

/**
 * The deploy configuration, checked against what the code reads. No test can reach Google, so this is where a
 * variable added to lib/config/env.ts but forgotten in apphosting.yaml, or a runtime Google no longer accepts,
 * is caught. The function's own params are checked on the built artifact (function-artifact.integration.test.ts).
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const json = <T>(file: string) => JSON.parse(readFileSync(path.join(ROOT, file), "utf8")) as T;

interface AppHostingVariable {
  variable: string;
  value?: string;
  secret?: string;
  availability?: string[];
}
const appHosting = parse(readFileSync(path.join(ROOT, "apphosting.yaml"), "utf8")) as {
  runConfig: { maxInstances: number };
  env: AppHostingVariable[];
};
const named = appHosting.env.map((v) => v.variable);

/** What App Hosting sets in every backend by itself (stand-in values of the same shape). */
const APP_HOSTING_SETS = {
  FIREBASE_CONFIG: JSON.stringify({ projectId: "herald-prod", storageBucket: "herald-prod.firebasestorage.app" }),
  FIREBASE_WEBAPP_CONFIG: JSON.stringify({ projectId: "herald-prod", apiKey: "AIza-stand-in", authDomain: "herald-prod.firebaseapp.com", appId: "1:2:web:3" }),
};

/** Variables the app reads that apphosting.yaml leaves out on purpose, each with its reason. */
const LEFT_OUT: Record<string, string> = {
  FIRESTORE_EMULATOR_HOST: "emulators only: set in production it would send every read to a local emulator",
  FIREBASE_AUTH_EMULATOR_HOST: "emulators only",
  FIREBASE_PROJECT_ID: "read from FIREBASE_CONFIG, which App Hosting sets",
  FIREBASE_WEB_API_KEY: "read from FIREBASE_WEBAPP_CONFIG, which App Hosting sets",
  FIREBASE_AUTH_DOMAIN: "read from FIREBASE_WEBAPP_CONFIG, which App Hosting sets",
  HERALD_TOKEN_SECRET_PREVIOUS: "only while rotating the token secret (commented out in the file)",
  HERALD_BURN_GUARD_REFRESH_SECONDS: "the drain's burn guard only: the app shares the drain's settings but never drains (the function keeps the default)",
};

const SECRETS = ["HERALD_TOKEN_SECRET", "HERALD_TOKEN_SECRET_PREVIOUS", "HERALD_CREDENTIALS_KEY"];

/** The environment a rollout gives the app: apphosting.yaml's values, its secrets (stand-ins), App Hosting's own. */
function rolloutEnv(overrides: Record<string, string> = {}): Record<string, string | undefined> {
  const standIn: Record<string, string> = { HERALD_TOKEN_SECRET: "t".repeat(48), HERALD_CREDENTIALS_KEY: Buffer.alloc(32, 1).toString("base64") };
  const fromFile = Object.fromEntries(appHosting.env.map((v) => [v.variable, v.secret ? standIn[v.secret] : v.value]));
  return { ...APP_HOSTING_SETS, ...fromFile, ...overrides };
}

describe("apphosting.yaml", () => {
  it("names every variable the app reads, once, and nothing it does not read", () => {
    const read = Object.keys(serverEnvSchema.shape);
    expect(named.filter((name, i) => named.indexOf(name) !== i)).toEqual([]);
    expect(named.filter((name) => !read.includes(name))).toEqual([]);
    expect(read.filter((name) => !named.includes(name) && !(name in LEFT_OUT))).toEqual([]);
    expect(named.filter((name) => name in LEFT_OUT)).toEqual([]);
  });

  it("starts the app with only what a rollout provides, once the URL placeholder is replaced", () => {
    expect(() => parseServerEnv(rolloutEnv())).toThrow(/HERALD_BASE_URL is still the \.invalid placeholder/);
    const env = parseServerEnv(rolloutEnv({ HERALD_BASE_URL: "https://herald.example.com" }));
    expect(env).toMatchObject({
      FIREBASE_PROJECT_ID: "herald-prod",
      FIREBASE_WEB_API_KEY: "AIza-stand-in",
      FIREBASE_AUTH_DOMAIN: "herald-prod.firebaseapp.com",
      HERALD_CLIENT_IP_HEADER: "x-fah-client-ip",
    });
    expect(env.FIRESTORE_EMULATOR_HOST).toBeUndefined();
    expect(env.FIREBASE_AUTH_EMULATOR_HOST).toBeUndefined();
  });

  it("keeps secrets in Secret Manager, never as values, and available at run time only", () => {
    for (const v of appHosting.env) {
      if (SECRETS.includes(v.variable)) expect(v, v.variable).toMatchObject({ secret: expect.any(String) });
      expect(v.secret === undefined || v.value === undefined, v.variable).toBe(true);
      expect(v.availability, v.variable).toEqual(["RUNTIME"]);
    }
    expect(appHosting.runConfig.maxInstances).toBeGreaterThan(0);
  });
});

describe("firebase.json", () => {
  const firebase = json<{ functions: { source: string; runtime: string; predeploy?: string[]; ignore?: string[] }[] }>("firebase.json");
  const fn = firebase.functions[0]!;
  const fnPackage = json<{ main: string; engines: { node: string }; dependencies: Record<string, string> }>("functions/package.json");
  const rootPackage = json<{ scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> }>(
    "package.json",
  );

  it("deploys the function on a runtime Google still accepts, the one functions/package.json names", () => {
    // nodejs20 was decommissioned for Cloud Run functions on 2026-10-30; 22 is supported until 2027-04-30.
    expect(["nodejs22", "nodejs24"]).toContain(fn.runtime);
    expect(`nodejs${fnPackage.engines.node}`).toBe(fn.runtime);
  });

  it("builds functions/lib before every functions deploy, and uploads the build, not the sources", () => {
    expect(fn.source).toBe("functions");
    expect(fnPackage.main).toBe("lib/index.js");
    expect(fn.predeploy).toEqual(['npm --prefix "$RESOURCE_DIR/.." run build:functions']);
    expect(rootPackage.scripts["build:functions"]).toBeDefined();
    expect(fn.ignore).toEqual(expect.arrayContaining(["src", "node_modules"]));
  });

  it("pins the function's dependencies to exactly the versions the app is tested with", () => {
    const tested = { ...rootPackage.dependencies, ...rootPackage.devDependencies };
    for (const [name, version] of Object.entries(fnPackage.dependencies)) expect(`${name}@${version}`).toBe(`${name}@${tested[name]}`);
  });
});
