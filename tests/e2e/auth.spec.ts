import { request as requests } from "@playwright/test";
import { expect, test } from "./fixtures";
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  ADMIN_ROUTES,
  clientAddresses,
  createNonAdmin,
  customTokenIdToken,
  jwtClaims,
  openSession,
  passwordIdToken,
  signIn,
  signInAsAdmin,
} from "./support";

test("the local admin signs in, sees the admin shell on a phone, and signs out", async ({ page }) => {
  await signInAsAdmin(page);
  await expect(page.getByTestId("admin-email")).toHaveText(ADMIN_EMAIL);
  const nav = page.getByRole("navigation", { name: "Admin sections" });
  for (const label of ["Events", "Templates", "Providers", "Tracker", "Burn monitor", "Settings"]) {
    await expect(nav.getByRole("link", { name: label })).toBeVisible();
  }
  await nav.getByRole("link", { name: "Burn monitor" }).click();
  await expect(page.getByRole("heading", { name: "Burn monitor" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Burn monitor" })).toHaveAttribute("aria-current", "page");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  // The session is gone on the server, not just hidden: the admin pages send us back to sign in.
  await page.goto("/admin/events");
  await expect(page).toHaveURL(/\/signin$/);
});

test("a wrong password gets a clear message and no session", async ({ page }) => {
  await signIn(page, ADMIN_EMAIL, "not-the-password");
  await expect(page.getByText("That email and password do not match an account.")).toBeVisible();
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/signin$/);
});

test("an anonymous visitor is sent to sign in from every admin route", async ({ page }) => {
  for (const route of ADMIN_ROUTES) {
    await page.goto(route);
    await expect(page, route).toHaveURL(/\/signin$/);
  }
});

test("a signed-in user who is not an admin is refused on every admin route", async ({ page }) => {
  const email = `guest-${Date.now()}@example.com`;
  await createNonAdmin(email, "guest-password-1");
  await signIn(page, email, "guest-password-1");
  await expect(page).toHaveURL(/\/not-authorised$/);
  await expect(page.getByRole("heading", { name: "Not authorised" })).toBeVisible();
  for (const route of ADMIN_ROUTES) {
    await page.goto(route);
    await expect(page, route).toHaveURL(/\/not-authorised$/);
  }
});

test("the session endpoint refuses cross-site requests and forged tokens", async ({ request, baseURL }) => {
  const crossSite = await request.post("/api/session", {
    headers: { origin: "https://evil.example" },
    data: { idToken: "x".repeat(40) },
  });
  expect(crossSite.status()).toBe(403);
  const forged = await request.post("/api/session", {
    headers: { origin: baseURL! },
    data: { idToken: "x".repeat(40) },
  });
  expect(forged.status()).toBe(401);
  expect(await forged.text()).not.toMatch(/at .*\.js|stack/i);
});

test("the live dashboards' credential carries only the live claim and cannot be turned into a session", async ({ request, baseURL }) => {
  const origin = baseURL!;
  expect((await openSession(request, origin, await passwordIdToken(ADMIN_EMAIL, ADMIN_PASSWORD))).status()).toBe(200);
  const minted = await request.post("/api/live-token", { headers: { origin }, data: {} });
  expect(minted.status()).toBe(200);
  const customToken = ((await minted.json()) as { token: string }).token;
  // What Herald adds to the credential is the live claim alone (the account's own claims are Firebase's to add).
  expect(jwtClaims(customToken).claims).toEqual({ herald_live: true });
  const liveIdToken = await customTokenIdToken(customToken);
  expect(jwtClaims(liveIdToken)).toMatchObject({ herald_live: true, firebase: { sign_in_provider: "custom" } });

  // Someone holding only the live credential (an admin since removed from the allowlist, say) gets no session.
  const stranger = await requests.newContext({ baseURL: origin });
  try {
    const refused = await openSession(stranger, origin, liveIdToken);
    expect(refused.status()).toBe(403);
    expect((await stranger.storageState()).cookies.map((c) => c.name)).not.toContain("__session");
    expect((await stranger.get("/admin", { maxRedirects: 0 })).headers().location).toMatch(/\/signin$/);
  } finally {
    await stranger.dispose();
  }
});

test("the same-origin check trusts the configured base URL, not the Host header", async ({ request }) => {
  const spoofed = await request.post("/api/session", {
    headers: { origin: "https://evil.example", host: "evil.example" },
    data: { idToken: "x".repeat(40) },
  });
  expect(spoofed.status()).toBe(403);
});

test("sign-in attempts from one address are limited with Retry-After, and oversized bodies refused unread", async ({ request, baseURL }) => {
  const address = clientAddresses();
  const from = (i: number) => ({ origin: baseURL!, "x-forwarded-for": address(i) });
  const statuses: number[] = [];
  for (let i = 0; i < 13; i++) {
    statuses.push((await request.post("/api/session", { headers: from(1), data: { idToken: "x".repeat(40) } })).status());
  }
  expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
  expect(statuses.slice(10)).toContain(429);
  const limited = await request.post("/api/session", { headers: from(1), data: { idToken: "x".repeat(40) } });
  expect(limited.status()).toBe(429);
  expect(Number(limited.headers()["retry-after"])).toBeGreaterThan(0);
  expect((await limited.json()) as unknown).toEqual({ error: expect.stringMatching(/^Too many sign-in attempts/) });
  // Another address is not affected.
  expect((await request.post("/api/session", { headers: from(2), data: { idToken: "x".repeat(40) } })).status()).toBe(401);

  const huge = await request.post("/api/session", { headers: from(3), data: { idToken: "x".repeat(20_000) } });
  expect(huge.status()).toBe(413);
});
