import { request as requests, type APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";
import { actions, callAction, concrete, entries, type Entry } from "./build-manifest";
import { ADMIN_EMAIL, ADMIN_PASSWORD, createNonAdmin, openSession, passwordIdToken } from "./support";

/**
 * Who may reach what, enumerated from the build itself: every page and route handler in Next's
 * app-paths-manifest and every server action in its server-reference-manifest. Anything not on the small public
 * list below must refuse an anonymous caller and a signed-in non-admin, so a page, route or action added
 * tomorrow is covered without anyone editing this file.
 */

/** The only entries anyone may reach, each with why. Keys are "<kind> <pattern>" as enumerated below. */
const PUBLIC: Record<string, string> = {
  "page /": "only redirects to /admin, which checks",
  "page /_not-found": "Next's 404 page",
  "page /_global-error": "Next's last-resort error page",
  "page /signin": "where admins sign in",
  "page /not-authorised": "tells a signed-in non-admin why they were refused",
  "route /api/session": "signs in and out: it is how a session starts",
  "route /invite/[token]": "the invitation page: the link's token is the guest's credential",
  "route /invite/[token]/answer": "the invitation's Accept / Decline form",
  "route /invite/[token]/calendar.ics": "the invitation's calendar file",
  "route /api/webhooks/sendgrid": "SendGrid's Event Webhook: authenticated by SendGrid's ECDSA signature over each request, not a session",
  "route /api/webhooks/resend": "Resend's webhooks: authenticated by their Svix signature over each request, not a session",
};

/** Files Next serves from app/ by name (favicon, robots.txt, icons, social images): static, public by nature. */
const METADATA_FILE = /^(favicon\.ico|robots\.txt|sitemap\.xml|manifest\.(json|webmanifest)|(apple-)?icon\d*(\.\w+)?|(opengraph|twitter)-image\d*(\.\w+)?)$/;

const isPublic = (e: Entry) => `${e.kind} ${e.pattern}` in PUBLIC || (e.kind === "route" && METADATA_FILE.test(e.pattern.split("/").at(-1) ?? ""));

const ALL = entries();
const ADMIN_PAGES = ALL.filter((e) => e.kind === "page" && !isPublic(e));
const ADMIN_ROUTES = ALL.filter((e) => e.kind === "route" && !isPublic(e));
const ACTIONS = actions();
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

const base = () => process.env.HERALD_E2E_BASE_URL ?? "http://127.0.0.1:3100";
const callers: Partial<Record<"anonymous" | "non-admin" | "admin", APIRequestContext>> = {};

function caller(who: keyof typeof callers): APIRequestContext {
  const context = callers[who];
  if (!context) throw new Error(`no ${who} context`);
  return context;
}

test.beforeAll(async () => {
  const origin = base();
  for (const who of ["anonymous", "non-admin", "admin"] as const) callers[who] = await requests.newContext({ baseURL: origin });
  const email = `access-${Date.now()}@example.com`;
  await createNonAdmin(email, "access-check-password");
  expect((await openSession(caller("non-admin"), origin, await passwordIdToken(email, "access-check-password"))).status()).toBe(200);
  expect((await openSession(caller("admin"), origin, await passwordIdToken(ADMIN_EMAIL, ADMIN_PASSWORD))).status()).toBe(200);
});

test.afterAll(async () => {
  await Promise.all(Object.values(callers).map((c) => c.dispose()));
});

test("the public list is small and names only what exists", () => {
  const known = new Set(ALL.map((e) => `${e.kind} ${e.pattern}`));
  for (const key of Object.keys(PUBLIC)) expect(known, `stale public entry: ${key}`).toContain(key);
  expect(ADMIN_PAGES.length).toBeGreaterThan(0);
  expect(ACTIONS.length).toBeGreaterThan(0);
  console.log(`access enumeration: ${ADMIN_PAGES.length} admin pages, ${ADMIN_ROUTES.length} admin route handlers, ${ACTIONS.length} server actions; ${ALL.length - ADMIN_PAGES.length - ADMIN_ROUTES.length} public entries`);
});

for (const entry of ADMIN_PAGES) {
  test(`page ${entry.pattern}: anonymous → sign in, non-admin → refused, admin → served`, async () => {
    const url = concrete(entry.pattern);
    const location = async (who: keyof typeof callers) => {
      const response = await caller(who).get(url, { maxRedirects: 0 });
      expect(response.status(), `${who} ${url}`).toBeLessThan(500);
      return response.status() >= 300 && response.status() < 400 ? new URL(response.headers().location ?? "", base()).pathname : null;
    };
    expect(await location("anonymous")).toBe("/signin");
    expect(await location("non-admin")).toBe("/not-authorised");
    expect(["/signin", "/not-authorised"]).not.toContain(await location("admin"));
  });
}

for (const entry of ADMIN_ROUTES) {
  test(`route ${entry.pattern}: every method refuses anonymous and non-admin callers`, async () => {
    const url = concrete(entry.pattern);
    const statuses = async (who: keyof typeof callers) => {
      const out: number[] = [];
      for (const method of METHODS) {
        // Same-origin, so what answers is the identity check, not the cross-site one.
        const response = await caller(who).fetch(url, { method, headers: { origin: base() }, data: method === "GET" ? undefined : {}, maxRedirects: 0 });
        expect(response.status(), `${who} ${method} ${url}`).toBeLessThan(500);
        out.push(response.status());
      }
      return out;
    };
    for (const who of ["anonymous", "non-admin"] as const) {
      const got = await statuses(who);
      expect(got.every((s) => s === 401 || s === 403 || s === 405), `${who}: ${got.join(", ")}`).toBe(true);
      expect(got.some((s) => s === 401 || s === 403), `${who}: ${got.join(", ")}`).toBe(true);
    }
    // The refusals come from the identity check: an admin gets an answer from at least one method.
    const admin = await statuses("admin");
    expect(admin.some((s) => s !== 401 && s !== 403 && s !== 405), `admin: ${admin.join(", ")}`).toBe(true);
  });
}

for (const action of ACTIONS) {
  test(`server action ${action.name} (${action.file}): refuses anonymous and non-admin callers`, async () => {
    // Arguments do not matter: the admin check comes before any of them is read.
    const invoke = (who: keyof typeof callers) => callAction(caller(who), action, base(), "[]");
    const anonymous = await invoke("anonymous");
    expect(anonymous.status()).toBe(200);
    expect(await anonymous.text()).toContain('"code":"unauthenticated"');
    const nonAdmin = await invoke("non-admin");
    expect(nonAdmin.status()).toBe(200);
    expect(await nonAdmin.text()).toContain('"code":"forbidden"');
  });
}
