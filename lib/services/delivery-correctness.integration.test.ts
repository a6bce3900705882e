import { describe, expect, it } from "vitest";
import { docRef, type DocRef, type Snapshot } from "@/lib/adapters/firestore/collection";
import { collections } from "@/lib/adapters/firestore/schemas";
import { addresses, seedProvider } from "@/tests/support/fixtures";
import { drainWorld, httpProvider, mailServers, smtpProvider, until } from "@/tests/support/drain-world";
import type { ProviderStandin } from "@/tests/support/provider-standins";
import type { SmtpCatcher } from "@/tests/support/smtp-catcher";
import { sealSecret } from "./provider-config";
import { drainQueue, newDrainId } from "./drain";
import { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { checkInvariants } from "./doctor";
import { resendInvitations, revokeInvitations } from "./invitations";
import { retryFailedJobs } from "./retry-failed";
import { answerInvitation } from "./rsvp";
import { setSimulation } from "./settings";
import { seedExpiredLease } from "@/tests/support/leases";

/**
 * Every test here is an interleaving that once sent the wrong email, sent it again, or never sent it. Each
 * ends with the invariant checker the operators' `npm run doctor` runs.
 */

const { catcher, standin } = mailServers();

/** Who each request to a stand-in was addressed to, in arrival order. */
function recipientsOf(s: ProviderStandin): string[] {
  return s.requests.map((r) => {
    const b = r.body as { to?: string | string[]; personalizations?: { to?: { email: string }[] }[] };
    const to = b.personalizations?.[0]?.to?.[0]?.email ?? (Array.isArray(b.to) ? b.to[0] : b.to) ?? "";
    return to.replace(/^.*<|>$/g, "");
  });
}

const confirmationsIn = (smtp: SmtpCatcher) => smtp.messages.filter((m) => m.subject?.startsWith("You're going"));

async function expectHealthy(w: Awaited<ReturnType<typeof drainWorld>>) {
  const report = await checkInvariants(w.db, w.ctx.clock);
  expect(report.violations).toEqual([]);
}

describe("mail that is still true when it leaves", () => {
  it("a guest who accepts and then declines a moment later gets no 'You're going' email", async () => {
    const smtp = await catcher();
    const w = await drainWorld();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [id] = await w.invite(["ada@example.com"]);
    await w.drain();
    expect(await answerInvitation(w.ctx, w.token(id!), "accept")).toMatchObject({ outcome: "accepted" });
    expect(await answerInvitation(w.ctx, w.token(id!), "decline")).toMatchObject({ outcome: "changed" });
        await w.drain();
    expect(confirmationsIn(smtp)).toHaveLength(0);
    await expectHealthy(w);
  });

  it("toggling the answer ten times sends at most one confirmation, for the answer that stands", async () => {
    const smtp = await catcher();
    let now = new Date();
    const w = await drainWorld({ now: () => now });
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [id] = await w.invite(["ada@example.com"]);
    await w.drain();
    for (let i = 0; i < 10; i++) {
      await answerInvitation(w.ctx, w.token(id!), i % 2 === 0 ? "decline" : "accept");
    }
    // The last answer was "accept": once it has settled, one confirmation goes out, and only one.
    now = new Date(now.getTime() + 60_000);
    await w.drain();
    await w.drain();
    expect(confirmationsIn(smtp)).toHaveLength(1);
    await expectHealthy(w);
  });

  it("an answer pattern spread over a day cannot send more than a few confirmations", async () => {
    const smtp = await catcher();
    let now = new Date();
    const w = await drainWorld({ now: () => now, event: { startsAt: new Date(Date.now() + 30 * 86_400_000), endsAt: new Date(Date.now() + 31 * 86_400_000), linkLifetimeDays: 20 } });
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [id] = await w.invite(["ada@example.com"]);
    await w.drain();
    // Accept, wait for the confirmation to leave, decline, accept again … twenty times within a day.
    for (let i = 0; i < 20; i++) {
      await answerInvitation(w.ctx, w.token(id!), "accept");
      now = new Date(now.getTime() + 60_000);
      await w.drain();
      await answerInvitation(w.ctx, w.token(id!), "decline");
      now = new Date(now.getTime() + 60_000);
    }
    expect(confirmationsIn(smtp).length).toBeGreaterThanOrEqual(1);
    expect(confirmationsIn(smtp).length).toBeLessThanOrEqual(3);
    await expectHealthy(w);
  });

  it("revoking a guest and inviting the same address again sends the new invitation", async () => {
    const smtp = await catcher();
    const w = await drainWorld();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [id] = await w.invite(["ada@example.com"]);
    await w.drain();
    await revokeInvitations(w.ctx, [id!]);
    expect(await w.invite(["ada@example.com"])).toEqual([id]);
    await w.drain();
    expect(smtp.messages.filter((m) => m.to[0] === "ada@example.com")).toHaveLength(2);
    expect((await w.invitation(id!)).delivery.state).toBe("sent");
    await expectHealthy(w);
  });

  it("a revoke while the email is at a slow provider leaves the job cancelled and counts nothing twice", async () => {
    const sg = await standin("sendgrid", { latencyMs: 1500 });
    const w = await drainWorld();
    await seedProvider(w.db, "sg", httpProvider("sg", "sendgrid", sg, { settings: { baseUrl: sg.url, timeoutMs: 5000 } }));
    const [id] = await w.invite(["ada@example.com"]);
    const drained = w.drain();
    await until(() => sg.requests.length === 1, 10_000, "the send to reach the provider");
    await revokeInvitations(w.ctx, [id!]);
    await drained;
    expect((await w.job(`${id}-1`))?.state).toBe("cancelled");
    expect(await w.counters()).toMatchObject({ invited: 1, revoked: 1, pending: 0, delivered: 0 });
    await w.drain();
    expect(sg.requests).toHaveLength(1);
    await expectHealthy(w);
  });

  it("a resend while the old email is in flight keeps the new link's delivery state, and mails the new link once", async () => {
    const sg = await standin("sendgrid", { latencyMs: 1500 });
    const w = await drainWorld();
    await seedProvider(w.db, "sg", httpProvider("sg", "sendgrid", sg, { settings: { baseUrl: sg.url, timeoutMs: 5000 } }));
    const [id] = await w.invite(["ada@example.com"]);
    const drained = w.drain();
    await until(() => sg.requests.length === 1, 10_000, "the first send to reach the provider");
    await resendInvitations(w.ctx, [id!]);
    await drained;
    // The old job's late "sent" must not be recorded as the new link's delivery: it stays in the audit only.
    expect((await w.job(`${id}-1`))?.state).toBe("cancelled");
    const entries = (await w.raw.collection("audit").get()).docs.flatMap((d) => d.data().entries as { jobId: string; outcome: string; superseded: boolean }[]);
    expect(entries.filter((e) => e.jobId === `${id}-1`)).toEqual([expect.objectContaining({ outcome: "sent", superseded: true })]);
    await w.drain();
    expect((await w.invitation(id!)).delivery.state).toBe("sent");
    expect(await w.counters()).toMatchObject({ delivered: 1, pending: 1 });
    expect(recipientsOf(sg)).toEqual(["ada@example.com", "ada@example.com"]);
    await expectHealthy(w);
  });

  it("an event deleted while its email waits at the provider's rate limit sends nothing more", async () => {
    const rs = await standin("resend");
    const w = await drainWorld();
    // Two emails a second: the drain spaces them, so most are still waiting when the event goes.
    await seedProvider(w.db, "rs", httpProvider("rs", "resend", rs, { ratePerSecond: 2 }));
    await w.invite(addresses(6));
    const drained = w.drain();
    await until(() => rs.requests.length >= 1, 10_000, "the first send");
    const { deleteEvent } = await import("./events");
    await deleteEvent(w.ctx, w.eventId);
    const sentBeforeDeletion = rs.requests.length;
    await drained;
    expect(rs.requests.length).toBeLessThanOrEqual(sentBeforeDeletion + 1);
    await expectHealthy(w);
  });
});

describe("a queue that never stops and never doubles", () => {
  it("600 jobs under a dead drain's expired lease are taken over in bounded steps and all delivered", async () => {
    const smtp = await catcher();
    const w = await drainWorld();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const ids = await w.invite(addresses(600));
    await seedExpiredLease(w.db, ids.map((id) => `${id}-1`));
    await setSimulation(w.db, w.ctx.clock, true);
    for (let i = 0; i < 5 && (await w.counters())?.delivered < 600; i++) await w.drain({ claimSize: 250 });
    expect(await w.counters()).toMatchObject({ delivered: 600 });
    expect((await w.jobs()).every((j) => j.state === "completed" && j.attempts === 2)).toBe(true);
    await expectHealthy(w);
  });

  it("a drain whose lease runs out while sends wait on a slow rate limit does not let another drain send them again", async () => {
    const sg = await standin("sendgrid");
    const w = await drainWorld();
    await seedProvider(w.db, "sg", httpProvider("sg", "sendgrid", sg, { ratePerSecond: 2 }));
    await w.invite(addresses(8));
    const first = w.drain({ leaseMs: 2_500, claimSize: 8 });
    await new Promise((r) => setTimeout(r, 3_000));
    const second = w.drain({ leaseMs: 2_500, claimSize: 8 });
    await Promise.all([first, second]);
    for (let i = 0; i < 5 && (await w.counters())?.delivered < 8; i++) await w.drain({ leaseMs: 10_000 });
    const sent = recipientsOf(sg);
    expect(new Set(sent).size).toBe(8);
    expect(sent).toHaveLength(8);
    await expectHealthy(w);
  });

  it("a provider whose secret no longer decrypts is taken out of rotation, and the chunk still goes out through another", async () => {
    const smtp = await catcher();
    const rs = await standin("resend");
    const w = await drainWorld();
    // Sealed under another key: decrypting it throws inside the drain.
    const foreign = sealSecret(Buffer.alloc(32, 9).toString("base64"), "rs", "key-123");
    await seedProvider(w.db, "rs", httpProvider("rs", "resend", rs, { priority: 0, secret: foreign }));
    await seedProvider(w.db, "smtp", smtpProvider(smtp, { priority: 9 }));
    await w.invite(addresses(5));
    const summary = await w.drain();
    expect(summary.claimed).toBeGreaterThanOrEqual(5);
    for (let i = 0; i < 3 && smtp.messages.length < 5; i++) await w.drain();
    expect(smtp.messages).toHaveLength(5);
    expect((await w.provider("rs")).health.disabled).toMatchObject({ reason: "auth" });
    await expectHealthy(w);
  });

  it("two drains at once never spend more than a provider's remaining quota", async () => {
    const smtp = await catcher();
    const w = await drainWorld();
    await seedProvider(w.db, "smtp", smtpProvider(smtp, { dailyQuota: 5, resetTime: "00:00", timezone: "UTC" }));
    await w.invite(addresses(20));
    await Promise.all([
      w.drain({ drainId: newDrainId(), claimSize: 10 }),
      w.drain({ drainId: newDrainId(), claimSize: 10 }),
    ]);
    expect(smtp.messages.length).toBeLessThanOrEqual(5);
    expect(smtp.messages.length).toBe(5);
    expect((await w.jobs()).filter((j) => j.state === "failed")).toHaveLength(0);
    await expectHealthy(w);
  });

  it("a taken-over job whose attempts run out fails visibly: the invitation says failed and the counters know", async () => {
    const smtp = await catcher();
    const w = await drainWorld();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [id] = await w.invite(["ada@example.com"]);
    await w.db.update("test.seed", docRef(collections.jobs, `${id}-1`), { attempts: 5, state: "retry" });
    await seedExpiredLease(w.db, [`${id}-1`]);
    await w.drain();
    expect((await w.job(`${id}-1`))?.state).toBe("failed");
    expect((await w.invitation(id!)).delivery.state).toBe("failed");
    expect(await w.counters()).toMatchObject({ failed: 1 });
    await expectHealthy(w);
  });
});

describe("a run that cannot claim", () => {
  it("ends within its budget when a claim never comes back (an overloaded store), and the next run sends everything", async () => {
    const smtp = await catcher();
    const w = await drainWorld();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    await w.invite(addresses(3));
    // Every read a claim makes hangs, as on a store too overloaded to answer.
    class StuckClaims extends MeteredFirestore {
      override getAll<T>(op: string, refs: DocRef<T>[]): Promise<(Snapshot<T> | null)[]> {
        return op === "queue.claim" ? new Promise(() => undefined) : super.getAll(op, refs);
      }
    }
    const started = Date.now();
    const summary = await drainQueue({ ...w.ports, db: new StuckClaims(w.raw, w.meter) }, { drainId: newDrainId(), budgetMs: 1_500 });
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(summary).toMatchObject({ stoppedBecause: "budget", claimed: 0 });
    expect(smtp.messages).toHaveLength(0);
    await w.drain();
    expect(smtp.messages).toHaveLength(3);
    await expectHealthy(w);
  });
});

describe("admin actions that keep the counters exact", () => {
  it("retrying failed emails skips a failure that a resend replaced, and lowers 'failed' once", async () => {
    const smtp = await catcher();
    const w = await drainWorld();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [a, b] = await w.invite(["a@example.com", "b@example.com"]);
    smtp.failNext(2, { code: 554, message: "Transaction failed" }, "data");
    expect(await w.drain()).toMatchObject({ failed: 2 });
    expect(await w.counters()).toMatchObject({ failed: 2 });
    await resendInvitations(w.ctx, [a!]);
    expect(await w.counters()).toMatchObject({ failed: 1 });
    const result = await retryFailedJobs(w.ctx, { eventId: w.eventId });
    expect(result).toMatchObject({ requeued: 1, skipped: 1 });
    expect(await w.counters()).toMatchObject({ failed: 0 });
    await w.drain();
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(["a@example.com", "b@example.com"]);
    expect((await w.job(`${a}-1`))?.state).toBe("failed");
    expect((await w.invitation(b!)).delivery.state).toBe("sent");
    await expectHealthy(w);
  });

  it("re-inviting a guest whose link expired does not count them as pending twice", async () => {
    const smtp = await catcher();
    let now = new Date();
    const w = await drainWorld({ now: () => now, event: { linkLifetimeDays: 1 } });
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    await w.invite(["ada@example.com"]);
    await w.drain();
    now = new Date(now.getTime() + 2 * 86_400_000);
    expect(await w.invite(["ada@example.com"])).toHaveLength(1);
    expect(await w.counters()).toMatchObject({ invited: 1, pending: 1 });
    await expectHealthy(w);
  });
});
