/**
 * `npm run bench:webhooks`: provider webhooks against the production build. 1,000 signed events (900 distinct,
 * 100 replays, some racing their originals) posted by 50 concurrent clients to /api/webhooks/sendgrid and
 * /api/webhooks/resend, while the applier the scheduled run calls works through the webhook inbox every ten seconds,
 * as the local worker does; then Firestore is read back to check every event was applied exactly once. See
 * bench/README.md.
 */
import path from "node:path";
import { createSimulatedMailer } from "@/lib/adapters/email/simulated";
import { createMailer } from "@/lib/adapters/email/create-mailer";
import type { WebhookProvider } from "@/lib/domain/delivery/reports";
import { suppressionSlot } from "@/lib/domain/suppression";
import { checkInvariants } from "@/lib/services/doctor";
import { drainQueue, newDrainId } from "@/lib/services/drain";
import { inviteGuests } from "@/lib/services/invitations";
import { sealWebhookKey } from "@/lib/services/provider-config";
import { applyWebhookInbox, type WebhookSummary } from "@/lib/services/webhooks";
import { ensureStarterTemplates } from "@/lib/services/templates";
import { addresses, recipients, seedEvent, seedProvider } from "@/tests/support/fixtures";
import {
  resendEvent,
  sendgridEvent,
  signResendWebhook,
  signSendgridWebhook,
  standinWebhookKeys,
  type SignedPost,
  type WebhookEventKind,
} from "@/tests/support/provider-standins";
import { ensureProductionBuild } from "./lib/build";
import { latencies, runClients, statusCounts, timedRequest, type BenchRequest } from "./lib/http";
import { progress, round } from "./lib/output";
import { runBench, withTestStack } from "./lib/stack";
import { cpuSince, sampleCpu, summarize } from "./lib/stats";
import { burnDelta, serverBurn } from "./lib/verify";

const ROOT = path.resolve(import.meta.dirname, "..");
const CLIENTS = 50;
/** Guests per provider; each gets two reports, so 900 distinct events in all. */
const GUESTS_PER_PROVIDER = 225;
/** SendGrid posts its events in batches (every ~30 s or 768 KB); Resend posts each event on its own. */
const SENDGRID_BATCH = 10;
/** Replayed events: half SendGrid (whole batches posted again), half Resend (messages delivered again). */
const REPLAYS = 100;
/** Signed posts about a guest outside the measurement, before it: see the warm-up below. */
const WARM_POSTS = 300;
const TARGETS = { p99Ms: 300, writesPerEvent: 2 };
/**
 * The applier runs this often during the bench: the interval of the worker `npm start` runs (scripts/worker.ts);
 * the scheduled function runs once a minute.
 */
const APPLY_EVERY_MS = 10_000;

/**
 * Each guest's two reports, in the order a provider would send them. Per 20 guests: 2 hard bounces, 1
 * complaint, 2 soft bounces, and 15 deferrals followed by a delivery: a bad list's day, bounce-heavy on purpose.
 */
function reportsFor(i: number): [WebhookEventKind, WebhookEventKind] {
  const slot = i % 20;
  if (slot < 2) return ["deferred", "hard_bounce"];
  if (slot === 2) return ["delivered", "complaint"];
  if (slot < 5) return ["deferred", "soft_bounce"];
  return ["deferred", "delivered"];
}

const expectedState = (kinds: readonly WebhookEventKind[]) =>
  kinds.includes("hard_bounce") || kinds.includes("complaint") ? "bounced" : kinds.includes("soft_bounce") ? "failed" : "sent";

interface Planned {
  provider: WebhookProvider;
  /** Events this request carries (a SendGrid batch holds several). */
  events: number;
  replay: boolean;
  /** Signed when posted: Resend's signatures must be fresh (five minutes), as a real redelivery's are. */
  sign: () => SignedPost;
}

function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed;
  const next = () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

await runBench("webhooks", async () => {
  const distDir = process.env.HERALD_NEXT_DIST_DIR ?? ".next";
  const build = await ensureProductionBuild(ROOT, distDir);

  return withTestStack({ app: true, worker: false }, async (stack) => {
    const { ctx } = stack;
    const base = stack.env.HERALD_BASE_URL!;
    const credentialsKey = stack.env.HERALD_CREDENTIALS_KEY!;
    const flushMs = Number(stack.env.HERALD_BURN_FLUSH_SECONDS ?? 15) * 1000;
    const raw = stack.firestore.raw;
    const keys = standinWebhookKeys();

    progress("seeding providers with webhook keys, an event and its invitations, sent in simulation");
    for (const provider of ["sendgrid", "resend"] as const) {
      const key = provider === "sendgrid" ? keys.sendgrid.verificationKey : keys.resend;
      // Enabled, as inviting requires; the drain below runs in simulation mode, so nothing reaches them.
      await seedProvider(ctx.db, provider, { name: provider, kind: provider, enabled: true, webhookKey: sealWebhookKey(credentialsKey, provider, key) });
    }
    await ensureStarterTemplates(ctx);
    const eventId = await seedEvent(ctx, { title: "Bench webhooks" });
    const invited = await inviteGuests(ctx, eventId, recipients(addresses(GUESTS_PER_PROVIDER * 2, "hooked")));
    if (!invited.ok) throw new Error(invited.message);
    const guests = invited.rows.flatMap((r) => (r.outcome === "invited" ? [{ id: r.invitationId, email: r.email }] : []));
    const warm = await inviteGuests(ctx, eventId, recipients(addresses(1, "warm")));
    if (!warm.ok) throw new Error(warm.message);
    // Simulation records every email as sent (nothing leaves), which is all a report needs to apply to.
    await raw.collection("settings").doc("runtime").set({ simulation: true }, { merge: true });
    const drained = await drainQueue(
      {
        db: ctx.db,
        clock: ctx.clock,
        random: { next: Math.random },
        mailerFactory: (connection) => createMailer(connection),
        simulatedMailer: createSimulatedMailer(),
        credentialsKey,
        tokenSecret: stack.tokenSecret,
        baseUrl: ctx.baseUrl,
      },
      { drainId: newDrainId(), budgetMs: 60_000 },
    );
    await raw.collection("settings").doc("runtime").set({ simulation: false }, { merge: true });
    if (drained.simulated !== guests.length + 1) throw new Error(`the drain recorded ${drained.simulated} of ${guests.length} emails`);

    progress(`building ${GUESTS_PER_PROVIDER * 4} events and ${REPLAYS} replays`);
    const now = Math.floor(Date.now() / 1000);
    const planned: Planned[] = [];
    const sendgridEvents: Record<string, unknown>[] = [];
    const resendPosts: Planned[] = [];
    const expected = new Map<string, { ids: string[]; kinds: WebhookEventKind[]; email: string }>();
    guests.forEach((guest, i) => {
      const provider: WebhookProvider = i % 2 === 0 ? "sendgrid" : "resend";
      const kinds = reportsFor(Math.floor(i / 2));
      const jobId = `${guest.id}-1`;
      const ids: string[] = [];
      kinds.forEach((kind, k) => {
        if (provider === "sendgrid") {
          const event: Record<string, unknown> = { ...sendgridEvent(kind, guest.email, now + k, `m${i}`), herald_idempotency_key: jobId };
          ids.push(`sendgrid:${String(event.sg_event_id)}`);
          sendgridEvents.push(event);
        } else {
          const messageId = `msg_bench_${i}_${k}`;
          const body = JSON.stringify(resendEvent(kind, { email_id: `re-${i}`, to: [guest.email], tags: { herald_job: jobId } }));
          ids.push(`resend:${messageId}`);
          resendPosts.push({ provider, events: 1, replay: false, sign: () => signResendWebhook(keys.resend, messageId, body) });
        }
      });
      expected.set(guest.id, { ids, kinds, email: guest.email });
    });
    // Batches mix guests, so one guest's two reports often travel in different, concurrent posts.
    shuffle(sendgridEvents, 7);
    const sendgridPosts: Planned[] = [];
    for (let i = 0; i < sendgridEvents.length; i += SENDGRID_BATCH) {
      const body = JSON.stringify(sendgridEvents.slice(i, i + SENDGRID_BATCH));
      const events = Math.min(SENDGRID_BATCH, sendgridEvents.length - i);
      sendgridPosts.push({ provider: "sendgrid", events, replay: false, sign: () => signSendgridWebhook(keys.sendgrid.privateKey, body) });
    }
    planned.push(...sendgridPosts, ...resendPosts);
    // Replays: the same bodies and event ids delivered again, as a provider does after a timeout. Shuffled in
    // with the originals, so some race them and some come after.
    const replayedSendgrid = sendgridPosts.slice(0, REPLAYS / 2 / SENDGRID_BATCH);
    const replayedResend = resendPosts.slice(0, REPLAYS / 2);
    planned.push(...[...replayedSendgrid, ...replayedResend].map((p) => ({ ...p, replay: true })));
    shuffle(planned, 11);
    const events = planned.reduce((n, p) => n + p.events, 0);
    const replays = planned.filter((p) => p.replay).reduce((n, p) => n + p.events, 0);

    // Warm-up: loads the routes, the key cache and the JIT, on requests that change nothing (a wrong key), then
    // on signed reports about one guest who is not measured, so the emulator's write path is warm too (a freshly
    // started emulator takes seconds over its first few hundred writes; Firestore itself has no such start).
    const other = standinWebhookKeys();
    for (let i = 0; i < 20; i++) {
      await timedRequest(`${base}/api/webhooks/sendgrid`, post(signSendgridWebhook(other.sendgrid.privateKey, "[]")));
      await timedRequest(`${base}/api/webhooks/resend`, post(signResendWebhook(other.resend, `msg_warm_${i}`, "{}")));
    }
    const [warmGuest] = warm.rows.flatMap((r) => (r.outcome === "invited" ? [r] : []));
    if (!warmGuest) throw new Error("the warm-up guest was not invited");
    await runClients(WARM_POSTS, CLIENTS, (i) => {
      const body = JSON.stringify(resendEvent("deferred", { email_id: "re-warm", to: [warmGuest.email], tags: { herald_job: `${warmGuest.invitationId}-1` } }));
      return timedRequest(`${base}/api/webhooks/resend`, post(signResendWebhook(keys.resend, `msg_warm_ok_${i}`, body)));
    });
    await applyWebhookInbox(ctx, { budgetMs: 30_000 });
    await stack.firestore.meter.flush();
    await sleep(flushMs + 1_500);
    const burn0 = await serverBurn(ctx, "webhook");

    progress(`posting ${planned.length} requests (${events} events, ${replays} of them replays), ${CLIENTS} clients; applying every ${APPLY_EVERY_MS} ms`);
    const applied: WebhookSummary = { applied: 0, replayed: 0, ignored: 0, pending: 0 };
    let posting = true;
    let inboxLeft = -1;
    const applier = (async () => {
      // What the worker does on its timer, here in the bench's process so its cost is metered with the rest.
      for (;;) {
        const started = Date.now();
        const run = await applyWebhookInbox(ctx, { budgetMs: 10_000 });
        for (const key of Object.keys(applied) as (keyof WebhookSummary)[]) applied[key] += run[key];
        inboxLeft = (await raw.collection("webhookInbox").count().get()).data().count;
        if (!posting && inboxLeft === 0) return;
        await sleep(Math.max(0, APPLY_EVERY_MS - (Date.now() - started)));
      }
    })();
    const cpu = sampleCpu();
    const run = await runClients(planned.length, CLIENTS, (i) => timedRequest(`${base}/api/webhooks/${planned[i]!.provider}`, post(planned[i]!.sign())));
    const cpuUsed = cpuSince(cpu);
    posting = false;
    const lastAnswer = Date.now();
    await applier;
    const applyLagMs = Date.now() - lastAnswer;
    progress(`  inbox applied ${applyLagMs} ms after the last answer: ${JSON.stringify(applied)}`);
    await stack.firestore.meter.flush();
    const summary = summarize(latencies(run.samples));
    const statuses = statusCounts(run.samples);
    progress(`  p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms, statuses ${JSON.stringify(statuses)} in ${run.seconds.toFixed(1)} s`);
    const byProvider = (provider: WebhookProvider) =>
      summarize(latencies(run.samples.filter((_, i) => planned[i]!.provider === provider))).p99Ms;
    await sleep(flushMs + 1_500);
    const burn = burnDelta(burn0, await serverBurn(ctx, "webhook"));

    // The floor: the same requests signed with keys the providers do not have. The route reads the body,
    // verifies, and refuses with 401: no Firestore at all. No webhook that stores what it accepts can answer
    // faster than this on the same machine.
    progress(`floor: the same ${planned.length} requests signed with wrong keys, ${CLIENTS} clients`);
    const forged = await runClients(planned.length, CLIENTS, (i) => {
      const p = planned[i]!;
      const body = p.sign().body;
      return timedRequest(
        `${base}/api/webhooks/${p.provider}`,
        post(p.provider === "sendgrid" ? signSendgridWebhook(other.sendgrid.privateKey, body) : signResendWebhook(other.resend, `msg_forged_${i}`, body)),
      );
    });
    const floor = summarize(latencies(forged.samples));
    progress(`  p50 ${floor.p50Ms} ms, p99 ${floor.p99Ms} ms, statuses ${JSON.stringify(statusCounts(forged.samples))}`);

    progress("reading the invitations, counters and suppression list back from Firestore");
    const stored = await raw.collection("invitations").where("eventId", "==", eventId).get();
    const problems: string[] = [];
    let recorded = 0;
    for (const doc of stored.docs) {
      const want = expected.get(doc.id);
      if (!want) continue;
      const reports = (doc.get("deliveryReports") ?? []) as { id: string }[];
      recorded += reports.length;
      for (const id of want.ids) {
        const n = reports.filter((r) => r.id === id).length;
        if (n !== 1) problems.push(`${doc.id}: event ${id} recorded ${n} times`);
      }
      if (reports.length !== want.ids.length) problems.push(`${doc.id}: ${reports.length} reports for ${want.ids.length} events`);
      const state = doc.get("delivery.state") as string;
      if (state !== expectedState(want.kinds)) problems.push(`${doc.id}: delivery ${state}, expected ${expectedState(want.kinds)}`);
    }
    const suppressedExpected = [...expected.values()].filter((e) => e.kinds.includes("hard_bounce") || e.kinds.includes("complaint"));
    const shards = await raw.collection("suppressions").get();
    const suppressedFields = new Set(shards.docs.flatMap((d) => Object.keys((d.get("entries") ?? {}) as object)));
    for (const e of suppressedExpected) {
      if (!suppressedFields.has(suppressionSlot(e.email.toLowerCase()).field)) problems.push(`${e.email} is not suppressed`);
    }
    if (suppressedFields.size !== suppressedExpected.length) problems.push(`${suppressedFields.size} suppressed, expected ${suppressedExpected.length}`);
    const doctor = await checkInvariants(ctx.db, ctx.clock, { eventIds: [eventId] });
    for (const v of doctor.violations) problems.push(`doctor: [${v.check}] ${v.path}: ${v.detail}`);
    if (inboxLeft !== 0) problems.push(`${inboxLeft} inbox documents left`);
    const appliedExactlyOnce = problems.length === 0 && recorded === events - replays && run.samples.every((s) => s.status === 200);
    for (const p of problems.slice(0, 10)) progress(`  problem: ${p}`);

    const writesPerEvent = round(burn.writes / events, 3);
    return {
      events,
      appliedExactlyOnce,
      p99Ms: summary.p99Ms,
      writesPerEvent,
      targets: TARGETS,
      targetsMet: { p99Ms: summary.p99Ms < TARGETS.p99Ms, writesPerEvent: writesPerEvent <= TARGETS.writesPerEvent },
      distinctEvents: events - replays,
      replays,
      requests: planned.length,
      clients: CLIENTS,
      latency: { ...summary, sendgridP99Ms: byProvider("sendgrid"), resendP99Ms: byProvider("resend") },
      statuses,
      seconds: round(run.seconds, 2),
      applyLagMs,
      applied,
      refusedFloor: { p50Ms: floor.p50Ms, p99Ms: floor.p99Ms, statuses: statusCounts(forged.samples) },
      eventsPerSecond: round(events / run.seconds, 1),
      serverCost: {
        reads: burn.reads,
        writes: burn.writes,
        deletes: burn.deletes,
        readsPerEvent: round(burn.reads / events, 3),
        deletesPerEvent: round(burn.deletes / events, 3),
        writesPerDistinctEvent: round(burn.writes / (events - replays), 3),
      },
      stored: { reports: recorded, suppressed: suppressedFields.size, doctorViolations: doctor.violations.length },
      problems: problems.slice(0, 10),
      ...cpuUsed,
      build: { rebuilt: build.built, seconds: round(build.seconds, 0), distDir },
    };
  });
});

function post(signed: SignedPost): BenchRequest {
  return { method: "POST", headers: signed.headers, body: signed.body };
}
