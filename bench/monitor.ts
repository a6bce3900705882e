/**
 * `npm run bench:monitor`: the operators' console left open while a drain runs. A stack with 30 days of burn
 * history and 10,000 jobs (9,300 of them history, 700 queued and draining through three rate-limited
 * provider stand-ins); the Burn Monitor and the Sent Tracker open in headless
 * Chromium for ten minutes. Measures what the two pages cost in Firestore reads after loading, how long a
 * change takes to reach the screen, how long each page takes to load, and what the tracker's first page reads.
 * See bench/README.md.
 */
import path from "node:path";
import { chromium, type Browser, type Page } from "@playwright/test";
import { type Firestore, type Timestamp } from "firebase-admin/firestore";
import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import { readBurnReport } from "@/lib/services/burn-report";
import type { ServiceContext } from "@/lib/services/context";
import { createEvent } from "@/lib/services/events";
import { inviteGuests } from "@/lib/services/invitations";
import { setBurnBudget } from "@/lib/services/settings";
import { ensureStarterTemplates } from "@/lib/services/templates";
import { addresses, eventInput, recipients } from "@/tests/support/fixtures";
import { startResendStandin, startSendgridStandin } from "@/tests/support/provider-standins";
import playwrightConfig from "../playwright.config";
import { ensureProductionBuild } from "./lib/build";
import { seedBurnHistory, seedJobHistory, seedProviders } from "./lib/console-seed";
import { progress, round } from "./lib/output";
import { runBench, withTestStack } from "./lib/stack";
import { percentile } from "./lib/stats";

const ROOT = path.resolve(import.meta.dirname, "..");
const WINDOW_MS = Number(process.env.BENCH_MONITOR_MINUTES ?? 10) * 60_000;
const TOTAL_JOBS = 10_000;
/**
 * A drain run (50 s budget, then 10 s idle) sends one claim of 100 at the stand-ins' 2.7 a second, so about 1.5
 * a second overall: 700 drain in about 7.5 minutes, and the rows on screen (the newest, sent last) change in
 * the window.
 */
const QUEUED = 700;
const LOADS_PER_PAGE = 5;
const PROGRESS_EVERY_MS = 60_000;
/** The app flushes its burn meter every 15 s (production's default, used here): wait a little longer. */
const FLUSH_WAIT_MS = 17_000;

/** Production's intervals, not the e2e stack's quick ones: the reads measured depend on them. */
const PRODUCTION_LIKE = {
  HERALD_BURN_FLUSH_SECONDS: "15",
  HERALD_WORKER_INTERVAL_MS: "10000",
  HERALD_WORKER_BUDGET_MS: "50000",
  HERALD_BURN_GUARD_REFRESH_SECONDS: "60",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads the app made for these operations today, from the shards its meter flushes. */
async function appReads(ctx: ServiceContext, match: (operation: string) => boolean): Promise<number> {
  const report = await readBurnReport(ctx.db, firestoreQuotaDay(new Date()), "bench.read");
  return report.operations.filter((o) => match(o.operation)).reduce((sum, o) => sum + o.reads, 0);
}

const trackerOps = (op: string) => op.startsWith("tracker.") || op === "settings.read";
const pageActionOps = (op: string) => op === "monitor.providers" || op === "monitor.queue" || op.startsWith("tracker.");

async function signIn(page: Page, baseUrl: string) {
  await page.goto(`${baseUrl}/signin`);
  await page.getByLabel("Email").fill("admin@herald.local");
  await page.getByLabel("Password").fill("test-admin-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(/\/admin$/);
}

async function waitLive(page: Page) {
  await page.getByTestId("live-status").first().filter({ hasText: /^Live$/ }).waitFor({ timeout: 60_000 });
}

/** Navigation start to the load event, as the browser measured it. */
async function loadMs(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: "load" });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
    return nav ? nav.loadEventEnd : Number.NaN;
  });
}

/** Navigation start to the moment the monitor shows the queue it counts after loading. */
async function queueShownMs(page: Page): Promise<number> {
  await page.getByTestId("queue-health").waitFor({ timeout: 60_000 });
  return page.evaluate(() => performance.now());
}

interface PageLive {
  initialReads: number;
  laterReads: number;
  deliveries: { path: string; version: number | null; receivedAt: number; shownAt: number | null }[];
}

const liveState = (page: Page) =>
  page.evaluate(() => {
    const s = (globalThis as unknown as { __heraldLive?: PageLive }).__heraldLive;
    return s ? { initialReads: s.initialReads, laterReads: s.laterReads, deliveries: s.deliveries } : { initialReads: 0, laterReads: 0, deliveries: [] };
  });

const millis = (v: unknown) => (v && typeof v === "object" && "toMillis" in v ? (v as Timestamp).toMillis() : v instanceof Date ? v.getTime() : null);

/**
 * When each version of the documents the pages show was committed, from a listener of the bench's own: the
 * document's updateTime is the commit time, and its `updatedAt` field names the version the page saw.
 */
function watchCommits(raw: Firestore, day: string, jobIds: string[]) {
  const commits = new Map<string, number>();
  const record = (collection: string) => (snap: FirebaseFirestore.QuerySnapshot) => {
    for (const c of snap.docChanges()) {
      if (c.type === "removed") continue;
      commits.set(`${collection}/${c.doc.id}|${millis(c.doc.get("updatedAt"))}`, c.doc.updateTime.toMillis());
    }
  };
  const stops = [
    raw.collection("burn").where("day", "==", day).onSnapshot(record("burn")),
    raw.collection("providers").onSnapshot(record("providers")),
    // One listener per job, as the Tracker listens: a `documentId in` query listener makes the emulator
    // re-evaluate it against every job written, which slowed the drain and every listener by seconds.
    ...jobIds.slice(0, 30).map((id) =>
      raw.collection("jobs").doc(id).onSnapshot((snap) => {
        if (snap.exists && snap.updateTime) commits.set(`jobs/${id}|${millis(snap.get("updatedAt"))}`, snap.updateTime.toMillis());
      }),
    ),
  ];
  return { commits, stop: () => stops.forEach((s) => s()) };
}

async function main(): Promise<Record<string, unknown>> {
  const distDir = process.env.HERALD_NEXT_DIST_DIR ?? ".next";
  const build = await ensureProductionBuild(ROOT, distDir);
  const standins = [
    await startSendgridStandin({ apiKey: "key-a", behaviour: { latencyMs: 40 }, recordBodies: false }),
    await startResendStandin({ apiKey: "key-b", behaviour: { latencyMs: 40 }, recordBodies: false }),
    await startSendgridStandin({ apiKey: "key-c", behaviour: { latencyMs: 40 }, recordBodies: false }),
  ];
  let browser: Browser | null = null;
  let stopWorker: (() => Promise<void>) | null = null;
  try {
    return await withTestStack({ app: true, worker: false, env: PRODUCTION_LIKE }, async (stack) => {
      const { TEST_SECRETS } = await import("../scripts/lib/test-env");
      const { startWorker } = await import("../scripts/lib/local-stack");
      const { Supervisor } = await import("../scripts/lib/supervisor");
      const workers = new Supervisor();
      stopWorker = () => workers.stopAll();
      const { ctx, firestore } = stack;
      const baseUrl = ctx.baseUrl;
      const today = firestoreQuotaDay(new Date());
      stack.firestore.meter.startAutoFlush(15_000, () => undefined);

      progress(`seeding: providers, a paid budget, 30 days of burn, ${TOTAL_JOBS - QUEUED} settled jobs`);
      await ensureStarterTemplates(ctx);
      await seedProviders(stack, standins, TEST_SECRETS.credentialsKey);
      // Seeding 10,000 jobs costs more than the free tier's writes: an operator of this size pays for a plan.
      await setBurnBudget(ctx.db, ctx.clock, { reads: 1_000_000, writes: 500_000, deletes: 500_000 }, "bench");
      const eventIds: string[] = [];
      for (const title of ["Spring launch", "Partner day"]) {
        const created = await createEvent(ctx, eventInput({ title }), { name: "Bench host", email: "host@herald.local" });
        if (!created.ok) throw new Error(created.message);
        eventIds.push(created.id);
      }
      await seedBurnHistory(firestore.raw, today);
      await seedJobHistory(firestore.raw, eventIds, TOTAL_JOBS - QUEUED);
      progress(`queueing ${QUEUED} invitations`);
      const invited = await inviteGuests(ctx, eventIds[0]!, recipients(addresses(QUEUED, "queued")));
      if (!invited.ok || invited.invited !== QUEUED) throw new Error("queueing failed");
      const jobsStored = (await firestore.raw.collection("jobs").count().get()).data().count;

      browser = await chromium.launch({
        executablePath: process.env.HERALD_CHROMIUM ?? "/usr/bin/chromium",
        // The e2e tests' flags, and: two windows side by side, both on screen, so neither may be throttled as a
        // background tab would be.
        args: [
          ...(playwrightConfig.use?.launchOptions?.args ?? []),
          "--disable-background-timer-throttling",
          "--disable-backgrounding-occluded-windows",
          "--disable-renderer-backgrounding",
        ],
      });
      const openWindow = async () => {
        const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        await signIn(page, baseUrl);
        return page;
      };
      const probe = await openWindow();

      // The first load of the monitor files the 30 missing days into the history document (a one-off).
      const t0 = performance.now();
      await probe.goto(`${baseUrl}/admin/burn`, { waitUntil: "load" });
      const monitorFirstLoadMs = Math.round(performance.now() - t0);
      await probe.goto(`${baseUrl}/admin/tracker`, { waitUntil: "load" });

      progress("the tracker's first page: reads counted by the app's burn meter");
      await sleep(FLUSH_WAIT_MS);
      const trackerBefore = await appReads(ctx, trackerOps);
      await probe.goto(`${baseUrl}/admin/tracker`, { waitUntil: "load" });
      await sleep(FLUSH_WAIT_MS);
      const trackerFirstPageReads = (await appReads(ctx, trackerOps)) - trackerBefore;

      progress(`initial loads, ${LOADS_PER_PAGE} of each page`);
      const loads: Record<string, number[]> = { monitor: [], tracker: [], monitorQueueShown: [] };
      for (let i = 0; i < LOADS_PER_PAGE; i++) {
        loads.monitor!.push(await loadMs(probe, `${baseUrl}/admin/burn`));
        loads.monitorQueueShown!.push(await queueShownMs(probe));
        loads.tracker!.push(await loadMs(probe, `${baseUrl}/admin/tracker`));
      }
      await probe.close();
      // The worker starts only now. The emulator, unlike Firestore, scans the collection for every count and
      // locks what it reads, so the loads above (nine counts each) would stall a drain's claims and skew both.
      progress("starting the worker");
      await startWorker(workers, { env: stack.env, logDir: path.join(ROOT, ".herald-run/bench-monitor"), readyFile: path.join(ROOT, ".herald-run/bench-monitor/worker.ready") });
      const median = (xs: number[]) => percentile(Float64Array.from(xs).sort(), 50);
      const loadMedian = { monitor: round(median(loads.monitor!), 0), tracker: round(median(loads.tracker!), 0) };

      progress(`opening both pages for ${WINDOW_MS / 60_000} minutes while the drain runs`);
      const monitor = await openWindow();
      const tracker = await openWindow();
      await monitor.goto(`${baseUrl}/admin/burn`);
      await tracker.goto(`${baseUrl}/admin/tracker`);
      await Promise.all([waitLive(monitor), waitLive(tracker)]);
      await sleep(FLUSH_WAIT_MS);
      const visibleJobs = await tracker.locator("[data-job-id]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-job-id") ?? ""));
      const watcher = watchCommits(firestore.raw, today, visibleJobs);
      const start = { monitor: await liveState(monitor), tracker: await liveState(tracker), actions: await appReads(ctx, pageActionOps) };
      const acceptedAtStart = standins.reduce((s, x) => s + x.accepted, 0);
      const windowStart = Date.now();

      while (Date.now() - windowStart < WINDOW_MS) {
        await sleep(Math.min(PROGRESS_EVERY_MS, WINDOW_MS - (Date.now() - windowStart)));
        progress(`${Math.round((Date.now() - windowStart) / 1000)} s: ${standins.reduce((s, x) => s + x.accepted, 0) - acceptedAtStart} emails sent so far`);
      }
      const end = { monitor: await liveState(monitor), tracker: await liveState(tracker) };
      const sentInWindow = standins.reduce((s, x) => s + x.accepted, 0) - acceptedAtStart;
      await sleep(FLUSH_WAIT_MS);
      const actionReads = (await appReads(ctx, pageActionOps)) - start.actions;
      watcher.stop();

      const listenerReads = {
        monitor: end.monitor.laterReads - start.monitor.laterReads,
        tracker: end.tracker.laterReads - start.tracker.laterReads,
      };
      const delays: number[] = [];
      const byCollection: Record<string, number[]> = {};
      /** The slow ones, split into commit → received by the page and received → on screen, for a diagnosis. */
      const slow: { path: string; atS: number; receiveMs: number; renderMs: number }[] = [];
      let unmatched = 0;
      for (const d of [...end.monitor.deliveries, ...end.tracker.deliveries]) {
        if (d.receivedAt < windowStart || d.version === null) continue;
        const committed = watcher.commits.get(`${d.path}|${d.version}`);
        if (committed === undefined || d.shownAt === null) {
          unmatched++;
          continue;
        }
        const delay = d.shownAt - committed;
        delays.push(delay);
        if (delay > 2_000) slow.push({ path: d.path, atS: round((committed - windowStart) / 1000, 1), receiveMs: d.receivedAt - committed, renderMs: d.shownAt - d.receivedAt });
        (byCollection[d.path.split("/")[0]!] ??= []).push(delay);
      }
      const sorted = Float64Array.from(delays).sort();
      const pageReadsPer10Min = round(((listenerReads.monitor + listenerReads.tracker + actionReads) * 600_000) / WINDOW_MS, 1);
      const changeToScreenP95Ms = round(percentile(sorted, 95), 0);
      const loadMsMax = Math.max(loadMedian.monitor, loadMedian.tracker);
      return {
        windowMinutes: WINDOW_MS / 60_000,
        jobsStored,
        pageReads: { listener: listenerReads, serverActions: actionReads, initialListener: { monitor: start.monitor.initialReads, tracker: start.tracker.initialReads } },
        changes: {
          count: delays.length,
          unmatched,
          p50Ms: round(percentile(sorted, 50), 0),
          p95Ms: changeToScreenP95Ms,
          maxMs: round(sorted.at(-1) ?? Number.NaN, 0),
          slowest: slow.sort((x, y) => y.receiveMs + y.renderMs - (x.receiveMs + x.renderMs)).slice(0, 12),
          byCollection: Object.fromEntries(
            Object.entries(byCollection).map(([k, v]) => {
              const s = Float64Array.from(v).sort();
              return [k, { count: v.length, p50Ms: round(percentile(s, 50), 0), p95Ms: round(percentile(s, 95), 0) }];
            }),
          ),
        },
        loads: {
          monitorMs: loads.monitor!.map((v) => round(v, 0)),
          trackerMs: loads.tracker!.map((v) => round(v, 0)),
          medianMs: loadMedian,
          monitorQueueShownMs: loads.monitorQueueShown!.map((v) => round(v, 0)),
          monitorFirstLoadMsWithHistoryBackfill: monitorFirstLoadMs,
        },
        drain: { sentInWindow },
        build,
        targets: { pageReadsPer10Min: "<= 100", changeToScreenP95Ms: "< 2000", loadMsMax: "< 1500", trackerFirstPageReads: "<= 60" },
        targetsMet: {
          pageReadsPer10Min: pageReadsPer10Min <= 100,
          changeToScreenP95Ms: changeToScreenP95Ms < 2_000,
          loadMsMax: loadMsMax < 1_500,
          trackerFirstPageReads: trackerFirstPageReads <= 60,
        },
        pageReadsPer10Min,
        changeToScreenP95Ms,
        loadMsMax,
        trackerFirstPageReads,
      };
    });
  } finally {
    await (stopWorker as (() => Promise<void>) | null)?.().catch(() => undefined);
    await (browser as Browser | null)?.close().catch(() => undefined);
    await Promise.all(standins.map((s) => s.close()));
  }
}

void runBench("monitor", main);
