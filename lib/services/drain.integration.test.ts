import { describe, expect, it } from "vitest";
import { docRef } from "@/lib/adapters/firestore/collection";
import { collections, type ProviderDoc } from "@/lib/adapters/firestore/schemas";
import { shardOfInvitation } from "@/lib/domain/delivery/lease";
import { initialHealth } from "@/lib/domain/delivery/provider-health";
import { deriveInvitationToken } from "@/lib/domain/invitations/token";
import { addresses, seedProvider, TEST_SECRET } from "@/tests/support/fixtures";
import { drainWorld, httpProvider, mailServers, smtpProvider, until } from "@/tests/support/drain-world";
import { seedExpiredLease } from "@/tests/support/leases";
import { decodeBody } from "@/tests/support/smtp-catcher";
import { drainQueue, newDrainId, readRegistry } from "./drain";
import { Registry } from "./drain/registry";
import { deleteEvent } from "./events";
import { revokeInvitations } from "./invitations";
import { answerInvitation, openInvitation } from "./rsvp";
import { setHalted, setSimulation } from "./settings";

const { catcher, standin } = mailServers();

const world = (options: { now?: () => Date } = {}) => drainWorld(options);

describe("the queue drain", () => {
  it("delivers each invitation once with a working link, and records delivery, counters and audit", async () => {
    const smtp = await catcher();
    const w = await world();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const ids = await w.invite(["ada@example.com", "bob@example.com", "cy@example.com"]);

    const summary = await w.drain();
    expect(summary).toMatchObject({ sent: 3, failed: 0, stoppedBecause: "idle" });
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(["ada@example.com", "bob@example.com", "cy@example.com"]);

    const ada = smtp.messages.find((m) => m.to[0] === "ada@example.com")!;
    const adaId = ids[0]!;
    expect(ada.messageId).toBe(`<${adaId}-1@herald>`);
    const link = decodeBody(ada).text!.match(/http:\/\/127\.0\.0\.1:3100\/invite\/([0-9a-f]{32}\.\d+\.[A-Za-z0-9_-]{22})/)?.[1];
    expect(link).toBe(deriveInvitationToken(TEST_SECRET, adaId, 1));
    expect(await openInvitation(w.ctx, link!)).toMatchObject({ ok: true });

    expect((await w.jobs()).every((j) => j.state === "completed")).toBe(true);
    expect((await w.invitation(adaId)).delivery).toMatchObject({ state: "sent", providerId: "smtp", simulated: false });
    expect((await w.raw.collection("events").doc(w.eventId).get()).data()?.counters).toMatchObject({ delivered: 3, pending: 3 });
    const audit = await w.raw.collection("audit").where("invitationIds", "array-contains", adaId).get();
    expect(audit.docs.flatMap((d) => d.data().entries).filter((e: { invitationId: string }) => e.invitationId === adaId)).toEqual([
      expect.objectContaining({ outcome: "sent", providerId: "smtp", attempt: 1, idempotencyKey: `${adaId}-1` }),
    ]);
    expect(await w.drain()).toMatchObject({ sent: 0, claimed: 0 });
    expect(smtp.messages).toHaveLength(3);
  });

  it("claims nothing before the run's first step is over, and sends what that step queued in the same run", async () => {
    // The scheduled run applies provider reports and queues due reminders while the drain's first read looks
    // for due jobs: a report may stop an email, and a reminder queued then must not wait for the next run.
    const smtp = await catcher();
    const w = await world();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    await w.invite(["waiting@example.com"]);
    let stepEndedAt = 0;
    const before = (async () => {
      await new Promise((r) => setTimeout(r, 400));
      await w.invite(["queued-by-the-step@example.com"]);
      stepEndedAt = Date.now();
      return { queued: true };
    })();
    const summary = await drainQueue(w.ports, { drainId: newDrainId(), budgetMs: 10_000, before });
    expect(summary).toMatchObject({ sent: 2, stoppedBecause: "idle" });
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(["queued-by-the-step@example.com", "waiting@example.com"]);
    expect(Math.min(...smtp.messages.map((m) => m.receivedAt))).toBeGreaterThanOrEqual(stepEndedAt);
  });

  it("looks again after the first step when its first read found nothing and the step queued mail", async () => {
    const smtp = await catcher();
    const w = await world();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const before = (async () => {
      await new Promise((r) => setTimeout(r, 200));
      await w.invite(["reminded@example.com"]);
      return { queued: true };
    })();
    expect(await drainQueue(w.ports, { drainId: newDrainId(), budgetMs: 10_000, before })).toMatchObject({ sent: 1 });
    expect(smtp.messages.map((m) => m.to[0])).toEqual(["reminded@example.com"]);
  });

  it("sends an acceptance confirmation with the .ics attached, once the answer has settled, before waiting invitations", async () => {
    const smtp = await catcher();
    let now = new Date();
    const w = await world({ now: () => now });
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [first] = await w.invite(["ada@example.com"]);
    await w.drain();
    await w.invite(addresses(20));
    await answerInvitation(w.ctx, deriveInvitationToken(TEST_SECRET, first!, 1), "accept");
    // A confirmation waits a few seconds, so a guest who changes their mind at once gets no wrong email.
    now = new Date(now.getTime() + 10_000);
    await drainQueue(w.ports, { drainId: newDrainId(), budgetMs: 10_000, claimSize: 5 });
    // Claimed in the first chunk of 5, ahead of the 20 invitations that were already waiting (sends of the
    // next chunk may overtake it on the wire while it checks the guest's answer once more).
    const position = smtp.messages.findIndex((m, i) => i > 0 && m.to[0] === "ada@example.com");
    expect(position).toBeGreaterThan(0);
    expect(position).toBeLessThanOrEqual(10);
    const confirmation = smtp.messages[position]!;
    expect(confirmation.subject).toBe("You're going to Launch party");
    expect(confirmation.raw).toContain("text/calendar");
    const part = confirmation.raw.match(/Content-Type: text\/calendar[\s\S]*?\r\n\r\n([\s\S]*?)\r\n--/)?.[1] ?? "";
    const ics = /base64/i.test(confirmation.raw.slice(confirmation.raw.indexOf("text/calendar"), confirmation.raw.indexOf("text/calendar") + 300))
      ? Buffer.from(part.replace(/\s+/g, ""), "base64").toString("utf8")
      : part;
    expect(ics).toContain(`UID:${first}`);
    expect(ics).toContain("BEGIN:VEVENT");
  });

  it("sends a declining guest nothing, or the organiser's 'sorry you can't make it' note when it is turned on", async () => {
    const smtp = await catcher();
    let now = new Date();
    const w = await world({ now: () => now });
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [ada] = await w.invite(["ada@example.com"]);
    await w.drain();
    await answerInvitation(w.ctx, deriveInvitationToken(TEST_SECRET, ada!, 1), "decline");
    now = new Date(now.getTime() + 10_000);
    await w.drain();
    expect(smtp.messages).toHaveLength(1);

    await w.db.update("test.seed", docRef(collections.events, w.eventId), { declineNotice: true });
    await answerInvitation(w.ctx, deriveInvitationToken(TEST_SECRET, ada!, 1), "accept");
    await answerInvitation(w.ctx, deriveInvitationToken(TEST_SECRET, ada!, 1), "decline");
    now = new Date(now.getTime() + 10_000);
    await w.drain();
    expect(smtp.messages.map((m) => m.subject)).toEqual(["You're invited to Launch party", "Sorry you can't make it to Launch party"]);
    expect(smtp.messages[1]!.raw).not.toContain("text/calendar");
  });

  it("costs a single read and no write when nothing is due, as most scheduled runs find", async () => {
    const smtp = await catcher();
    const w = await world();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const before = w.meter.lifetimeTotals();
    expect(await w.drain()).toMatchObject({ stoppedBecause: "idle", claimed: 0 });
    const after = w.meter.lifetimeTotals();
    expect({ reads: after.reads - before.reads, writes: after.writes - before.writes }).toEqual({ reads: 1, writes: 0 });
  });

  it("sends nothing while halted, and resumes cleanly", async () => {
    const smtp = await catcher();
    const w = await world();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    await w.invite(addresses(4));
    await setHalted(w.db, w.ctx.clock, true, "ops@example.com");
    expect(await w.drain()).toMatchObject({ stoppedBecause: "halted", sent: 0 });
    expect(smtp.connections).toBe(0);
    await setHalted(w.db, w.ctx.clock, false, "ops@example.com");
    expect(await w.drain()).toMatchObject({ sent: 4 });
  });

  it("in simulation mode runs the whole pipeline but opens no connection to any provider", async () => {
    const smtp = await catcher();
    const sendgrid = await standin("sendgrid");
    const w = await world();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    await seedProvider(w.db, "sg", httpProvider("sg", "sendgrid", sendgrid));
    const [id] = await w.invite(addresses(3));
    await setSimulation(w.db, w.ctx.clock, true);
    expect(await w.drain()).toMatchObject({ simulated: 3, sent: 0 });
    expect(smtp.connections).toBe(0);
    expect(sendgrid.connections).toBe(0);
    expect((await w.invitation(id!)).delivery).toMatchObject({ state: "sent", simulated: true });
    const audit = await w.raw.collection("audit").get();
    expect(audit.docs.flatMap((d) => d.data().entries.map((e: { outcome: string }) => e.outcome))).toEqual(["simulated", "simulated", "simulated"]);
  });

  /** One invitation, its preferred provider answering 503 and a backup (set up with `backup`), on a clock the test moves. */
  const failingPreferredProvider = async (backup: (now: Date) => Partial<ProviderDoc> = () => ({})) => {
    const sendgrid = await standin("sendgrid");
    const resend = await standin("resend");
    sendgrid.setBehaviour({ status: 503 });
    const clock = { now: new Date() };
    const w = await world({ now: () => clock.now });
    await seedProvider(w.db, "sg", httpProvider("sg", "sendgrid", sendgrid, { priority: 1 }));
    await seedProvider(w.db, "rs", httpProvider("rs", "resend", resend, { priority: 5, ...backup(clock.now) }));
    await w.invite(["ada@example.com"]);
    return { w, resend, clock };
  };

  it("retries a 5xx with backoff through another provider, spending an attempt", async () => {
    const { w, resend, clock } = await failingPreferredProvider();
    expect(await w.drain()).toMatchObject({ retried: 1, sent: 0 });
    const [job] = await w.jobs();
    expect(job).toMatchObject({ state: "retry", attempts: 1, avoidProviderId: "sg", lastError: { errorClass: "transient" } });

    clock.now = new Date(clock.now.getTime() + 2 * 3600_000);
    expect(await w.drain()).toMatchObject({ sent: 1 });
    expect(resend.accepted).toBe(1);
    expect((await w.jobs())[0]).toMatchObject({ state: "completed", attempts: 2, sentBy: "rs" });
  });

  it("retries a 5xx a moment after the other provider's short 429 pause, not after the whole backoff", async () => {
    // Four drains at once draw an occasional 429: a provider failing just then used to put its email off for
    // the 30-s backoff, although the other provider was back two seconds later (bench:drain's last emails).
    const { w, resend, clock } = await failingPreferredProvider((now) => ({ health: { ...initialHealth(), rateLimitedUntil: new Date(now.getTime() + 2_000) } }));
    expect(await w.drain()).toMatchObject({ retried: 1, sent: 0 });
    const [job] = await w.jobs();
    expect(job).toMatchObject({ state: "retry", attempts: 1, avoidProviderId: "sg" });
    expect(job!.dueAt.toDate().getTime() - clock.now.getTime()).toBeLessThanOrEqual(3_000);

    clock.now = new Date(clock.now.getTime() + 3_000);
    expect(await w.drain()).toMatchObject({ sent: 1 });
    expect(resend.accepted).toBe(1);
  });

  it("waits out a 429 without spending an attempt", async () => {
    const resend = await standin("resend");
    resend.setBehaviour({ status: 429, retryAfterSeconds: 30 });
    const w = await world();
    await seedProvider(w.db, "rs", httpProvider("rs", "resend", resend));
    await w.invite(["ada@example.com"]);
    await w.drain();
    const [job] = await w.jobs();
    expect(job).toMatchObject({ state: "retry", attempts: 0, deferrals: 1, lastError: { errorClass: "rate_limited" } });
    expect(job!.dueAt.toDate().getTime()).toBeGreaterThanOrEqual(Date.now() + 25_000);
  });

  it("takes a provider with bad credentials out of rotation at once and delivers through another", async () => {
    const sendgrid = await standin("sendgrid");
    const smtp = await catcher();
    sendgrid.setBehaviour({ status: 401 });
    let now = new Date();
    const w = await world({ now: () => now });
    await seedProvider(w.db, "sg", httpProvider("sg", "sendgrid", sendgrid, { priority: 1 }));
    await seedProvider(w.db, "smtp", smtpProvider(smtp, { priority: 9 }));
    await w.invite(addresses(3));
    await w.drain();
    expect(sendgrid.requests.length).toBeGreaterThanOrEqual(1);
    expect((await w.provider("sg")).health.disabled).toMatchObject({ reason: "auth" });
    now = new Date(now.getTime() + 60_000);
    await w.drain();
    expect(smtp.messages).toHaveLength(3);
    expect((await w.jobs()).every((j) => j.state === "completed" && j.attempts <= 1)).toBe(true);
  });

  it("probes a provider whose circuit opened once its cooldown ends, and sends through it again when it answers", async () => {
    const flaky = await standin("sendgrid");
    const steady = await standin("resend");
    flaky.setBehaviour({ status: 503 });
    let now = new Date();
    const w = await world({ now: () => now });
    await seedProvider(w.db, "flaky", httpProvider("flaky", "sendgrid", flaky, { priority: 0 }));
    await seedProvider(w.db, "steady", httpProvider("steady", "resend", steady, { priority: 5 }));
    await w.invite(addresses(8));
    await w.drain();
    now = new Date(now.getTime() + 2_000);
    await w.drain();
    expect((await w.provider("flaky")).health.circuit.state).toBe("open");
    expect(steady.accepted).toBe(8);

    // Back after its cooldown: the next email is its probe, although its recent failures still weigh on it.
    flaky.setBehaviour({});
    now = new Date(now.getTime() + 31_000);
    await w.invite(["later@example.com"]);
    await w.drain();
    expect(flaky.accepted).toBe(1);
    expect((await w.provider("flaky")).health.circuit.state).toBe("closed");
  });

  it("sends the rest of the queue in the same run once a half-open provider's probe comes back", async () => {
    // The only provider was down and has cooled down: the run's first email is its probe. The others used to be
    // put off to the probe's two-minute timeout (or a minute), although the probe answered within milliseconds.
    const recovered = await standin("sendgrid");
    const now = new Date();
    const health = initialHealth();
    const w = await world({ now: () => now });
    await seedProvider(
      w.db,
      "sg",
      httpProvider("sg", "sendgrid", recovered, { health: { ...health, circuit: { ...health.circuit, state: "open", openUntil: new Date(now.getTime() - 1_000), trips: 1 } } }),
    );
    await w.invite(addresses(8));
    expect(await w.drain()).toMatchObject({ sent: 8, retried: 0 });
    expect(recovered.accepted).toBe(8);
    expect((await w.provider("sg")).health.circuit.state).toBe("closed");
  });

  it("fails a permanently rejected recipient at once and marks the invitation bounced", async () => {
    const smtp = await catcher();
    smtp.failRecipient("nobody@example.com", { code: 550, message: "5.1.1 No such user" });
    const w = await world();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [id] = await w.invite(["nobody@example.com"]);
    expect(await w.drain()).toMatchObject({ bounced: 1 });
    expect((await w.jobs())[0]).toMatchObject({ state: "failed", attempts: 1 });
    expect((await w.invitation(id!)).delivery).toMatchObject({ state: "bounced" });
    expect((await w.raw.collection("events").doc(w.eventId).get()).data()?.counters.failed).toBe(1);
  });

  it("leaves jobs waiting, not failed, when every provider's quota is spent, until the reset", async () => {
    const smtp = await catcher();
    let now = new Date("2026-11-23T10:00:00Z");
    const w = await world({ now: () => now });
    await seedProvider(w.db, "smtp", smtpProvider(smtp, { dailyQuota: 2, resetTime: "00:00", timezone: "UTC" }));
    await w.invite(addresses(5));
    const first = await w.drain();
    expect(first.sent).toBe(2);
    expect(first.stoppedBecause).toBe("providers_unavailable");
    expect(first.waitingUntil).toBe("2026-11-24T00:00:00.000Z");
    expect((await w.jobs()).filter((j) => j.state === "failed")).toHaveLength(0);
    now = new Date("2026-11-24T00:00:01Z");
    expect(await w.drain()).toMatchObject({ sent: 2 });
  });

  it("never sends a job twice when two drains run at once", async () => {
    const smtp = await catcher();
    const w = await world();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    await w.invite(addresses(60));
    const [a, b] = await Promise.all([
      drainQueue(w.ports, { drainId: "drain-a", budgetMs: 20_000, claimSize: 10 }),
      drainQueue(w.ports, { drainId: "drain-b", budgetMs: 20_000, claimSize: 10 }),
    ]);
    expect(a.sent + b.sent).toBe(60);
    expect(new Set(smtp.messages.map((m) => m.to[0])).size).toBe(60);
    expect(smtp.messages).toHaveLength(60);
  });

  it("holds no second chunk while its first has seconds of sending left: another drain starting meanwhile finds the rest", async () => {
    const resend = await standin("resend");
    const w = await world();
    // Just under three sends a second once paced: a chunk of ten (the smallest claim) lasts three and a half seconds.
    await seedProvider(w.db, "rs", httpProvider("rs", "resend", resend, { ratePerSecond: 3 }));
    const ids = await w.invite(addresses(20));
    await Promise.all(ids.map((id) => w.raw.collection("jobs").doc(`${id}-1`).update({ shard: 3 })));
    const slow = drainQueue(w.ports, { drainId: newDrainId(), budgetMs: 1_000 });
    await until(() => resend.requests.length >= 2, 10_000, "the slow drain's second send");
    // Claimed ahead at once, the second chunk sat in this drain's lease for the whole first chunk.
    expect((await readRegistry(w.db, new Date())).inFlight).toBe(10);
    const other = new Registry(w.ports, newDrainId(), { claimSize: 10, leaseMs: 60_000, takeoverGraceMs: 5_000 });
    expect((await other.claim(3, new Set(), 10)).jobs).toHaveLength(10);
    expect(await slow).toMatchObject({ sent: 10 });
  });

  it("does not send emails of an event deleted after they were queued", async () => {
    const smtp = await catcher();
    const w = await world();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    await w.invite(addresses(5));
    await deleteEvent(w.ctx, w.eventId);
    await w.drain();
    expect(smtp.messages).toHaveLength(0);
  });

  it("does not re-send a taken-over job whose slow drain records it before the new drain sends it", async () => {
    const resend = await standin("resend");
    const w = await world();
    // One send a second: the second job waits its turn after the takeover, long enough to be recorded meanwhile.
    await seedProvider(w.db, "rs", httpProvider("rs", "resend", resend, { ratePerSecond: 1 }));
    // Two guests in one partition, so one claim takes both over; the other guests' jobs are cancelled.
    const ids = await w.invite(addresses(12));
    const pair = ids.filter((id) => ids.some((other) => other !== id && shardOfInvitation(other) === shardOfInvitation(id)));
    pair.splice(0, pair.length, ...pair.filter((id) => shardOfInvitation(id) === shardOfInvitation(pair[0]!)).slice(0, 2));
    await revokeInvitations(w.ctx, ids.filter((id) => !pair.includes(id)));
    const jobIds = pair.map((id) => `${id}-1`);
    await seedExpiredLease(w.db, jobIds);
    const draining = w.drain();
    await until(() => resend.requests.length === 1);
    const sentFirst = String(resend.requests[0]!.headers["idempotency-key"]);
    const late = jobIds.find((id) => id !== sentFirst)!;
    // The drain that held the lease was only slow: its outcome for the other job lands now.
    await w.raw.collection("jobs").doc(late).update({ state: "completed", completedAt: new Date(), updatedAt: new Date() });
    const summary = await draining;
    expect(summary).toMatchObject({ recovered: 2, sent: 1 });
    expect(resend.requests).toHaveLength(1);
    expect((await w.job(late))?.state).toBe("completed");
  });

  it("re-sends the jobs of a crashed drain's expired lease with the same idempotency key, counting the attempt", async () => {
    const resend = await standin("resend");
    const w = await world();
    await seedProvider(w.db, "rs", httpProvider("rs", "resend", resend));
    const ids = await w.invite(["ada@example.com", "bob@example.com"]);
    const jobIds = ids.map((id) => `${id}-1`);
    // A drain that claimed both, sent Ada's, and died before recording anything.
    await seedExpiredLease(w.db, jobIds);
    const summary = await w.drain();
    expect(summary).toMatchObject({ recovered: 2, sent: 2 });
    expect(resend.requests.map((r) => r.headers["idempotency-key"]).sort()).toEqual([...jobIds].sort());
    const entries = (await w.raw.collection("audit").get()).docs.flatMap((d) => d.data().entries);
    expect(entries.every((e: { resumed: boolean; attempt: number }) => e.resumed && e.attempt === 2)).toBe(true);
  });
});
