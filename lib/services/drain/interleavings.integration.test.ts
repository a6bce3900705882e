import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Mailer, OutgoingEmail } from "@/lib/ports/mailer";
import { createSimulatedMailer } from "@/lib/adapters/email/simulated";
import { testFirestore } from "@/tests/support/firestore";
import { recipients, seedEvent, seedProvider, serviceContext, TEST_SECRET } from "@/tests/support/fixtures";
import { interleavedFirestore, Interleaver } from "@/tests/support/scheduled-firestore";
import { checkInvariants, formatReport } from "../doctor";
import { deleteEvent } from "../events";
import { inviteGuests, resendInvitations, revokeInvitations } from "../invitations";
import { answerInvitation } from "../rsvp";
import { ensureStarterTemplates } from "../templates";
import { deriveInvitationToken } from "@/lib/domain/invitations/token";
import { drainQueue, type DrainPorts } from "./index";

/**
 * Beyond hand-picked scenarios: fast-check's scheduler chooses the order of every awaited step of a drain, an
 * organiser and two guests — claims, sends, outcome writes, listener deliveries, revokes, resends, answers,
 * deletions — each a whole Firestore operation against the real emulator. After each run, and a final drain
 * that empties the queue:
 * - the invariant checker finds nothing wrong (counters, deliveries, waiting jobs, participants, confirmations);
 * - no job was mailed twice, and every live invitation's current link was mailed once;
 * - no email left after the drain had been told it must not (a confirmation whose answer had changed when the
 *   drain checked it, or an invitation email whose cancellation its listener had already delivered).
 * A failure prints fast-check's seed and path; HERALD_INTERLEAVINGS_SEED=<seed> replays the same choices
 * (the emulator's listener timing can still differ). The number of distinct interleavings explored is
 * written to test-results/interleavings.json.
 */

const RUNS = Number(process.env.HERALD_INTERLEAVINGS_RUNS ?? 60);
const SEED = process.env.HERALD_INTERLEAVINGS_SEED ? Number(process.env.HERALD_INTERLEAVINGS_SEED) : undefined;
const RESULTS = path.resolve(import.meta.dirname, "../../../test-results/interleavings.json");

type Organiser = "none" | "revoke" | "resend" | "delete" | "revoke-reinvite";
/**
 * Each action is preceded by a number of idle steps: the scheduler picks among the gates waiting, so without
 * them an organiser's single action would nearly always land before the drain had done anything.
 */
const pause = fc.nat({ max: 40 });
const answer = fc.record({ answer: fc.constantFrom<"accept" | "decline">("accept", "decline"), after: pause });
const scenario = fc.record({
  organiser: fc.constantFrom<Organiser>("none", "revoke", "resend", "delete", "revoke-reinvite"),
  organiserAfter: pause,
  ada: fc.array(answer, { maxLength: 3 }),
  bob: fc.array(answer, { maxLength: 2 }),
  declineNotice: fc.boolean(),
});

interface Sent {
  key: string;
  /** What the drain must not have done: set when the send went ahead against what it knew. */
  wrong: string | null;
}

describe("interleavings of the drain, an organiser and guests, chosen by fast-check's scheduler", () => {
  it("always end right", async () => {
    const explored = new Set<string>();
    let windows = 0;
    const details = await fc.check(
      fc.asyncProperty(fc.scheduler(), scenario, async (s, sc) => {
        const fs = testFirestore();
        const plain = serviceContext(fs.db);
        await ensureStarterTemplates(plain);
        await seedProvider(fs.db, "smtp", { kind: "smtp", settings: { host: "127.0.0.1", port: 2525, secure: false } });
        const eventId = await seedEvent(plain, { declineNotice: sc.declineNotice });
        const invited = await inviteGuests(plain, eventId, recipients(["ada@example.com", "bob@example.com"]));
        if (!invited.ok) throw new Error(invited.message);
        const [ada, bob] = invited.rows.map((r) => (r as { invitationId: string }).invitationId) as [string, string];

        const interleaver = new Interleaver(s);
        const actor = (name: string) => ({ ...plain, db: interleavedFirestore(fs.raw, fs.meter, interleaver, name) });
        const sent: Sent[] = [];
        let listenerView: { cancelledJobs: Record<string, Date>; cancelledEvents: Record<string, Date> } = { cancelledJobs: {}, cancelledEvents: {} };

        /** What Firestore says about the email's job right now, and whether the drain could have known. */
        const judge = async (email: OutgoingEmail): Promise<string | null> => {
          const key = email.idempotencyKey;
          const job = (await fs.raw.doc(`jobs/${key}`).get()).data();
          const inv = job ? (await fs.raw.doc(`invitations/${job.invitationId}`).get()).data() : undefined;
          if (!job || !inv) return null; // deleted with its event: the listener rule below covers it
          if (job.kind === "confirmation") {
            // The drain read the invitation just before this send; nothing ran in between.
            if (inv.status !== job.answer || inv.confirmationJobId !== key) return `confirmation ${key} sent for an answer that no longer stood`;
            return null;
          }
          const stale = job.state === "cancelled" || inv.status === "revoked" || inv.jobId !== key;
          if (!stale) return null;
          if (listenerView.cancelledJobs[key] || listenerView.cancelledEvents[job.eventId]) return `${key} sent after its cancellation reached the drain`;
          windows++;
          return null;
        };
        const recordingMailer = (gated: boolean): Mailer => ({
          kind: "smtp",
          async send(email) {
            const wrong = gated ? await interleaver.exclusive(() => judge(email)) : null;
            const deliver = async () => {
              sent.push({ key: email.idempotencyKey, wrong });
              return { ok: true as const, providerMessageId: null, latencyMs: 1 };
            };
            return gated ? interleaver.step("drain:send", deliver) : deliver();
          },
          close: async () => undefined,
        });

        const drainCtx = actor("drain");
        const watchLog = drainCtx.db.watch.bind(drainCtx.db);
        // Keep the test's own copy of what the drain's listener has delivered.
        drainCtx.db.watch = ((op, ref, onChange, onError) =>
          watchLog(op, ref, (data) => {
            const d = data as { cancelledJobs?: Record<string, Date>; cancelledEvents?: Record<string, Date> } | null;
            listenerView = { cancelledJobs: d?.cancelledJobs ?? {}, cancelledEvents: d?.cancelledEvents ?? {} };
            onChange(data);
          }, onError)) as typeof drainCtx.db.watch;
        const later = { now: () => new Date(Date.now() + 10 * 60_000) };
        const ports = (db: DrainPorts["db"], gated: boolean): DrainPorts => ({
          db,
          clock: later,
          random: { next: () => 0.5 },
          mailerFactory: () => recordingMailer(gated),
          simulatedMailer: createSimulatedMailer(),
          credentialsKey: Buffer.alloc(32, 5).toString("base64"),
          tokenSecret: TEST_SECRET,
          baseUrl: plain.baseUrl,
        });
        const drainOptions = { budgetMs: 30_000, claimSize: 2, concurrency: 2, outcomeBatch: 1, flushEveryMs: 1, leaseMs: 60_000 };

        const organiser = actor("organiser");
        const guest = (name: string) => actor(name);
        const idle = async (who: string, steps: number) => {
          for (let i = 0; i < steps; i++) await interleaver.step(`${who}:idle`, async () => undefined);
        };
        const answers = (who: string, id: string, list: { answer: "accept" | "decline"; after: number }[]) => async () => {
          for (const a of list) {
            await idle(who, a.after);
            await answerInvitation(guest(who), deriveInvitationToken(TEST_SECRET, id, 1), a.answer);
          }
        };
        const organise = async () => {
          await idle("organiser", sc.organiserAfter);
          if (sc.organiser === "revoke" || sc.organiser === "revoke-reinvite") await revokeInvitations(organiser, [ada]);
          if (sc.organiser === "revoke-reinvite") await inviteGuests(organiser, eventId, recipients(["ada@example.com"]));
          if (sc.organiser === "resend") await resendInvitations(organiser, [ada]);
          if (sc.organiser === "delete") await deleteEvent(organiser, eventId);
        };
        const actors = Promise.all([
          drainQueue(ports(drainCtx.db, true), { drainId: "drain-x", ...drainOptions }),
          organise(),
          answers("ada", ada, sc.ada)(),
          answers("bob", bob, sc.bob)(),
        ]);
        await interleaver.drive(actors);
        explored.add(interleaver.steps.filter((step) => !step.endsWith(":idle")).join(">"));

        // Whatever is left goes out now, without the scheduler, as the next scheduled run would send it.
        for (let i = 0; i < 3; i++) await drainQueue(ports(fs.db, false), { drainId: `drain-final-${i}`, ...drainOptions });

        const report = await checkInvariants(fs.db, plain.clock);
        expect(report.violations, formatReport(report)).toEqual([]);
        expect(sent.filter((x) => x.wrong).map((x) => x.wrong)).toEqual([]);
        const keys = sent.map((x) => x.key);
        expect(keys.length, `mailed twice: ${keys.join(", ")}`).toBe(new Set(keys).size);
        const event = (await fs.raw.doc(`events/${eventId}`).get()).data();
        if (event) {
          for (const id of [ada, bob]) {
            const inv = (await fs.raw.doc(`invitations/${id}`).get()).data()!;
            if (inv.status === "revoked") continue;
            // Every live invitation's current link went out, and so did the confirmation of the answer that stands.
            expect(keys).toContain(inv.jobId);
            if (inv.confirmationJobId) expect(keys).toContain(inv.confirmationJobId);
          }
        }
        const jobs = await fs.raw.collection("jobs").get();
        expect(jobs.docs.filter((d) => ["pending", "retry"].includes(d.data().state)).map((d) => d.id)).toEqual([]);
        // Every job an organiser or a guest cancelled was announced to running drains (or its event was);
        // otherwise a drain holding it would mail it regardless.
        const runtime = (await fs.raw.doc("settings/runtime").get()).data() ?? {};
        const cancelledByDrain = new Set(
          (await fs.raw.collection("audit").get()).docs.flatMap((d) =>
            (d.data().entries as { jobId: string; outcome: string }[]).filter((e) => e.outcome === "cancelled").map((e) => e.jobId),
          ),
        );
        const unannounced = jobs.docs
          .filter((d) => d.data().state === "cancelled" && !cancelledByDrain.has(d.id))
          .filter((d) => !runtime.cancelledJobs?.[d.id] && !runtime.cancelledEvents?.[d.data().eventId])
          .map((d) => d.id);
        expect(unannounced, "cancelled without telling the drains").toEqual([]);
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
    mkdirSync(path.dirname(RESULTS), { recursive: true });
    appendFileSync(
      RESULTS,
      `${JSON.stringify({ runs: RUNS, distinctInterleavings: explored.size, sentInTheListenerWindow: windows, seed: details.seed, failed: details.failed, counterexamplePath: details.counterexamplePath })}\n`,
    );
    if (details.failed) {
      throw new Error(
        `An interleaving broke an invariant. Replay with HERALD_INTERLEAVINGS_SEED=${details.seed} (path ${details.counterexamplePath}).\n${String(details.errorInstance)}`,
      );
    }
    expect(explored.size).toBeGreaterThan(RUNS / 2);
  }, 600_000);
});
