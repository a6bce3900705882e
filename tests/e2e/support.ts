import { expect, type Page } from "@playwright/test";
import { connectFirestore, type FirestoreContext } from "@/lib/adapters/firestore/connect";
import type { ServiceContext } from "@/lib/services/context";
import { TEST_SECRETS } from "@/scripts/lib/test-env";

export const ADMIN_EMAIL = "admin@herald.local";
export const ADMIN_PASSWORD = "test-admin-password";

export const ADMIN_ROUTES = [
  "/admin",
  "/admin/events",
  "/admin/templates",
  "/admin/providers",
  "/admin/tracker",
  "/admin/burn",
  "/admin/settings",
];

export async function signIn(page: Page, email = ADMIN_EMAIL, password = ADMIN_PASSWORD) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

export async function signInAsAdmin(page: Page) {
  await signIn(page);
  await expect(page).toHaveURL(/\/admin$/);
}

/** A verified, non-admin account created straight in the Auth emulator. */
export async function createNonAdmin(email: string, password: string) {
  const authHost = process.env.FIREBASE_AUTH_EMULATOR_HOST ?? "127.0.0.1:9199";
  const res = await fetch(`http://${authHost}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo-api-key`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password, returnSecureToken: true }),
  });
  if (!res.ok && !(await res.text()).includes("EMAIL_EXISTS")) throw new Error(`signUp failed: ${res.status}`);
}

let firestore: FirestoreContext | undefined;

/**
 * The services' context against the same Firestore emulator project the app under test uses, for seeding data
 * and reading it back from the test process; `raw` reads without the burn meter.
 */
export function e2eServices(): ServiceContext & { raw: FirestoreContext["raw"] } {
  const projectId = process.env.FIREBASE_PROJECT_ID;
  if (!projectId || !process.env.FIRESTORE_EMULATOR_HOST) {
    throw new Error("Run through scripts/with-emulators.ts --app: FIREBASE_PROJECT_ID and FIRESTORE_EMULATOR_HOST are needed.");
  }
  firestore ??= connectFirestore({ projectId, clock: { now: () => new Date() }, burnShards: 1 });
  return {
    db: firestore.db,
    raw: firestore.raw,
    clock: { now: () => new Date() },
    tokenSecret: TEST_SECRETS.tokenSecret,
    baseUrl: process.env.HERALD_E2E_BASE_URL ?? "http://127.0.0.1:3100",
  };
}
