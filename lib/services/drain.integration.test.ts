import { afterEach, describe, expect, it } from "vitest";
import { docRef } from "@/lib/adapters/firestore/collection";
import { collections, type ProviderDoc } from "@/lib/adapters/firestore/schemas";
import { createMailer } from "@/lib/adapters/email/create-mailer";
import { createSimulatedMailer } from "@/lib/adapters/email/simulated";
import { deriveInvitationToken } from "@/lib/domain/invitations/token";
import { testFirestore } from "@/tests/support/firestore";
import { addresses, recipients, seedEvent, seedProvider, serviceContext, TEST_SECRET } from "@/tests/support/fixtures";
import { startResendStandin, startSendgridStandin, type ProviderStandin } from "@/tests/support/provider-standins";
import { decodeBody, startSmtpCatcher, type SmtpCatcher } from "@/tests/support/smtp-catcher";
import { drainQueue, newDrainId, QUEUE_REGISTRY, type DrainPorts } from "./drain";
import { deleteEvent } from "./events";
import { inviteGuests } from "./invitations";
import { sealSecret } from "./provider-config";
import { answerInvitation, openInvitation } from "./rsvp";
import { setHalted, setSimulation } from "./settings";
import { ensureStarterTemplates } from "./templates";

const CREDENTIALS_KEY = Buffer.alloc(32, 5).toString("base64");
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function catcher(): Promise<SmtpCatcher> {
  const c = await startSmtpCatcher();
  closers.push(() => c.close());
  return c;
}

async function standin(kind: "sendgrid" | "resend"): Promise<ProviderStandin> {
  const s = kind === "sendgrid" ? await startSendgridStandin({ apiKey: "key-123" }) : await startResendStandin({ apiKey: "key-123" });
  closers.push(() => s.close());
  return s;
}

function smtpProvider(c: SmtpCatcher, overrides: Partial<ProviderDoc> = {}): Partial<ProviderDoc> {
  return { kind: "smtp", settings: { host: c.host, port: c.port, secure: false, timeoutMs: 5000 }, ...overrides };
}

function httpProvider(id: string, kind: "sendgrid" | "resend", s: ProviderStandin, overrides: Partial<ProviderDoc> = {}): Partial<ProviderDoc> {
  return { name: kind, kind, settings: { baseUrl: s.url, timeoutMs: 2000 }, secret: sealSecret(CREDENTIALS_KEY, id, "key-123"), ...overrides };
}

async function world(options: { guests?: number; now?: () => Date } = {}) {
  const fs = testFirestore();
  const ctx = serviceContext(fs.db, options.now);
  await ensureStarterTemplates(ctx);
  const eventId = await seedEvent(ctx);
  const ports: DrainPorts = {
    db: fs.db,
    clock: ctx.clock,
    random: { next: () => 0.5 },
    mailerFactory: (connection) => createMailer(connection),
    simulatedMailer: createSimulatedMailer(),
    credentialsKey: CREDENTIALS_KEY,
    tokenSecret: TEST_SECRET,
    baseUrl: ctx.baseUrl,
  };
  const invite = async (emails: string[]) => {
    const r = await inviteGuests(ctx, eventId, recipients(emails));
    if (!r.ok) throw new Error(r.message);
    return r.rows.flatMap((row) => (row.outcome === "invited" ? [row.invitationId] : []));
  };
  const drain = (budgetMs = 20_000) => drainQueue(ports, { drainId: newDrainId(), budgetMs });
  type StoredJob = { state: string; attempts: number; deferrals: number; dueAt: { toDate(): Date }; [field: string]: unknown };
  const jobs = async () => (await fs.raw.collection("jobs").get()).docs.map((d) => ({ id: d.id, ...(d.data() as StoredJob) }));
  const invitation = async (id: string) => (await fs.raw.collection("invitations").doc(id).get()).data()!;
  const provider = async (id: string) => (await fs.raw.collection("providers").doc(id).get()).data()!;
  return { ...fs, ctx, eventId, ports, invite, drain, jobs, invitation, provider };
}

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

  it("sends an acceptance confirmation with the .ics attached, before waiting invitations", async () => {
    const smtp = await catcher();
    const w = await world();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    const [first] = await w.invite(["ada@example.com"]);
    await w.drain();
    await w.invite(addresses(20));
    await answerInvitation(w.ctx, deriveInvitationToken(TEST_SECRET, first!, 1), "accept");
    await drainQueue(w.ports, { drainId: newDrainId(), budgetMs: 10_000, claimSize: 5 });
    // Claimed in the first chunk of 5, ahead of the 20 invitations that were already waiting.
    const position = smtp.messages.findIndex((m, i) => i > 0 && m.to[0] === "ada@example.com");
    expect(position).toBeGreaterThan(0);
    expect(position).toBeLessThanOrEqual(5);
    const confirmation = smtp.messages[position]!;
    expect(confirmation.raw).toContain("text/calendar");
    const part = confirmation.raw.match(/Content-Type: text\/calendar[\s\S]*?\r\n\r\n([\s\S]*?)\r\n--/)?.[1] ?? "";
    const ics = /base64/i.test(confirmation.raw.slice(confirmation.raw.indexOf("text/calendar"), confirmation.raw.indexOf("text/calendar") + 300))
      ? Buffer.from(part.replace(/\s+/g, ""), "base64").toString("utf8")
      : part;
    expect(ics).toContain(`UID:${first}`);
    expect(ics).toContain("BEGIN:VEVENT");
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

  it("retries a 5xx with backoff through another provider, spending an attempt", async () => {
    const sendgrid = await standin("sendgrid");
    const resend = await standin("resend");
    sendgrid.setBehaviour({ status: 503 });
    let now = new Date();
    const w = await world({ now: () => now });
    await seedProvider(w.db, "sg", httpProvider("sg", "sendgrid", sendgrid, { priority: 1 }));
    await seedProvider(w.db, "rs", httpProvider("rs", "resend", resend, { priority: 5 }));
    await w.invite(["ada@example.com"]);
    expect(await w.drain()).toMatchObject({ retried: 1, sent: 0 });
    const [job] = await w.jobs();
    expect(job).toMatchObject({ state: "retry", attempts: 1, avoidProviderId: "sg", lastError: { errorClass: "transient" } });

    now = new Date(now.getTime() + 2 * 3600_000);
    expect(await w.drain()).toMatchObject({ sent: 1 });
    expect(resend.accepted).toBe(1);
    expect((await w.jobs())[0]).toMatchObject({ state: "completed", attempts: 2, sentBy: "rs" });
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

  it("does not send emails of an event deleted after they were queued", async () => {
    const smtp = await catcher();
    const w = await world();
    await seedProvider(w.db, "smtp", smtpProvider(smtp));
    await w.invite(addresses(5));
    await deleteEvent(w.ctx, w.eventId);
    await w.drain();
    expect(smtp.messages).toHaveLength(0);
  });

  it("re-sends the jobs of a crashed drain's expired lease with the same idempotency key, counting the attempt", async () => {
    const resend = await standin("resend");
    const w = await world();
    await seedProvider(w.db, "rs", httpProvider("rs", "resend", resend));
    const ids = await w.invite(["ada@example.com", "bob@example.com"]);
    const jobIds = ids.map((id) => `${id}-1`);
    // A drain that claimed both, sent Ada's, and died before recording anything.
    await w.db.set("test.seed", docRef(collections.queue, "registry"), {
      leases: { dead: { owner: "drain-dead", expiresAt: new Date(Date.now() - 1000), jobIds } },
      drains: {},
    });
    expect(QUEUE_REGISTRY.id).toBe("registry");
    const summary = await w.drain();
    expect(summary).toMatchObject({ recovered: 2, sent: 2 });
    expect(resend.requests.map((r) => r.headers["idempotency-key"]).sort()).toEqual([...jobIds].sort());
    const entries = (await w.raw.collection("audit").get()).docs.flatMap((d) => d.data().entries);
    expect(entries.every((e: { resumed: boolean; attempt: number }) => e.resumed && e.attempt === 2)).toBe(true);
  });
});
