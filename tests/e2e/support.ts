import { randomBytes } from "node:crypto";
import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const ADMIN_EMAIL = "admin@herald.local";
export const ADMIN_PASSWORD = "test-admin-password";

export const ADMIN_ROUTES = [
  "/admin",
  "/admin/events",
  "/admin/templates",
  "/admin/providers",
  "/admin/tracker",
  "/admin/suppressions",
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

const authEmulator = () => `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST ?? "127.0.0.1:9199"}/identitytoolkit.googleapis.com/v1`;

async function identityToolkit(method: string, body: object): Promise<{ idToken: string }> {
  const res = await fetch(`${authEmulator()}/accounts:${method}?key=demo-api-key`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, returnSecureToken: true }),
  });
  if (!res.ok) throw new Error(`${method} failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { idToken: string };
}

/** A fresh ID token for an email/password account, as the sign-in page would get it. */
export async function passwordIdToken(email: string, password: string): Promise<string> {
  return (await identityToolkit("signInWithPassword", { email, password })).idToken;
}

/** Exchanges a custom token (e.g. the live dashboards' one) for an ID token, as the web SDK would. */
export async function customTokenIdToken(token: string): Promise<string> {
  return (await identityToolkit("signInWithCustomToken", { token })).idToken;
}

/** The claims of a JWT, unverified: for asserting what the server minted. */
export function jwtClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Opens a server session in this request context (its cookie jar keeps the cookie), as the sign-in page does. */
export async function openSession(request: APIRequestContext, origin: string, idToken: string) {
  return request.post("/api/session", { headers: { origin }, data: { idToken } });
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
