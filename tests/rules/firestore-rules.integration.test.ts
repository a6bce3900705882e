import { readFileSync } from "node:fs";
import path from "node:path";
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
  type TokenOptions,
} from "@firebase/rules-unit-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIVE_LISTENER_CLAIM } from "@/lib/domain/admin-access";
import { collections } from "@/lib/adapters/firestore/schemas";

/**
 * firestore.rules as the emulator enforces them for browsers (the server's firebase-admin bypasses them), for
 * every collection Herald declares × every kind of caller × every operation. The collections come from
 * lib/adapters/firestore/schemas.ts, so a collection added there is covered here without editing this file;
 * the allowed cells are the live dashboards' listener reading what they listen to: events, the day's burn
 * shards, the runtime settings and the jobs on the Sent Tracker's screen.
 */

const COLLECTIONS = Object.values(collections).map((c) => c.name);
const OPERATIONS = ["get", "list", "create", "update", "delete"] as const;
type Operation = (typeof OPERATIONS)[number];

const now = () => Math.floor(Date.now() / 1000);

/** Who calls, as the ID token the browser would present. */
const CALLERS: Record<string, (env: RulesTestEnvironment) => RulesTestContext> = {
  anonymous: (env) => env.unauthenticatedContext(),
  "signed-in non-admin": (env) =>
    env.authenticatedContext("guest", { email: "guest@example.com", email_verified: true, firebase: { sign_in_provider: "password" } }),
  // An admin's own Google sign-in, custom claim included: admin power is the server's, never the browser's.
  admin: (env) =>
    env.authenticatedContext("admin", {
      email: "admin@herald.local",
      email_verified: true,
      admin: true,
      firebase: { sign_in_provider: "google.com" },
    }),
  "live listener": (env) => env.authenticatedContext("admin", liveToken(now())),
};

function liveToken(authTime: number, extra: Partial<TokenOptions> = {}): TokenOptions {
  return { [LIVE_LISTENER_CLAIM]: true, auth_time: authTime, iat: authTime, firebase: { sign_in_provider: "custom" }, ...extra };
}

/** What the live dashboards listen to. Nothing holding a secret (providers) or a guest's answer data is here. */
const LIVE_READABLE = new Set(["events", "burn", "settings", "jobs"]);

function allowed(caller: string, collection: string, operation: Operation): boolean {
  return caller === "live listener" && LIVE_READABLE.has(collection) && (operation === "get" || operation === "list");
}

async function attempt(context: RulesTestContext, collection: string, operation: Operation): Promise<unknown> {
  const db = context.firestore();
  const existing = db.collection(collection).doc("existing");
  switch (operation) {
    case "get":
      return existing.get();
    case "list":
      return db.collection(collection).limit(10).get();
    case "create":
      return db.collection(collection).doc("created-by-browser").set({ title: "written from a browser" });
    case "update":
      return existing.update({ title: "changed from a browser" });
    case "delete":
      return existing.delete();
  }
}

let env: RulesTestEnvironment;

beforeAll(async () => {
  const [host = "127.0.0.1", port = "8080"] = (process.env.FIRESTORE_EMULATOR_HOST ?? "").split(":");
  env = await initializeTestEnvironment({
    projectId: `demo-rules-${process.pid}`,
    firestore: { host, port: Number(port), rules: readFileSync(path.join(import.meta.dirname, "../../firestore.rules"), "utf8") },
  });
  await env.withSecurityRulesDisabled(async (context) => {
    const db = context.firestore();
    await Promise.all(COLLECTIONS.map((c) => db.collection(c).doc("existing").set({ title: "seeded", startsAt: new Date() })));
  });
});

afterAll(async () => {
  await env?.cleanup();
});

describe("firestore.rules", () => {
  it("cover every collection the code declares", () => {
    expect(COLLECTIONS).toContain("events");
    expect(COLLECTIONS.length).toBeGreaterThanOrEqual(10);
  });

  for (const [caller, context] of Object.entries(CALLERS)) {
    for (const collection of COLLECTIONS) {
      it(`${caller} on ${collection}: ${OPERATIONS.map((op) => `${op} ${allowed(caller, collection, op) ? "allowed" : "denied"}`).join(", ")}`, async () => {
        for (const operation of OPERATIONS) {
          const result = attempt(context(env), collection, operation);
          if (allowed(caller, collection, operation)) await assertSucceeds(result);
          else await assertFails(result);
        }
      });
    }
  }

  it("end the live listener's access an hour after its sign-in", async () => {
    const stale = env.authenticatedContext("admin", liveToken(now() - 3601));
    await assertFails(stale.firestore().collection("events").doc("existing").get());
    const fresh = env.authenticatedContext("admin", liveToken(now() - 3000));
    await assertSucceeds(fresh.firestore().collection("events").doc("existing").get());
  });

  it("honour the live claim only on the custom-token credential the server mints", async () => {
    const onAccount = env.authenticatedContext("admin", liveToken(now(), { firebase: { sign_in_provider: "password" } }));
    await assertFails(onAccount.firestore().collection("events").doc("existing").get());
  });
});
