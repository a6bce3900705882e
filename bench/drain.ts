/**
 * npm run bench:drain — 5,000 queued invitations drained by the real worker process through three local
 * provider stand-ins (50 ms latency, 100 requests/s each, 429 beyond). One provider starts answering 5xx a
 * third of the way through; another hits its daily quota at 2,000. Duplicates and losses are counted at the
 * stand-ins (what they accepted), not from Herald's records. Three runs on fresh projects: one worker (whose
 * per-document writes give the hottest document), one SIGKILLed mid-run and restarted, and four workers at
 * once. In each, the workers are started and warmed up (600 emails, then fresh providers) behind the halt
 * switch, and the clock starts when the halt is lifted over the 5,000 queued jobs. Prints human progress on
 * stderr and one JSON line last on stdout.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, openSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bestThroughput, hottestDocument } from "./lib/drain-figures";

process.env.HERALD_TEST_PORT_OFFSET ??= "60";

const JOBS = Number(process.env.BENCH_DRAIN_JOBS ?? 5000);
/** Emails each run's workers send before the measured ones (BENCH_DRAIN_WARMUP=0: none), see runOnce. */
const WARMUP_JOBS = Number(process.env.BENCH_DRAIN_WARMUP ?? 600);
const TIMEOUT_MS = 6 * 60_000;

const say = (line: string) => process.stderr.write(`${line}\n`);

async function main() {
  const { startTestStack } = await import("../scripts/with-emulators");
  const { ROOT } = await import("../scripts/lib/local-stack");
  const { TEST_SECRETS } = await import("../scripts/lib/test-env");
  const { startSendgridStandin, startResendStandin } = await import("../tests/support/provider-standins");
  const { connectFirestore } = await import("../lib/adapters/firestore/connect");
  const { sealSecret } = await import("../lib/services/provider-config");
  const { ensureStarterTemplates } = await import("../lib/services/templates");
  const { setBurnBudget, setHalted } = await import("../lib/services/settings");
  const { inviteGuests } = await import("../lib/services/invitations");
  const { seedEvent, seedProvider, recipients, addresses } = await import("../tests/support/fixtures");

  // The worker runs from an esbuild bundle, as the deployed function does: peak memory then measures Herald,
  // not tsx compiling TypeScript on the fly.
  const { build } = await import("esbuild");
  const workerBundle = path.join(ROOT, ".herald-run/bench-worker.mjs");
  await build({
    entryPoints: [path.join(ROOT, "scripts/worker.ts")],
    outfile: workerBundle,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    packages: "external",
    alias: { "@": ROOT },
    logLevel: "warning",
  });

  say("starting the Firestore and Auth emulators…");
  const stack = await startTestStack({ app: false });
  const healthy = { latencyMs: 50, rateLimitPerSecond: 100 };
  const standins = {
    a: await startSendgridStandin({ apiKey: "key-a", behaviour: healthy }),
    b: await startResendStandin({ apiKey: "key-b", behaviour: { ...healthy, dailyQuota: 2000 } }),
    c: await startSendgridStandin({ apiKey: "key-c", behaviour: healthy }),
  };
  const workers: ChildProcess[] = [];

  const runOnce = async (name: string, killAfter: number | null, drains = 1) => {
    const projectId = `demo-bench-drain-${name}`;
    process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
    const { db, raw } = connectFirestore({ projectId, clock: { now: () => new Date() }, burnShards: 8 });
    const ctx = { db, clock: { now: () => new Date() }, tokenSecret: TEST_SECRETS.tokenSecret, baseUrl: String(stack.env.HERALD_BASE_URL) };
    // Fresh stand-ins and provider documents: no quota spent, no health history.
    const resetProviders = async () => {
      for (const s of Object.values(standins)) s.clear();
      standins.a.setBehaviour(healthy);
      standins.b.setBehaviour({ ...healthy, dailyQuota: 2000 });
      standins.b.resetQuota();
      const provider = (id: "a" | "b" | "c", kind: "sendgrid" | "resend", priority: number, dailyQuota: number | null) =>
        seedProvider(db, id, {
          name: `stand-in ${id}`,
          kind,
          priority,
          dailyQuota,
          ratePerSecond: 100,
          settings: { baseUrl: standins[id].url, timeoutMs: 5000 },
          secret: sealSecret(TEST_SECRETS.credentialsKey, id, `key-${id}`),
        });
      await provider("a", "sendgrid", 1, null);
      await provider("b", "resend", 1, 2000);
      await provider("c", "sendgrid", 1, null);
    };
    const queue = async (eventId: string, count: number, prefix: string) => {
      say(`[${name}] queueing ${count} invitations…`);
      const invited = await inviteGuests(ctx, eventId, recipients(addresses(count, prefix)));
      if (!invited.ok || invited.invited !== count) throw new Error(`seeding failed: ${JSON.stringify(invited).slice(0, 200)}`);
    };
    const burnTotals = async () =>
      (await raw.collection("burn").get()).docs.reduce(
        (t, d) => ({ reads: t.reads + (d.data().reads ?? 0), writes: t.writes + (d.data().writes ?? 0) }),
        { reads: 0, writes: 0 },
      );
    const finishedJobs = async () => (await raw.collection("jobs").where("state", "in", ["completed", "failed"]).count().get()).data().count;

    await ensureStarterTemplates(ctx);
    // Queueing and sending 5,000 emails costs about 20,000 writes, the whole free tier: the burn guard would
    // halt at 90 %. A project this busy runs on a paid plan.
    await setBurnBudget(db, ctx.clock, { reads: 1_000_000, writes: 1_000_000, deletes: 1_000_000 }, "bench");
    await resetProviders();
    // The drains are running when the jobs become theirs to send, as the local worker and the scheduled
    // function's warm instances are: the jobs wait behind the halt switch while the workers start, and the
    // clock starts when it is lifted. Timed from the spawn, four workers booting at once on two cores (1.1-1.4 s
    // of CPU each, mostly loading modules) cost four drains seconds that one drain does not pay: a cost of this
    // machine, not of draining (deployed, each overlapping run has an instance of its own). Each worker's boot
    // time is reported beside the run; a worker restarted after its SIGKILL still boots on the clock.
    await setHalted(db, ctx.clock, true, "bench");
    const warmupEventId = WARMUP_JOBS > 0 ? await seedEvent(ctx) : null;
    if (warmupEventId) await queue(warmupEventId, WARMUP_JOBS, "warmup");

    const writeLog = path.join(ROOT, `.herald-run/bench-drain-${name}-writes.json`);
    rmSync(writeLog, { force: true });
    const workerEnv = {
      ...stack.env,
      FIREBASE_PROJECT_ID: projectId,
      GCLOUD_PROJECT: projectId,
      HERALD_WORKER_INTERVAL_MS: "200",
      HERALD_DRAIN_LEASE_MS: "30000",
      // Herald sizes claims from the providers' rates; this only caps them, when set.
      ...(process.env.BENCH_DRAIN_CLAIM_SIZE ? { HERALD_DRAIN_CLAIM_SIZE: process.env.BENCH_DRAIN_CLAIM_SIZE } : {}),
      HERALD_DRAIN_CONCURRENCY: "64",
      HERALD_BURN_FLUSH_SECONDS: "1",
      // The scheduled function's own setting, not the tests' 2 s (there, an e2e test watches the guard trip):
      // at 2 s, four drains read the day's burn shards 70-100 times a run, each read queued on a busy emulator.
      HERALD_BURN_GUARD_REFRESH_SECONDS: "60",
      ...(drains === 1 && killAfter === null ? { HERALD_DOC_WRITE_LOG: writeLog } : {}),
    };
    // Each worker's own log (one line per drain run: claimed, sent, why it stopped), for a slow run's post-mortem.
    const workerLog = openSync(path.join(ROOT, `.herald-run/bench-drain-${name}-worker.log`), "w");
    const readyFiles: string[] = [];
    const startWorker = () => {
      // BENCH_DRAIN_CPU_PROF=1: each worker writes a V8 CPU profile into .herald-run/cpu-prof when it exits.
      const profile = process.env.BENCH_DRAIN_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", path.join(ROOT, ".herald-run/cpu-prof")] : [];
      const readyFile = path.join(ROOT, `.herald-run/bench-drain-${name}-ready-${workers.length}`);
      rmSync(readyFile, { force: true });
      readyFiles.push(readyFile);
      const child = spawn(process.execPath, [...profile, workerBundle], {
        cwd: ROOT,
        env: { ...workerEnv, HERALD_WORKER_READY_FILE: readyFile },
        stdio: ["ignore", workerLog, "inherit"],
      });
      workers.push(child);
      return child;
    };

    const spawnedAt = Date.now();
    const extra = Array.from({ length: drains - 1 }, () => startWorker());
    let worker = startWorker();
    const booting = [...readyFiles];
    const bootSeconds: number[] = [];
    while (bootSeconds.length < booting.length) {
      if (Date.now() - spawnedAt > 60_000) throw new Error(`[${name}] the workers did not start within a minute`);
      await new Promise((r) => setTimeout(r, 50));
      const ready = booting.filter((f) => existsSync(f)).length;
      while (bootSeconds.length < ready) bootSeconds.push(Number(((Date.now() - spawnedAt) / 1000).toFixed(2)));
    }
    say(`[${name}] ${drains} worker(s) up after ${bootSeconds.join(", ")} s`);
    if (warmupEventId) {
      // A warm-up round, as benchmarks of a JIT-compiled runtime do: a worker's first few hundred emails run
      // its send path unoptimised. One worker pays that once; four at once on two cores, beside the emulator,
      // took 10 s to reach the providers' rates where one took 2 s (bench:drain, 2026-12-03). A long-running
      // worker or a warm function instance has long paid it.
      await setHalted(db, ctx.clock, false, "bench");
      const warmupStarted = Date.now();
      while ((await finishedJobs()) < WARMUP_JOBS) {
        if (Date.now() - warmupStarted > 120_000) throw new Error(`[${name}] the warm-up round did not finish within two minutes`);
        await new Promise((r) => setTimeout(r, 250));
      }
      await setHalted(db, ctx.clock, true, "bench");
      say(`[${name}] warm-up round: ${WARMUP_JOBS} emails in ${((Date.now() - warmupStarted) / 1000).toFixed(1)} s`);
      // The runs that found the queue empty end within a second; then the providers start afresh.
      await new Promise((r) => setTimeout(r, 3_000));
      await resetProviders();
    }
    const eventId = await seedEvent(ctx);
    await queue(eventId, JOBS, "bench");
    // What the warm-up round read and wrote is not the measured emails' cost (the meters flush every second).
    await new Promise((r) => setTimeout(r, 2_000));
    const burnBefore = await burnTotals();
    say(`[${name}] lifting the halt`);
    const started = Date.now();
    await setHalted(db, ctx.clock, false, "bench");
    let killedAt: number | null = null;
    let failedA = false;
    let peakRssKb = 0;
    let done = 0;
    let lastCount = 0;
    let lastProgress = started;
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const accepted = standins.a.accepted + standins.b.accepted + standins.c.accepted;
      if (!failedA && accepted >= JOBS / 3) {
        failedA = true;
        standins.a.failFromNow(503);
        say(`[${name}] stand-in a now answers 503 (after ${accepted} accepted)`);
      }
      if (killAfter !== null && killedAt === null && accepted >= killAfter) {
        killedAt = accepted;
        say(`[${name}] SIGKILL the worker after ${accepted} accepted; restarting it`);
        peakRssKb = Math.max(peakRssKb, rssKb(worker.pid));
        worker.kill("SIGKILL");
        worker = startWorker();
      }
      peakRssKb = Math.max(peakRssKb, rssKb(worker.pid));
      if (Date.now() - lastProgress >= 5_000) {
        lastProgress = Date.now();
        say(`[${name}] ${((lastProgress - started) / 1000).toFixed(0)} s: ${accepted} accepted`);
      }
      if (Date.now() - started > TIMEOUT_MS) break;
      // Counting scans the emulator's whole job collection (~0.2 s of its CPU at 5,000 jobs), which would slow
      // what is measured: count once the stand-ins have accepted every email, and otherwise only every 10 s
      // (a run where some email fails for good never gets there).
      if (accepted < JOBS ? Date.now() - lastCount < 10_000 : Date.now() - lastCount < 500) continue;
      lastCount = Date.now();
      done = (await finishedJobs()) - WARMUP_JOBS;
      if (done >= JOBS) break;
    }
    // The run ends when the last job reached its final state, as recorded by the worker, not when we noticed.
    const lastFinish = await raw.collection("jobs").orderBy("updatedAt", "desc").limit(1).get();
    const finishedAt = lastFinish.docs[0]?.data().updatedAt?.toDate?.() as Date | undefined;
    const seconds = ((finishedAt ? finishedAt.getTime() : Date.now()) - started) / 1000;
    const exited = [worker, ...extra].map((w) => new Promise((r) => (w.exitCode === null ? w.once("exit", r) : r(null))));
    for (const w of [worker, ...extra]) w.kill("SIGTERM");
    await Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, 15_000))]);
    const hottest = existsSync(writeLog) ? hottestDocument(JSON.parse(readFileSync(writeLog, "utf8")) as Record<string, number[]>) : null;

    // Where the time went: requests each stand-in received per 2 s, "ok/failed", for a slow run's post-mortem.
    const timeline: string[] = [];
    for (let from = started; from < started + seconds * 1000; from += 2000) {
      const cell = (s: (typeof standins)["a"]) => {
        const inBucket = s.requests.filter((r) => r.receivedAt >= from && r.receivedAt < from + 2000);
        const ok = inBucket.filter((r) => r.status !== null && r.status < 300).length;
        return `${ok}/${inBucket.length - ok}`;
      };
      timeline.push(`${((from - started) / 1000).toFixed(0)}s a ${cell(standins.a)} b ${cell(standins.b)} c ${cell(standins.c)}`);
    }
    say(`[${name}] per 2 s, ok/failed: ${timeline.join(" | ")}`);

    // What the stand-ins accepted, by recipient and by idempotency key.
    const acceptedBy = new Map<string, Set<string>>();
    let acceptedTotal = 0;
    let rateLimited = 0;
    const perProvider: Record<string, number> = {};
    for (const [id, s] of Object.entries(standins)) {
      perProvider[id] = 0;
      for (const r of s.requests) {
        if (r.status === 429) rateLimited++;
        if (r.status === null || r.status >= 300) continue;
        const to = recipientOf(r.body);
        const keys = acceptedBy.get(to) ?? new Set<string>();
        const before = keys.size;
        keys.add(keyOf(r) ?? `no-key-${id}-${r.seq}`);
        acceptedBy.set(to, keys);
        // A replay of the same key is the provider's idempotency at work, not a second email.
        if (keys.size > before || id !== "b") {
          perProvider[id]!++;
          acceptedTotal++;
        }
      }
    }
    const jobs = await raw.collection("jobs").where("eventId", "==", eventId).get();
    let lost = 0;
    let stuck = 0;
    let sameKeyResends = 0;
    // Why the jobs that did not finish are waiting (their state, the reason Herald gave, attempts spent), so a
    // run with stuck jobs says what held them.
    const stuckReasons: Record<string, number> = {};
    for (const doc of jobs.docs) {
      const job = doc.data() as { state: string; to: { email: string }; waitingReason?: string | null; lastError?: { errorClass: string } | null; attempts: number };
      if (job.state !== "completed" && job.state !== "failed") {
        stuck++;
        const why = `${job.state}: ${job.waitingReason ?? job.lastError?.errorClass ?? "no reason"}, ${job.attempts} attempts`;
        stuckReasons[why] = (stuckReasons[why] ?? 0) + 1;
      }
      if (job.state === "completed" && !acceptedBy.has(job.to.email)) lost++;
    }
    lost += JOBS - jobs.size;
    const duplicatesWithNewKey = [...acceptedBy.values()].filter((keys) => keys.size > 1).length;
    sameKeyResends = acceptedTotal - acceptedBy.size - duplicatesWithNewKey;

    const burnAfter = await burnTotals();
    const totals = { reads: burnAfter.reads - burnBefore.reads, writes: burnAfter.writes - burnBefore.writes };
    const delivered = acceptedBy.size;
    return {
      seconds,
      done,
      delivered,
      emailsPerSecond: Number((delivered / seconds).toFixed(1)),
      perProvider,
      rateLimited,
      duplicates: duplicatesWithNewKey + Math.max(0, sameKeyResends),
      duplicatesWithNewKey,
      sameKeyResends: Math.max(0, sameKeyResends),
      lost,
      stuck,
      stuckReasons,
      readsPerEmail: Number((totals.reads / Math.max(1, delivered)).toFixed(3)),
      writesPerEmail: Number((totals.writes / Math.max(1, delivered)).toFixed(3)),
      peakRssMb: Math.round(peakRssKb / 1024),
      killedAfter: killedAt,
      bootSeconds,
      hottest,
    };
  };

  try {
    // BENCH_DRAIN_ONLY=normal|kill|four runs only that run, for a quicker before/after of one change; the
    // JSON line then has null for the others.
    const only = process.env.BENCH_DRAIN_ONLY;
    const runs = (name: string) => !only || only === name;
    const normal = runs("normal") ? await runOnce("normal", null) : null;
    say(`normal run: ${JSON.stringify(normal)}`);
    const killed = runs("kill") ? await runOnce("kill", Math.round(JOBS * 0.4)) : null;
    say(`kill run: ${JSON.stringify(killed)}`);
    const four = runs("four") ? await runOnce("four", null, 4) : null;
    say(`four-drain run: ${JSON.stringify(four)}`);
    // What the stand-ins allow at best: all three at 100/s, a until a third of the emails went out, b until
    // its 2,000, whatever the routing.
    const bound = bestThroughput(JOBS, [
      { id: "a", ratePerSecond: healthy.rateLimitPerSecond, quota: null, failsAfterTotal: JOBS / 3 },
      { id: "b", ratePerSecond: healthy.rateLimitPerSecond, quota: 2000, failsAfterTotal: null },
      { id: "c", ratePerSecond: healthy.rateLimitPerSecond, quota: null, failsAfterTotal: null },
    ]);
    console.log(
      JSON.stringify({
        bench: "drain",
        jobs: JOBS,
        emailsPerSecond: normal?.emailsPerSecond ?? null,
        boundEmailsPerSecond: Number(bound.emailsPerSecond.toFixed(1)),
        efficiency: normal ? Number((normal.emailsPerSecond / bound.emailsPerSecond).toFixed(3)) : null,
        wallSeconds: normal?.seconds,
        sendsPerProvider: normal?.perProvider,
        rateLimited: normal?.rateLimited,
        duplicates: normal?.duplicates,
        lost: normal?.lost,
        stuck: normal?.stuck,
        stuckReasons: normal?.stuckReasons,
        readsPerEmail: normal?.readsPerEmail,
        writesPerEmail: normal?.writesPerEmail,
        hottestDocWritesPerSecond: normal?.hottest?.writesPerSecond ?? null,
        hottestDoc: normal?.hottest?.path ?? null,
        hottestDocWrites: normal?.hottest?.total ?? null,
        peakRssMb: normal?.peakRssMb,
        workerBootSeconds: normal?.bootSeconds,
        killRun: killed && {
          lost: killed.lost,
          stuck: killed.stuck,
          duplicatesWithNewKey: killed.duplicatesWithNewKey,
          sameKeyResends: killed.sameKeyResends,
          killedAfterAccepted: killed.killedAfter,
          wallSeconds: killed.seconds,
        },
        fourDrains: four && {
          emailsPerSecond: four.emailsPerSecond,
          duplicates: four.duplicates,
          lost: four.lost,
          stuck: four.stuck,
          stuckReasons: four.stuckReasons,
          rateLimited: four.rateLimited,
          readsPerEmail: four.readsPerEmail,
          writesPerEmail: four.writesPerEmail,
          wallSeconds: four.seconds,
          workerBootSeconds: four.bootSeconds,
        },
        loadAverage1m: os.loadavg()[0],
      }),
    );
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
    await Promise.all(Object.values(standins).map((s) => s.close()));
    await stack.stop();
  }
}

/** Resend carries the key as a header; SendGrid as a custom arg in the body. */
function keyOf(r: { idempotencyKey: string | null; body: unknown }): string | null {
  const b = r.body as { custom_args?: Record<string, string>; personalizations?: { custom_args?: Record<string, string> }[] } | null;
  return (
    r.idempotencyKey ??
    b?.custom_args?.herald_idempotency_key ??
    b?.personalizations?.[0]?.custom_args?.herald_idempotency_key ??
    null
  );
}

function recipientOf(body: unknown): string {
  const b = body as { to?: string | string[]; personalizations?: { to?: { email: string }[] }[] } | null;
  const sendgrid = b?.personalizations?.[0]?.to?.[0]?.email;
  const resend = Array.isArray(b?.to) ? b?.to[0] : b?.to;
  return String(sendgrid ?? resend ?? "unknown").replace(/^.*<|>$/g, "").toLowerCase();
}

function rssKb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
