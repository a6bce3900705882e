import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ADMIN_ROUTES, signInAsAdmin } from "./support";

/**
 * The admin pages' Content-Security-Policy: a fresh nonce per response, every script carrying it, and not one
 * violation reported by the browser while the pages load and the live dashboards connect.
 */

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

/** Collects what Chromium refuses under the page's policy, from the console and from the DOM event alike. */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on("console", (message) => {
    if (/content security policy/i.test(message.text())) seen.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window.__cspViolations ??= []).push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`);
    });
  });
  return seen;
}

function nonceOf(policy: string | undefined): string {
  const nonce = /'nonce-([^']+)'/.exec(policy ?? "")?.[1];
  expect(nonce, `no nonce in ${policy}`).toBeTruthy();
  return nonce!;
}

test("admin pages load under a nonce-based policy with no violation, live updates included", async ({ page }) => {
  const violations = await watchViolations(page);
  const nonces = new Set<string>();
  // The sign-in page first (signed in, it redirects), then every admin section.
  const routes = ["/signin", ...ADMIN_ROUTES, "/admin/events/new", "/admin/providers/new"];
  for (const route of routes) {
    if (route === ADMIN_ROUTES[0]) await signInAsAdmin(page);
    const response = await page.request.get(route, { maxRedirects: 0 });
    const policy = response.headers()["content-security-policy"];
    const nonce = nonceOf(policy);
    nonces.add(nonce);
    expect(policy, route).toContain("'strict-dynamic'");
    expect(policy, route).toContain("object-src 'none'");
    expect(policy, route).toContain("frame-ancestors 'none'");
    expect(policy, route).not.toContain("'unsafe-inline' 'nonce");
    // Every script the server wrote, inline or not, carries this response's nonce.
    const scripts = (await response.text()).match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length, route).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag, route).toContain(`nonce="${nonce}"`);

    await page.goto(route);
    await expect(page.locator("h1").first(), route).toBeVisible();
  }
  expect(nonces.size, "a nonce is never reused").toBe(routes.length);

  // The live dashboards talk to Firestore and Auth from the browser: the policy must let them connect.
  await page.goto("/admin/events");
  await expect(page.getByTestId("live-status")).toHaveAttribute("data-status", "live");

  expect(violations).toEqual([]);
  expect(await page.evaluate(() => window.__cspViolations ?? [])).toEqual([]);
});

test("invitation pages keep their own strict policy, and unknown pages get the nonce policy", async ({ request }) => {
  const invitation = await request.get("/invite/not-a-real-token");
  expect(invitation.status()).toBe(404);
  const policy = invitation.headers()["content-security-policy"];
  expect(policy).toContain("default-src 'none'");
  expect(policy).not.toContain("nonce-");

  const missing = await request.get("/no-such-page");
  expect(missing.status()).toBe(404);
  const nonce = nonceOf(missing.headers()["content-security-policy"]);
  for (const tag of (await missing.text()).match(/<script\b[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
});
