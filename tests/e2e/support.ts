import { randomBytes } from "node:crypto";
import { expect, type Page } from "@playwright/test";

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

/**
 * Client addresses for one spec file, sent as X-Forwarded-For (the app counts the last entry). Documentation
 * range, a random prefix per file and a /64 per index, since the rate limiter counts IPv6 by /64: a test's
 * requests share no limit with another test's, or with the browser's own 127.0.0.1.
 */
export function clientAddresses(): (index: number) => string {
  const run = randomBytes(2).toString("hex");
  return (index) => `2001:db8:${run}:${index.toString(16)}::1`;
}
