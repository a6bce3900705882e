import { HOST, TEST_PORTS } from "./local-stack";
import { localEnv, type LocalSecrets } from "./local-env";

/** Fixed, obviously fake secrets: tests must be reproducible and must never need real ones. */
export const TEST_SECRETS: LocalSecrets = {
  tokenSecret: "test-token-secret-0123456789abcdef0123456789",
  credentialsKey: Buffer.alloc(32, 42).toString("base64"),
  adminPassword: "test-admin-password",
};

export const TEST_PROJECT_ID = "demo-herald-test";

export function testEnv(): NodeJS.ProcessEnv {
  return {
    ...localEnv(TEST_PORTS, TEST_SECRETS, TEST_PROJECT_ID),
    HERALD_TEST_INBOX_URL: `http://${HOST}:${TEST_PORTS.inbox}`,
    HERALD_E2E_BASE_URL: `http://${HOST}:${TEST_PORTS.app}`,
    // Short flush interval so the burn monitor shows counts within an e2e test's patience.
    HERALD_BURN_FLUSH_SECONDS: "2",
    HERALD_WORKER_INTERVAL_MS: "1000",
    // The burn guard re-reads the day's totals this often while sending: an e2e test watches it trip.
    HERALD_BURN_GUARD_REFRESH_SECONDS: "2",
  };
}
