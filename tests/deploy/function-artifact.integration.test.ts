import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseDrainEnv } from "@/lib/config/env";
import { inviteGuests } from "@/lib/services/invitations";
import { openInvitation } from "@/lib/services/rsvp";
import { ensureStarterTemplates } from "@/lib/services/templates";
import { testFirestore } from "@/tests/support/firestore";
import { recipients, seedEvent, seedProvider, serviceContext, TEST_SECRET } from "@/tests/support/fixtures";
import { decodeBody, startSmtpCatcher, type SmtpCatcher } from "@/tests/support/smtp-catcher";

/**
 * The Cloud Function as `firebase deploy` ships it, proven offline: firebase.json's predeploy builds it, the
 * functions folder is staged as Cloud Build installs it (only functions/package.json's dependencies), the SDK
 * reads its deploy manifest the way the CLI does, and one scheduled run drains the queue against the emulator
 * with nothing but what a deploy gives the function.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const FUNCTIONS = path.join(ROOT, "functions");
const readJson = <T>(file: string) => JSON.parse(readFileSync(path.join(ROOT, file), "utf8")) as T;

interface Manifest {
  endpoints: Record<string, { platform: string; scheduleTrigger?: { schedule: string }; secretEnvironmentVariables?: { key: string }[] }>;
  params?: { name: string; type: string }[];
}

/** The values this test deploys with, for every name the function may declare. */
const DEPLOY_VALUES: Record<string, string> = {
  HERALD_BASE_URL: "http://127.0.0.1:3100",
  HERALD_TOKEN_SECRET: TEST_SECRET,
  HERALD_CREDENTIALS_KEY: Buffer.alloc(32, 5).toString("base64"),
};

/** What Cloud Functions sets for every function (the CLI passes the same two to discovery). */
const platformEnv = (projectId: string) => ({ GCLOUD_PROJECT: projectId, FIREBASE_CONFIG: JSON.stringify({ projectId }) });

function run(command: string, args: string[], options: { cwd: string; env: Record<string, string | undefined> }) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

let stage: string;
let manifest: Manifest;

/** Exactly what a deploy gives the function: the platform's variables, its string params and its secrets. */
function deployEnv(projectId: string): Record<string, string> {
  const endpoint = manifest.endpoints.drainQueueEveryMinute!;
  const names = [
    ...(manifest.params ?? []).filter((p) => p.type !== "secret").map((p) => p.name),
    ...(endpoint.secretEnvironmentVariables ?? []).map((s) => s.key),
  ];
  const values = names.map((name) => {
    const value = DEPLOY_VALUES[name];
    if (value === undefined) throw new Error(`the function declares ${name}: give it a value in DEPLOY_VALUES and document it`);
    return [name, value];
  });
  return { ...platformEnv(projectId), ...Object.fromEntries(values) };
}

beforeAll(async () => {
  const [predeploy] = readJson<{ functions: { predeploy: string[] }[] }>("firebase.json").functions[0]!.predeploy;
  const built = await run("sh", ["-c", predeploy!], { cwd: ROOT, env: { ...process.env, RESOURCE_DIR: FUNCTIONS } });
  expect(built.code, built.output).toBe(0);

  stage = mkdtempSync(path.join(tmpdir(), "herald-function-"));
  cpSync(path.join(FUNCTIONS, "lib"), path.join(stage, "lib"), { recursive: true });
  cpSync(path.join(FUNCTIONS, "package.json"), path.join(stage, "package.json"));
  // Outside the repository, so nothing resolves from the root's node_modules: an undeclared import fails here
  // as it would in Cloud Build. The declared ones are the root's own copies, pinned to the same versions.
  const { dependencies } = readJson<{ dependencies: Record<string, string> }>("functions/package.json");
  for (const name of Object.keys(dependencies)) {
    const target = path.join(stage, "node_modules", name);
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync(path.join(ROOT, "node_modules", name), target, "dir");
  }

  const manifestPath = path.join(stage, "functions.yaml");
  const discovery = await run(process.execPath, [path.join(stage, "node_modules/firebase-functions/lib/bin/firebase-functions.js"), stage], {
    cwd: stage,
    env: { PATH: process.env.PATH, ...platformEnv("demo-discovery"), FUNCTIONS_CONTROL_API: "true", FUNCTIONS_MANIFEST_OUTPUT_PATH: manifestPath },
  });
  expect(discovery.code, discovery.output).toBe(0);
  manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
}, 120_000);

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtpCatcher();
});
afterAll(async () => {
  await smtp.close();
  rmSync(stage, { recursive: true, force: true });
});

describe("the deployed Cloud Function", () => {
  it("declares, as params and secrets, everything the drain needs that the platform does not give", () => {
    const endpoint = manifest.endpoints.drainQueueEveryMinute;
    expect(endpoint).toMatchObject({ platform: "gcfv2", scheduleTrigger: { schedule: "every 1 minutes" } });
    // Runs sharing an instance would share its drain id, and each would take every provider's whole rate.
    expect(endpoint).toMatchObject({ concurrency: 1 });
    expect(() => parseDrainEnv(deployEnv("demo-herald"))).not.toThrow();
    // One set of secrets in Secret Manager serves the function and the app.
    const appSecrets = (parse(readFileSync(path.join(ROOT, "apphosting.yaml"), "utf8")) as { env: { secret?: string }[] }).env.flatMap((v) =>
      v.secret ? [v.secret] : [],
    );
    expect(appSecrets).toEqual(expect.arrayContaining((endpoint?.secretEnvironmentVariables ?? []).map((s) => s.key)));
  });

  it("drains the queue in one scheduled run, given only what a deploy gives it", async () => {
    const fs = testFirestore();
    const ctx = serviceContext(fs.db);
    await ensureStarterTemplates(ctx);
    await seedProvider(fs.db, "smtp", { settings: { host: smtp.host, port: smtp.port, secure: false } });
    const eventId = await seedEvent(ctx);
    await inviteGuests(ctx, eventId, recipients(["ada@example.com", "bob@example.com"]));

    const script = `
      const { drainQueueEveryMinute } = require("./lib/index.js");
      drainQueueEveryMinute.run({ scheduleTime: new Date().toISOString(), jobName: "herald-drain" })
        .then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });`;
    const fired = await run(process.execPath, ["-e", script], {
      cwd: stage,
      env: {
        PATH: process.env.PATH,
        ...deployEnv(fs.projectId),
        // The test's only additions: the emulator instead of Google, and no probing for a metadata server.
        FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST,
        METADATA_SERVER_DETECTION: "none",
      },
    });
    expect(fired.code, fired.output).toBe(0);

    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(["ada@example.com", "bob@example.com"]);
    const ada = smtp.messages.find((m) => m.to[0] === "ada@example.com")!;
    const token = decodeBody(ada).text?.match(/http:\/\/127\.0\.0\.1:3100\/invite\/([0-9a-f]{32}\.\d+\.[A-Za-z0-9_-]{22})/)?.[1];
    expect(await openInvitation(ctx, token!)).toMatchObject({ ok: true, invitation: { email: "ada@example.com" } });
    const burn = await fs.raw.collection("burn").get();
    expect(burn.docs.reduce((sum, d) => sum + (d.data().writes as number), 0)).toBeGreaterThan(0);
  });
});
