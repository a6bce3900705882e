import { defineConfig } from "@playwright/test";

/**
 * Real Chromium from Debian (Playwright cannot download its own browsers here) against the production build
 * started by scripts/with-emulators.ts. The flags keep Chromium from reaching for Google's services, which a
 * closed network refuses noisily.
 */
/**
 * The specs whose screens change layout with the width: the admin shell and navigation, the event pages
 * (forms, tables, live counters) and the guest's invitation page. Specs that only talk HTTP or repeat a flow on
 * screens these already cover (providers, delivery, access, csp) run once, on the phone, and so does the
 * concurrency test of the invitation form, which exercises the server, not the layout.
 */
const DESKTOP_SPECS = ["auth.spec.ts", "events.spec.ts", "invite.spec.ts"];

export default defineConfig({
  testDir: "tests/e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // A stray test.only committed would silently skip everything else in CI.
  forbidOnly: !!process.env.CI,
  reporter: [["list"], ["json", { outputFile: "test-results/e2e.json" }]],
  // Playwright empties its output folder when it starts: its own, so the other layers' reports in
  // test-results/ (the interleavings count, the unit and integration reports) survive the browser tests.
  outputDir: "test-results/e2e-artifacts",
  use: {
    baseURL: process.env.HERALD_E2E_BASE_URL ?? "http://127.0.0.1:3100",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.HERALD_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "phone", use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
    {
      name: "desktop",
      testMatch: DESKTOP_SPECS,
      grepInvert: /simultaneous accepts/,
      use: { viewport: { width: 1280, height: 800 } },
    },
  ],
});
