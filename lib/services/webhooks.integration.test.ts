import { afterEach, describe, expect, it } from "vitest";
import type { WebhookProvider } from "@/lib/domain/delivery/reports";
import { suppressionReason } from "@/lib/domain/suppression";
import { drainWorld, httpProvider, smtpProvider, TEST_CREDENTIALS_KEY, type DrainWorld } from "@/tests/support/drain-world";
import { recipients, seedEvent, seedProvider } from "@/tests/support/fixtures";
import {
  postWebhook,
  resendEvent,
  sendgridEvent,
  signResendWebhook,
  signSendgridWebhook,
  standinWebhookKeys,
  startResendStandin,
  startSendgridStandin,
  type ProviderStandin,
  type WebhookEventKind,
} from "@/tests/support/provider-standins";
import { startSmtpCatcher, type SmtpCatcher } from "@/tests/support/smtp-catcher";
import { startWebhookReceiver, type WebhookReceiver } from "@/tests/support/webhook-receiver";
import { checkInvariants } from "./doctor";
import { inviteGuests, resendInvitations } from "./invitations";
import { sealWebhookKey } from "./provider-config";
import { applyWebhookInbox, type WebhookSummary } from "./webhooks";
import { findSuppressed, listSuppressionRemovals, listSuppressions, removeSuppression, writeSuppressions } from "./suppression";

/**
 * The whole loop, locally: the drain sends through a SendGrid or Resend stand-in, the stand-in reports what
 * became of each email through a webhook signed as the real service signs it, Herald's webhook handler (the
 * same service the route calls) stores it in the webhook inbox, and the applier (what the scheduled run and
 * the worker call) records it on the invitation, the counters and the suppression list.
 */

const keys = standinWebhookKeys();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

interface WebhookWorld extends DrainWorld {
  receiver: WebhookReceiver;
  standin: ProviderStandin;
  /** A webhook about `jobId`, signed with `key` (the provider's own by default), posted to Herald. */
  post(jobId: string, kind: WebhookEventKind, options?: { signedWith?: "own" | "other" | "none"; eventId?: string }): Promise<number>;
  reports(invitationId: string): Promise<{ id: string; kind: string }[]>;
  /** One applier run, as the scheduled run makes it. */
  apply(): Promise<WebhookSummary>;
  /** Every webhook the stand-in had to send has been answered, and an applier run has recorded them. */
  settle(): Promise<WebhookSummary>;
  inbox(): Promise<number>;
}

async function webhookWorld(
  provider: WebhookProvider,
  eventsFor: Record<string, WebhookEventKind[]> = {},
  options: { now?: () => Date } = {},
): Promise<WebhookWorld> {
  const w = await drainWorld(options);
  const receiver = await startWebhookReceiver(w.db, w.ctx.clock, TEST_CREDENTIALS_KEY);
  const start = provider === "sendgrid" ? startSendgridStandin : startResendStandin;
  const standin = await start({
    webhooks: {
      url: receiver.url(provider),
      key: provider === "sendgrid" ? keys.sendgrid.privateKey : keys.resend,
      eventsFor: (to) => eventsFor[to] ?? ["delivered"],
      retryDelayMs: 150,
    },
  });
  cleanup.push(() => receiver.close(), () => standin.close());
  const verificationKey = provider === "sendgrid" ? keys.sendgrid.verificationKey : keys.resend;
  await seedProvider(w.db, provider, httpProvider(provider, provider, standin, { webhookKey: sealWebhookKey(TEST_CREDENTIALS_KEY, provider, verificationKey) }));

  const other = standinWebhookKeys();
  let n = 0;
  const post: WebhookWorld["post"] = (jobId, kind, options = {}) => {
    const signedWith = options.signedWith ?? "own";
    const eventId = options.eventId ?? `evt-${++n}-${Date.now()}`;
    let signed;
    if (provider === "sendgrid") {
      const body = JSON.stringify([{ ...sendgridEvent(kind, "guest@example.com", Math.floor(Date.now() / 1000), "m"), sg_event_id: eventId, herald_idempotency_key: jobId }]);
      signed = signSendgridWebhook(signedWith === "other" ? other.sendgrid.privateKey : keys.sendgrid.privateKey, body);
      if (signedWith === "none") delete signed.headers["x-twilio-email-event-webhook-signature"];
    } else {
      const body = JSON.stringify(resendEvent(kind, { email_id: "re-x", to: ["guest@example.com"], tags: { herald_job: jobId } }));
      signed = signResendWebhook(signedWith === "other" ? other.resend : keys.resend, eventId, body);
      if (signedWith === "none") delete signed.headers["svix-signature"];
    }
    return postWebhook(receiver.url(provider), signed);
  };
  const reports = async (invitationId: string) => ((await w.invitation(invitationId)).deliveryReports ?? []) as { id: string; kind: string }[];
  const apply = () => applyWebhookInbox(w.ctx, { budgetMs: 10_000 });
  const settle = async () => {
    await standin.webhooksSettled();
    return apply();
  };
  const inbox = async () => (await w.raw.collection("webhookInbox").get()).size;
  return { ...w, receiver, standin, post, reports, apply, settle, inbox };
}

async function catcher(): Promise<SmtpCatcher> {
  const c = await startSmtpCatcher();
  cleanup.push(() => c.close());
  return c;
}

describe("the webhook loop through the provider stand-ins", () => {
  it("SendGrid: deliveries, a hard bounce and a complaint reach invitations, counters and the suppression list", async () => {
    const w = await webhookWorld("sendgrid", {
      "gone@example.com": ["hard_bounce"],
      "grumpy@example.com": ["delivered", "complaint"],
    });
    const [ok, gone, grumpy] = await w.invite(["ok@example.com", "gone@example.com", "grumpy@example.com"]);
    await w.drain();
    await w.settle();

    expect((await w.invitation(ok!)).delivery).toMatchObject({ state: "sent", reported: "delivered" });
    expect((await w.invitation(gone!)).delivery).toMatchObject({ state: "bounced", reported: "hard_bounce" });
    expect((await w.invitation(gone!)).delivery.error).toBe("Hard bounce reported by SendGrid: 550 5.1.1 The email account that you tried to reach does not exist");
    expect((await w.invitation(grumpy!)).delivery).toMatchObject({ state: "bounced", reported: "complaint", error: "The guest marked the email as spam" });
    expect(await w.counters()).toMatchObject({ invited: 3, delivered: 1, failed: 2 });

    const list = await listSuppressions(w.ctx, "");
    expect(list.entries.map((e) => [e.email, e.kind, e.source]).sort()).toEqual([
      ["gone@example.com", "hard_bounce", "sendgrid"],
      ["grumpy@example.com", "complaint", "sendgrid"],
    ]);
    expect(w.receiver.answers.every((a) => a.status === 200)).toBe(true);
    expect(await w.inbox()).toBe(0);
    const report = await checkInvariants(w.db, w.ctx.clock);
    expect(report.violations).toEqual([]);
  });

  it("Resend: a soft bounce fails the delivery without suppressing; a deferral then a delivery confirms it", async () => {
    const w = await webhookWorld("resend", {
      "full@example.com": ["soft_bounce"],
      "slow@example.com": ["deferred", "delivered"],
    });
    const [full, slow] = await w.invite(["full@example.com", "slow@example.com"]);
    await w.drain();
    await w.settle();

    expect((await w.invitation(full!)).delivery).toMatchObject({ state: "failed", reported: "soft_bounce" });
    expect((await w.invitation(full!)).delivery.error).toContain("Soft bounce reported by Resend: MailboxFull:");
    expect((await w.invitation(slow!)).delivery).toMatchObject({ state: "sent", reported: "delivered" });
    expect((await w.reports(slow!)).map((r) => r.kind)).toEqual(["deferred", "delivered"]);
    expect(await w.counters()).toMatchObject({ delivered: 1, failed: 1 });
    expect((await listSuppressions(w.ctx, "")).total).toBe(0);
    expect((await checkInvariants(w.db, w.ctx.clock)).violations).toEqual([]);
  });

  it("a report that outruns the drain's outcome waits in the inbox and is applied once the outcome is recorded", async () => {
    let now = new Date();
    const w = await webhookWorld("resend", {}, { now: () => now });
    const [id] = await w.invite(["early@example.com"]);
    // Nothing recorded yet: the invitation still says queued, so the report waits.
    expect(await w.post(`${id}-1`, "hard_bounce", { eventId: "msg_early" })).toBe(200);
    expect(await w.apply()).toMatchObject({ applied: 0, pending: 1 });
    expect(await w.reports(id!)).toEqual([]);
    expect((await findSuppressed(w.db, "test", ["early@example.com"])).size).toBe(0);
    expect(await w.inbox()).toBe(1);

    await w.drain();
    await w.standin.webhooksSettled();
    // The stand-in's own "delivered" is applied; the early bounce is not due again for a little while.
    expect(await w.apply()).toMatchObject({ applied: 1, pending: 0 });
    expect((await w.invitation(id!)).delivery).toMatchObject({ state: "sent", reported: "delivered" });
    now = new Date(now.getTime() + 31_000);
    expect(await w.apply()).toMatchObject({ applied: 1, pending: 0 });
    expect((await w.invitation(id!)).delivery).toMatchObject({ state: "bounced", reported: "hard_bounce" });
    expect(await w.counters()).toMatchObject({ delivered: 0, failed: 1 });
    expect(await w.inbox()).toBe(0);
    expect((await checkInvariants(w.db, w.ctx.clock)).violations).toEqual([]);
  });

  it("an invitation that cannot be read does not hold up the rest of the inbox; its report waits until it can", async () => {
    let now = new Date();
    const w = await webhookWorld("resend", { "good@example.com": [], "broken@example.com": [] }, { now: () => now });
    const [good, broken] = await w.invite(["good@example.com", "broken@example.com"]);
    await w.drain();
    const original = (await w.invitation(broken!)).status;
    // Damaged behind Herald's back: reading it fails its schema check.
    await w.raw.collection("invitations").doc(broken!).update({ status: 42 });
    expect(await w.post(`${good}-1`, "delivered")).toBe(200);
    expect(await w.post(`${broken}-1`, "hard_bounce")).toBe(200);
    expect(await w.apply()).toMatchObject({ applied: 1, pending: 1 });
    expect((await w.invitation(good!)).delivery).toMatchObject({ reported: "delivered" });
    expect(await w.inbox()).toBe(1);

    await w.raw.collection("invitations").doc(broken!).update({ status: original });
    now = new Date(now.getTime() + 31_000);
    expect(await w.apply()).toMatchObject({ applied: 1, pending: 0 });
    expect((await w.invitation(broken!)).delivery).toMatchObject({ state: "bounced", reported: "hard_bounce" });
    expect(await w.inbox()).toBe(0);
  });

  it("the doctor warns about reports left unapplied for ten minutes: the scheduled run is not running", async () => {
    let now = new Date();
    const w = await webhookWorld("resend", { "idle@example.com": [] }, { now: () => now });
    const [id] = await w.invite(["idle@example.com"]);
    await w.drain();
    expect(await w.post(`${id}-1`, "delivered")).toBe(200);
    const inboxWarnings = async () => (await checkInvariants(w.db, w.ctx.clock)).warnings.filter((f) => f.check === "webhook-inbox");
    expect(await inboxWarnings()).toEqual([]);
    now = new Date(now.getTime() + 11 * 60_000);
    expect(await inboxWarnings()).toEqual([expect.objectContaining({ detail: expect.stringContaining("1 resend reports received at") })]);
    await w.apply();
    expect(await inboxWarnings()).toEqual([]);
  });

  it("answers a burst at the cost of one write per delivery and no read; an empty inbox costs the applier one read", async () => {
    const w = await webhookWorld("resend", { "burst@example.com": [] });
    const [id] = await w.invite(["burst@example.com"]);
    await w.drain();
    // The first request reads the providers' webhook keys, which are then kept for a minute.
    expect(await w.post(`${id}-1`, "deferred", { eventId: "msg-burst-first" })).toBe(200);
    const before = w.db.meter.lifetimeTotals();
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => w.post(`${id}-1`, i % 2 ? "deferred" : "delivered", { eventId: `msg-burst-${i}` })));
    expect(statuses).toEqual(statuses.map(() => 200));
    const received = w.db.meter.lifetimeTotals();
    expect({ reads: received.reads - before.reads, writes: received.writes - before.writes }).toEqual({ reads: 0, writes: 20 });
    // Applied together: one read per inbox document and one of the invitation; one write for all 21 reports
    // (the counters do not move: the drain already counted the email as delivered).
    expect(await w.apply()).toMatchObject({ applied: 21 });
    const applied = w.db.meter.lifetimeTotals();
    expect({ reads: applied.reads - received.reads, writes: applied.writes - received.writes }).toEqual({ reads: 22, writes: 1 });
    expect(await w.inbox()).toBe(0);
    await w.apply();
    expect(w.db.meter.lifetimeTotals().reads - applied.reads).toBe(1);
  });
});

describe("webhooks are authenticated, applied once and in any order", () => {
  for (const provider of ["sendgrid", "resend"] as const) {
    it(`${provider}: a wrong or missing signature gets 401 and writes nothing`, async () => {
      const w = await webhookWorld(provider);
      const [id] = await w.invite(["ada@example.com"]);
      await w.drain();
      await w.settle();
      const before = await w.invitation(id!);
      const writes = w.db.meter.lifetimeTotals().writes;
      expect(await w.post(`${id}-1`, "hard_bounce", { signedWith: "other" })).toBe(401);
      expect(await w.post(`${id}-1`, "hard_bounce", { signedWith: "none" })).toBe(401);
      expect(w.db.meter.lifetimeTotals().writes).toBe(writes);
      expect(await w.invitation(id!)).toEqual(before);
      expect((await listSuppressions(w.ctx, "")).total).toBe(0);
    });
  }

  it("the same webhook delivered twice at once, and again later, is applied exactly once", async () => {
    const w = await webhookWorld("sendgrid");
    const [id] = await w.invite(["twice@example.com"]);
    await w.drain();
    await w.settle();
    const answered = w.receiver.answers.length;
    const statuses = await Promise.all([1, 2, 3].map(() => w.post(`${id}-1`, "hard_bounce", { eventId: "sg-same" })));
    expect(statuses).toEqual([200, 200, 200]);
    // Stored once: the same delivery finds its inbox document there.
    const receipts = w.receiver.answers.slice(answered).map((a) => a.summary!);
    expect(receipts.map((r) => [r.received, r.replayed]).sort()).toEqual([[0, 1], [0, 1], [1, 0]]);
    expect(await w.inbox()).toBe(1);
    // Two appliers at once (overlapping scheduled runs): recorded once.
    const runs = await Promise.all([w.apply(), w.apply()]);
    expect(runs.reduce((n, r) => n + r.applied, 0)).toBe(1);
    // Delivered again after it was applied: stored again, recognised as a replay by the invitation's history.
    expect(await w.post(`${id}-1`, "hard_bounce", { eventId: "sg-same" })).toBe(200);
    expect(await w.apply()).toMatchObject({ applied: 0, replayed: 1 });
    const same = (await w.reports(id!)).filter((r) => r.id === "sendgrid:sg-same");
    expect(same).toHaveLength(1);
    expect(await w.counters()).toMatchObject({ delivered: 0, failed: 1 });
    expect(await w.inbox()).toBe(0);
    expect((await checkInvariants(w.db, w.ctx.clock)).violations).toEqual([]);
  });

  it("ten different reports about one guest, posted at once, are all kept and the counters move once", async () => {
    const w = await webhookWorld("resend", { "busy@example.com": [] });
    const [id] = await w.invite(["busy@example.com"]);
    await w.drain();
    const kinds: WebhookEventKind[] = ["deferred", "delivered", "deferred", "soft_bounce", "deferred", "delivered", "deferred", "hard_bounce", "deferred", "delivered"];
    const statuses = await Promise.all(kinds.map((kind, i) => w.post(`${id}-1`, kind, { eventId: `msg-busy-${i}` })));
    expect(statuses).toEqual(kinds.map(() => 200));
    // Three appliers at once: each write is conditional on the version it read, so the losers read again and
    // merge, and none overwrites another.
    const runs = await Promise.all([w.apply(), w.apply(), w.apply()]);
    expect(runs.reduce((n, r) => n + r.applied, 0)).toBe(kinds.length);
    expect((await w.reports(id!)).map((r) => r.id).sort()).toEqual(kinds.map((_, i) => `resend:msg-busy-${i}`).sort());
    expect((await w.invitation(id!)).delivery).toMatchObject({ state: "bounced", reported: "hard_bounce" });
    expect(await w.counters()).toMatchObject({ delivered: 0, failed: 1 });
    expect((await checkInvariants(w.db, w.ctx.clock)).violations).toEqual([]);
  });

  it("a bounce that arrives before the delivered report ends as it would in the other order", async () => {
    const w = await webhookWorld("resend", { "a@example.com": [], "b@example.com": [] });
    const [a, b] = await w.invite(["a@example.com", "b@example.com"]);
    await w.drain();
    // Each applied before the next arrives, so the invitation sees them in this order.
    for (const [guest, kind] of [[a, "hard_bounce"], [a, "delivered"], [b, "delivered"], [b, "hard_bounce"]] as const) {
      expect(await w.post(`${guest}-1`, kind)).toBe(200);
      expect(await w.apply()).toMatchObject({ applied: 1 });
    }
    const [da, db] = [(await w.invitation(a!)).delivery, (await w.invitation(b!)).delivery];
    expect(da).toMatchObject({ state: "bounced", reported: "hard_bounce" });
    expect({ ...db, at: null, reportedAt: null }).toEqual({ ...da, at: null, reportedAt: null });
    expect(await w.counters()).toMatchObject({ delivered: 0, failed: 2 });
  });

  it("a report about an older link's email is history only; the current link's delivery stands", async () => {
    const w = await webhookWorld("sendgrid", { "moved@example.com": [] });
    const [id] = await w.invite(["moved@example.com"]);
    await w.drain();
    await resendInvitations(w.ctx, [id!]);
    await w.drain();
    expect(await w.post(`${id}-1`, "soft_bounce")).toBe(200);
    expect(await w.apply()).toMatchObject({ applied: 1 });
    expect((await w.invitation(id!)).delivery).toMatchObject({ state: "sent", reported: null });
    expect((await w.reports(id!)).map((r) => r.kind)).toEqual(["soft_bounce"]);
  });
});

describe("the suppression list", () => {
  it("stops every later email to a bounced address: invite, resend and the drain refuse it with the reason", async () => {
    const w = await webhookWorld("sendgrid", { "gone@example.com": ["hard_bounce"] });
    const [first] = await w.invite(["gone@example.com"]);
    await w.drain();
    await w.settle();
    const entry = (await findSuppressed(w.db, "test", ["gone@example.com"])).get("gone@example.com")!;
    expect(entry).toMatchObject({ kind: "hard_bounce", source: "sendgrid", invitationId: first });

    const other = await seedEvent(w.ctx, { title: "Second party" });
    expect(await inviteGuests(w.ctx, other, recipients(["Gone@Example.com", "new@example.com"]))).toMatchObject({
      ok: true,
      invited: 1,
      rejected: 1,
      rows: [{ email: "Gone@Example.com", outcome: "rejected", reason: suppressionReason(entry) }, { email: "new@example.com", outcome: "invited" }],
    });
    expect((await resendInvitations(w.ctx, [first!]))[0]).toEqual({ id: first, ok: false, message: suppressionReason(entry) });
    await w.drain();
    await w.settle();

    // An email queued before its address bounced elsewhere: the drain fails it, no provider request, reason shown.
    const [queued] = await w.invite(["queued@example.com"], other);
    const batch = w.db.batch("test.seed");
    writeSuppressions(batch, [{ ...entry, email: "queued@example.com", emailKey: "queued@example.com", invitationId: null }]);
    await batch.commit();
    const accepted = w.standin.accepted;
    expect(await w.drain()).toMatchObject({ bounced: 1, sent: 0 });
    expect(w.standin.accepted).toBe(accepted);
    expect(await w.job(`${queued}-1`)).toMatchObject({ state: "failed", attempts: 0, lastError: { errorClass: "suppressed", providerId: null } });
    expect((await w.invitation(queued!)).delivery).toMatchObject({ state: "bounced", error: expect.stringContaining("queued@example.com is on the suppression list") });
    expect(await w.counters(other)).toMatchObject({ invited: 2, delivered: 1, failed: 1 });
    expect((await checkInvariants(w.db, w.ctx.clock)).violations).toEqual([]);
  });

  it("an admin removes an entry: the removal is on record (who, when) and the address can be invited again", async () => {
    const plan: Record<string, WebhookEventKind[]> = { "back@example.com": ["complaint"] };
    const w = await webhookWorld("resend", plan);
    const [id] = await w.invite(["back@example.com"]);
    await w.drain();
    await w.settle();
    expect((await listSuppressions(w.ctx, "BACK@")).entries.map((e) => e.email)).toEqual(["back@example.com"]);
    expect((await listSuppressions(w.ctx, "nobody")).entries).toEqual([]);

    expect(await removeSuppression(w.ctx, "back@example.com", "admin@herald.test")).toEqual({ ok: true, email: "back@example.com" });
    expect(await removeSuppression(w.ctx, "back@example.com", "admin@herald.test")).toMatchObject({ ok: false, code: "not_found" });
    const [removal] = await listSuppressionRemovals(w.ctx);
    expect(removal).toMatchObject({ removedBy: "admin@herald.test", entry: { email: "back@example.com", kind: "complaint" } });
    expect(removal!.removedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);

    plan["back@example.com"] = ["delivered"];
    const again = await inviteGuests(w.ctx, w.eventId, recipients(["back@example.com"]));
    expect(again).toMatchObject({ ok: true, reinvited: 1 });
    await w.drain();
    await w.settle();
    expect((await w.invitation(id!)).delivery).toMatchObject({ state: "sent", reported: "delivered" });
  });

  it("an SMTP 5xx for the recipient at send time puts the address on the list", async () => {
    const smtp = await catcher();
    smtp.failRecipient("nobody@example.com", { code: 550, message: "5.1.1 No such user" });
    const w = await drainWorld();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [id] = await w.invite(["nobody@example.com", "fine@example.com"]);
    await w.drain();
    const entry = (await findSuppressed(w.db, "test", ["nobody@example.com", "fine@example.com"]));
    expect([...entry.keys()]).toEqual(["nobody@example.com"]);
    expect(entry.get("nobody@example.com")).toMatchObject({ kind: "rejected", source: "send", invitationId: id });
    expect(entry.get("nobody@example.com")!.detail).toContain("5.1.1 No such user");
  });

  it("the doctor reports a job still waiting long after its address was suppressed", async () => {
    let now = new Date();
    const w = await drainWorld({ now: () => now });
    const smtp = await catcher();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    await w.invite(["late@example.com"]);
    // Suppressed behind the queue's back (no drain ran since): fine for a while, a violation once overdue.
    const batch = w.db.batch("test.seed");
    writeSuppressions(batch, [{ email: "late@example.com", emailKey: "late@example.com", kind: "hard_bounce", source: "resend", detail: null, at: now, invitationId: null }]);
    await batch.commit();
    expect((await checkInvariants(w.db, w.ctx.clock)).violations).toEqual([]);
    now = new Date(now.getTime() + 11 * 60_000);
    expect((await checkInvariants(w.db, w.ctx.clock)).violations).toEqual([
      expect.objectContaining({ check: "suppressed", detail: expect.stringContaining("late@example.com") }),
    ]);
    await w.drain();
    expect(smtp.messages).toHaveLength(0);
    expect((await checkInvariants(w.db, w.ctx.clock)).violations).toEqual([]);
  });
});
