import { readFileSync } from "node:fs";
import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { docRef } from "@/lib/adapters/firestore/collection";
import { connectFirestore, type FirestoreContext } from "@/lib/adapters/firestore/connect";
import { collections } from "@/lib/adapters/firestore/schemas";
import { parseRecipientList } from "@/lib/domain/invitations/recipients";
import { createEvent } from "@/lib/services/events";
import { inviteGuests } from "@/lib/services/invitations";
import { sealSecret } from "@/lib/services/provider-config";
import { DEFAULT_AUTO_HALT } from "@/lib/domain/monitor/burn";
import { setAutoHalt, setBurnBudget, setHalted, setSimulation } from "@/lib/services/settings";
import { ensureStarterTemplates } from "@/lib/services/templates";
import { eventInput, providerDoc } from "@/tests/support/fixtures";
import { startResendStandin, startSendgridStandin, type ProviderStandin } from "@/tests/support/provider-standins";
import { TEST_SECRETS } from "../../scripts/lib/test-env";
import { signInAsAdmin } from "./support";

/**
 * The operators' console as an operator uses it, on a phone-sized screen against the production build and
 * the real worker: today's burn and its forecast move as invitations go out; a provider starts failing and its
 * card turns unhealthy while traffic moves to the other; the automatic halt trips and says why; the Sent
 * Tracker finds a guest and shows every attempt; the CSV export is safe to open. Two provider stand-ins are
 * started here and are the only enabled providers while these tests run.
 */

const BRAVO = "e2e-console-bravo";
const ALPHA = "e2e-console-alpha";
const FORMULA = "=SUM(A1:A9)*10";
const clock = { now: () => new Date() };

let firestore: FirestoreContext | undefined;
function fs(): FirestoreContext {
  const projectId = process.env.FIREBASE_PROJECT_ID;
  if (!projectId || !process.env.FIRESTORE_EMULATOR_HOST) throw new Error("Run through scripts/with-emulators.ts --app");
  firestore ??= connectFirestore({ projectId, clock, burnShards: 1 });
  return firestore;
}
const ctx = () => ({ db: fs().db, clock, tokenSecret: TEST_SECRETS.tokenSecret, baseUrl: process.env.HERALD_E2E_BASE_URL ?? "http://127.0.0.1:3100" });

let alpha: ProviderStandin;
let bravo: ProviderStandin;
let eventId = "";
let othersEnabled: string[] = [];
const stamp = Date.now();

async function resetOperatorSettings() {
  const { db } = fs();
  await setBurnBudget(db, clock, null, "e2e clean-up");
  await setAutoHalt(db, clock, DEFAULT_AUTO_HALT, "e2e clean-up");
  await setSimulation(db, clock, false, "e2e clean-up");
  await setHalted(db, clock, false, "e2e clean-up");
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  alpha = await startResendStandin({ apiKey: "key-alpha", behaviour: { latencyMs: 20 } });
  bravo = await startSendgridStandin({ apiKey: "key-bravo", behaviour: { latencyMs: 20 } });
  const { db, raw } = fs();
  // Other spec files leave providers behind; these two must be the only ones the worker can use here.
  const enabled = await raw.collection("providers").where("enabled", "==", true).get();
  othersEnabled = enabled.docs.map((d) => d.id);
  await Promise.all(othersEnabled.map((id) => raw.collection("providers").doc(id).update({ enabled: false })));
  const provider = (id: string, name: string, kind: "resend" | "sendgrid", s: ProviderStandin, key: string, priority: number) =>
    db.set("e2e.seed", docRef(collections.providers, id), {
      ...providerDoc({ name, kind, priority, dailyQuota: 1_000, settings: { baseUrl: s.url, timeoutMs: 3_000 } }),
      secret: sealSecret(TEST_SECRETS.credentialsKey, id, key),
    });
  // Bravo is preferred while it works; Alpha takes over when it fails.
  await provider(BRAVO, "Bravo stand-in", "sendgrid", bravo, "key-bravo", 1);
  await provider(ALPHA, "Alpha stand-in", "resend", alpha, "key-alpha", 2);
  await ensureStarterTemplates(ctx());
  await resetOperatorSettings();
  const created = await createEvent(ctx(), eventInput({ title: `Console night ${stamp}` }), { name: "Ops", email: "ops@herald.local" });
  if (!created.ok) throw new Error(created.message);
  eventId = created.id;
});

test.afterAll(async () => {
  const { raw } = fs();
  await resetOperatorSettings();
  await Promise.all([raw.collection("providers").doc(BRAVO).delete(), raw.collection("providers").doc(ALPHA).delete()]);
  await Promise.all(othersEnabled.map((id) => raw.collection("providers").doc(id).update({ enabled: true })));
  await Promise.all([alpha.close(), bravo.close()]);
});

async function invite(list: string[]) {
  const parsed = parseRecipientList(list.join("\n"));
  if (!parsed.ok) throw new Error(parsed.error.message);
  const result = await inviteGuests(ctx(), eventId, parsed.rows);
  if (!result.ok) throw new Error(result.message);
}

const guests = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}-${stamp}@example.com`);

async function figure(page: Page, testId: string): Promise<number> {
  return Number((await page.getByTestId(testId).innerText()).replace(/[^\d]/g, ""));
}

/** The page fits the screen's width: nothing to scroll sideways except inside a table's own box. */
async function fitsTheScreen(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
}

test("today's burn and the forecast move as invitations go out; a failing provider turns unhealthy while traffic moves on", async ({ page }) => {
  test.setTimeout(180_000);
  await signInAsAdmin(page);
  await page.goto("/admin/burn");
  await expect(page.getByTestId("live-status").first()).toHaveText("Live");
  await fitsTheScreen(page);
  const writesBefore = await figure(page, "burn-writes-used");
  const forecastBefore = await page.getByTestId("forecast-writes").innerText();

  await invite(guests("first", 10));
  await expect.poll(() => bravo.accepted, { timeout: 60_000, message: "Bravo sends the first invitations" }).toBe(10);
  // The worker's flush reaches the open page through its listener: no reload.
  await expect.poll(() => figure(page, "burn-writes-used"), { timeout: 30_000 }).toBeGreaterThanOrEqual(writesBefore + 20);
  await expect.poll(() => page.getByTestId("forecast-writes").innerText(), { timeout: 30_000 }).not.toBe(forecastBefore);
  const bravoCard = page.getByTestId(`provider-card-${BRAVO}`);
  await expect(bravoCard).toHaveAttribute("data-status", "healthy", { timeout: 30_000 });

  // Bravo starts failing, with an error message a spreadsheet would run as a formula.
  bravo.setBehaviour({ latencyMs: 20, status: 503, body: { errors: [{ message: FORMULA, field: null, help: null }] } });
  // Mallory's is the first email Bravo fails (the Tracker test below follows it); the engine then moves the
  // rest of the traffic to Alpha, so the others may never try Bravo.
  await invite([`"${FORMULA}" <mallory-${stamp}@example.com>`]);
  await expect.poll(() => bravo.requests.filter((r) => r.status === 503).length, { timeout: 60_000, message: "Bravo fails Mallory's email" }).toBeGreaterThan(0);
  await invite([...guests("second", 8), `"@ops team" <ops-${stamp}@example.com>`]);
  // The engine moves traffic off Bravo after its first failures, usually before its circuit opens.
  await expect(bravoCard).toHaveAttribute("data-status", /^(failing|circuit_open)$/, { timeout: 60_000 });
  await expect(bravoCard).toHaveAttribute("data-health", "danger");
  await expect(bravoCard.getByTestId("provider-status")).toHaveText(/Failing/);
  await expect.poll(() => alpha.accepted, { timeout: 60_000, message: "Alpha takes the traffic" }).toBe(10);
  await expect(page.getByTestId(`provider-card-${ALPHA}`)).toHaveAttribute("data-status", "healthy");
  await expect(page.getByTestId(`provider-card-${ALPHA}`)).toContainText("10 / 1,000 today", { timeout: 30_000 });
  expect(await figure(page, "burn-writes-used")).toBeGreaterThan(writesBefore + 40);
});

test("the automatic halt trips at the chosen level, the banner says why, and resuming is one confirmed click", async ({ page }) => {
  test.setTimeout(180_000);
  bravo.setBehaviour({ latencyMs: 20 });
  await signInAsAdmin(page);
  await page.goto("/admin/burn");
  await expect(page.getByTestId("live-status").first()).toHaveText("Live");
  const used = await figure(page, "burn-writes-used");
  // A paid budget whose 90 % lies a few dozen writes above today's use.
  const budget = Math.ceil((used + 40) / 0.9);

  await page.goto("/admin/settings");
  await page.getByLabel("Paid plan: my own daily budget").check();
  await page.getByLabel("Reads a day", { exact: true }).fill("10,000,000");
  await page.getByLabel("Writes a day", { exact: true }).fill(String(budget));
  await page.getByLabel("Deletes a day", { exact: true }).fill("10,000,000");
  await page.getByRole("button", { name: "Save budget" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await expect(page.getByTestId("settings-history")).toContainText(`${budget.toLocaleString("en-US")} writes`);

  await page.goto("/admin/burn");
  await expect(page.getByTestId("monitor-halt-banner")).toHaveCount(0);
  await invite(guests("third", 30));
  const banner = page.getByTestId("monitor-halt-banner");
  await expect(banner).toBeVisible({ timeout: 90_000 });
  await expect(banner).toContainText("Sending is halted automatically");
  await expect(banner).toContainText(/Firestore writes reached (9\d|1\d\d)% of today's budget/);
  await expect(banner).toContainText("Halted by Burn guard (automatic)");

  await banner.getByRole("button", { name: "Resume sending…" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Resume sending" }).click();
  await expect(banner).toHaveCount(0, { timeout: 15_000 });
  // Sending again, past the 90 % warning: the page says so in words, not only in colour.
  await expect(page.getByTestId("budget-warning")).toContainText(/Firestore writes at (9\d|\d{3})% of today's budget/);
  await page.goto("/admin/settings");
  const history = page.getByTestId("settings-history");
  await expect(history).toContainText("Burn guard (automatic)");
  await expect(history.getByRole("row").filter({ hasText: "halted → running" }).first()).toContainText("admin@herald.local");
  await resetOperatorSettings();
});

test("the Tracker finds a guest by address and shows every attempt; the CSV export neutralises formulas", async ({ page, playwright, baseURL }) => {
  test.setTimeout(120_000);
  // The export is admins' only, like the pages: without a session there is nothing to download.
  const anonymous = await playwright.request.newContext({ baseURL });
  expect((await anonymous.get(`/admin/tracker/export?event=${eventId}`)).status()).toBe(401);
  await anonymous.dispose();

  await signInAsAdmin(page);
  await page.goto("/admin/tracker");
  await fitsTheScreen(page);
  await page.getByLabel("Recipient").fill(`MALLORY-${stamp}`);
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`q=mallory-${stamp}`));
  const row = page.getByTestId("tracker-row");
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute("data-state", "completed");

  await row.getByRole("link").click();
  const timeline = page.getByTestId("timeline");
  await expect(timeline.locator('[data-type="attempt"]').first()).toContainText("via Bravo stand-in: failed, will retry");
  await expect(timeline).toContainText("via Alpha stand-in: accepted by the provider");
  await expect(timeline).toContainText(`transient: SendGrid 503: ${FORMULA}`);
  await expect(timeline).toContainText("Delivered");
  const keys = await timeline.locator('[data-type="attempt"] dd').filter({ hasText: /^[0-9a-f]{32}-1$/ }).allInnerTexts();
  expect(keys.length).toBeGreaterThanOrEqual(2);
  expect(new Set(keys).size).toBe(1);
  await fitsTheScreen(page);

  // Back keeps the filter the operator set.
  await page.goBack();
  await expect(page.getByLabel("Recipient")).toHaveValue(`mallory-${stamp}`);

  await page.goto(`/admin/tracker?event=${eventId}`);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("tracker-export").click()]);
  expect(download.suggestedFilename()).toMatch(/^herald-sent-\d+\.csv$/);
  const csv = readFileSync((await download.path())!, "utf8").replace(/^\uFEFF/, "");
  const lines = csv.trim().split("\r\n");
  expect(lines[0]).toMatch(/^queued_at_utc,recipient_email,recipient_name,event,/);
  expect(lines).toHaveLength(1 + 50);
  const mallory = lines.find((l) => l.includes(`mallory-${stamp}@example.com`))!;
  // Names that began with "=" or "@" now begin with an apostrophe, which spreadsheets show as text.
  expect(mallory).toContain(`,'${FORMULA},`);
  expect(mallory).toContain(`,SendGrid 503: ${FORMULA},`);
  expect(lines.find((l) => l.includes(`ops-${stamp}@example.com`))).toContain(",'@ops team,");
  for (const line of lines) expect(line).not.toMatch(/(^|,)"?[=+\-@\t\r]/);
});

test("a Tracker row changes state while the page stays open: queued, then sent once sending resumes", async ({ page }) => {
  test.setTimeout(120_000);
  const [email] = guests("watched", 1);
  await setHalted(fs().db, clock, true, "e2e: hold the queue");
  try {
    await invite([email!]);
    await signInAsAdmin(page);
    await page.goto(`/admin/tracker?q=${encodeURIComponent(email!)}`);
    const row = page.getByTestId("tracker-row");
    await expect(row).toHaveCount(1);
    await expect(page.getByTestId("live-status").first()).toHaveText("Live");
    await expect(row).not.toHaveAttribute("data-state", "completed");
    await setHalted(fs().db, clock, false, "e2e: release the queue");
    // No reload: the row's own listener brings the sent state.
    await expect(row).toHaveAttribute("data-state", "completed", { timeout: 60_000 });
  } finally {
    await setHalted(fs().db, clock, false, "e2e clean-up");
  }
});

test("both pages are usable on a phone and readable on a desktop (screenshots for the record)", async ({ page }, info) => {
  await signInAsAdmin(page);
  // On a phone the tracker's menus fold away: the newest email is on the first screen, the menus one tap away.
  await page.goto("/admin/tracker");
  await expect(page.getByTestId("tracker-row").first()).toBeInViewport();
  await page.getByText("More filters").click();
  await expect(page.getByLabel("State")).toBeVisible();
  for (const [path, name] of [
    ["/admin/burn", "burn-monitor"],
    [`/admin/tracker?event=${eventId}`, "sent-tracker"],
  ] as const) {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(path);
    await expect(page.getByTestId("live-status").first()).toHaveText("Live");
    await fitsTheScreen(page);
    // Every control the operator needs is a comfortable touch target.
    for (const button of await page.getByRole("button").all()) {
      if (await button.isVisible()) expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(32);
    }
    await page.screenshot({ path: info.outputPath(`${name}-phone.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: info.outputPath(`${name}-desktop.png`), fullPage: true });
  }
});
