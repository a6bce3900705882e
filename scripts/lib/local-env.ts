import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { HOST, type StackPorts } from "./local-stack";

export const LOCAL_PROJECT_ID = "demo-herald";
export const LOCAL_ADMIN_EMAIL = "admin@herald.local";

export interface LocalSecrets {
  tokenSecret: string;
  credentialsKey: string;
  adminPassword: string;
}

/** Generated once per checkout and kept in the git-ignored data folder, so links and sessions survive restarts. */
export function loadOrCreateSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, "local-secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as LocalSecrets;
  mkdirSync(dataDir, { recursive: true });
  const secrets: LocalSecrets = {
    tokenSecret: randomBytes(32).toString("base64url"),
    credentialsKey: randomBytes(32).toString("base64"),
    adminPassword: `herald-${randomBytes(6).toString("base64url")}`,
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** The environment the app, worker, tests and benchmarks run with against the local emulators. */
export function localEnv(ports: StackPorts, secrets: LocalSecrets, projectId = LOCAL_PROJECT_ID): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "production",
    FIREBASE_PROJECT_ID: projectId,
    GCLOUD_PROJECT: projectId,
    FIRESTORE_EMULATOR_HOST: `${HOST}:${ports.firestore}`,
    FIREBASE_AUTH_EMULATOR_HOST: `${HOST}:${ports.auth}`,
    FIREBASE_WEB_API_KEY: "demo-api-key",
    HERALD_BASE_URL: `http://${HOST}:${ports.app}`,
    HERALD_ADMIN_EMAILS: LOCAL_ADMIN_EMAIL,
    HERALD_TOKEN_SECRET: secrets.tokenSecret,
    HERALD_CREDENTIALS_KEY: secrets.credentialsKey,
    HERALD_LOCAL_SMTP: `${HOST}:${ports.smtp}`,
    HERALD_LOCAL_INBOX_URL: `http://${HOST}:${ports.inbox}`,
    METADATA_SERVER_DETECTION: "none",
    NEXT_TELEMETRY_DISABLED: "1",
  };
}
