import { describe, expect, it } from "vitest";
import { createMailer } from "@/lib/adapters/email/create-mailer";
import { createSimulatedMailer } from "@/lib/adapters/email/simulated";
import { deriveInvitationToken } from "@/lib/domain/invitations/token";
import { parseTrackerParams } from "@/lib/domain/tracker/filters";
import { testFirestore } from "@/tests/support/firestore";
import { addresses, recipients, seedEvent, seedProvider, serviceContext, TEST_SECRET } from "@/tests/support/fixtures";
import { startSmtpCatcher } from "@/tests/support/smtp-catcher";
import type { ServiceContext } from "./context";
import { drainQueue, newDrainId, type DrainPorts } from "./drain";
import { inviteGuests } from "./invitations";
import { retryFailedJobs } from "./retry-failed";
import { answerInvitation, openInvitation } from "./rsvp";
import { ensureStarterTemplates } from "./templates";
import { listTrackerPage, loadGuestTimeline, trackerRowsInChunks } from "./tracker";

const filters = (params: Record<string, string> = {}) => parseTrackerParams(params).filters;

function drainPorts(ctx: ServiceContext): DrainPorts {
  return {
    db: ctx.db, clock: ctx.clock, random: { next: () => 0.5 }, mailerFactory: createMailer, simulatedMailer: createSimulatedMailer(),
    credentialsKey: Buffer.alloc(32, 5).toString("base64"), tokenSecret: TEST_SECRET, baseUrl: ctx.baseUrl,
  };
}

async function world() {
  const fs = testFirestore();
  let clock = Date.parse("2026-03-01T10:00:00Z");
  const ctx = serviceContext(fs.db, () => new Date(clock));
  const tick = (ms = 1_000) => (clock += ms);
  await ensureStarterTemplates(ctx);
  return { ...fs, ctx, tick };
}

describe("the Sent Tracker", () => {
  it("pages through every email newest first with a cursor, a page's worth of reads at a time", async () => {
    const { ctx, meter, tick } = await world();
    await seedProvider(ctx.db);
    const eventId = await seedEvent(ctx);
    for (const batch of [addresses(30, "early"), addresses(30, "late")]) {
      await inviteGuests(ctx, eventId, recipients(batch));
      tick();
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const before = meter.lifetimeTotals().reads;
      const page = await listTrackerPage(ctx, filters(), cursor, 25);
      expect(meter.lifetimeTotals().reads - before).toBeLessThanOrEqual(25);
      seen.push(...page.rows.map((r) => r.data.to.email));
      cursor = page.next ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(60);
    expect(seen.slice(0, 30).every((e) => e.startsWith("late"))).toBe(true);
  });

  it("filters by kind, state, provider, date and sending mode, and searches by address prefix", async () => {
    const smtp = await startSmtpCatcher();
    try {
      const { ctx, tick } = await world();
      await seedProvider(ctx.db, "catcher", { settings: { host: smtp.host, port: smtp.port, secure: false } });
      const eventId = await seedEvent(ctx);
      await inviteGuests(ctx, eventId, recipients(["Ada@Example.com", "bob@example.com", "carol@example.com"]));
      tick(86_400_000);
      const ports = drainPorts(ctx);
      smtp.failNext(1, { code: 550, message: "No such user" }, "rcpt");
      await drainQueue(ports, { drainId: newDrainId(), budgetMs: 10_000 });
      await inviteGuests(ctx, eventId, recipients(["bob.smith@example.com"]));
      const list = async (params: Record<string, string>) =>
        (await listTrackerPage(ctx, filters(params))).rows.map((r) => `${r.data.to.email}:${r.data.state}`).sort();

      expect(await list({ state: "failed" })).toHaveLength(1);
      expect(await list({ state: "completed", provider: "catcher" })).toHaveLength(2);
      expect(await list({ state: "failed", provider: "catcher" })).toHaveLength(1);
      expect(await list({ mode: "simulated" })).toEqual([]);
      expect(await list({ kind: "confirmation" })).toEqual([]);
      expect(await list({ from: "2026-03-01", to: "2026-03-01" })).toHaveLength(3);
      expect(await list({ from: "2026-03-02" })).toHaveLength(1);
      expect(await list({ q: "ADA" })).toEqual([expect.stringMatching(/^Ada@Example.com:/)]);
      expect(await list({ q: "bob", event: eventId })).toHaveLength(2);
      expect(await list({ q: "bob@", event: eventId })).toEqual([expect.stringMatching(/^bob@example\.com:(completed|failed)$/)]);
      expect(await list({ q: "zed" })).toEqual([]);
    } finally {
      await smtp.close();
    }
  });

  it("exports in chunks, reading each row once, however many there are", async () => {
    const { ctx, meter } = await world();
    await seedProvider(ctx.db);
    const eventId = await seedEvent(ctx);
    await inviteGuests(ctx, eventId, recipients(addresses(45)));
    const before = meter.lifetimeTotals().reads;
    const chunks: number[] = [];
    for await (const rows of trackerRowsInChunks(ctx, filters(), 20)) chunks.push(rows.length);
    expect(chunks).toEqual([20, 20, 5]);
    expect(meter.lifetimeTotals().reads - before).toBe(45);
  });

  it("retries the failed emails of the current filter and says how many it skipped", async () => {
    const smtp = await startSmtpCatcher();
    try {
      const { ctx, raw } = await world();
      await seedProvider(ctx.db, "catcher", { settings: { host: smtp.host, port: smtp.port, secure: false } });
      const kept = await seedEvent(ctx);
      const doomed = await seedEvent(ctx, { title: "Doomed" });
      await inviteGuests(ctx, kept, recipients(["a@example.com", "b@example.com"]));
      await inviteGuests(ctx, doomed, recipients(["c@example.com"]));
      const ports = drainPorts(ctx);
      smtp.failNext(3, { code: 554, message: "Transaction failed" }, "data");
      await drainQueue(ports, { drainId: newDrainId(), budgetMs: 10_000 });
      // The second event is being deleted (a deletion in progress): its failed email must stay failed.
      await raw.collection("events").doc(doomed).update({ lifecycle: "deleting" });

      expect(await retryFailedJobs(ctx, { filters: { tz: "UTC", providerId: "catcher" } })).toEqual({ requeued: 2, skipped: 1 });
      expect(await retryFailedJobs(ctx, { filters: { tz: "UTC" } })).toEqual({ requeued: 0, skipped: 1 });
    } finally {
      await smtp.close();
    }
  });

  it("tells one guest's story: invited, every attempt with its key, opened, answers, confirmation", async () => {
    const smtp = await startSmtpCatcher();
    try {
      const { ctx, tick } = await world();
      await seedProvider(ctx.db, "catcher", { settings: { host: smtp.host, port: smtp.port, secure: false } });
      const eventId = await seedEvent(ctx);
      const invited = await inviteGuests(ctx, eventId, recipients(["ada@example.com"]));
      const row = invited.ok ? invited.rows[0] : undefined;
      if (!row || row.outcome !== "invited") throw new Error("not invited");
      const ports = { ...drainPorts(ctx), sleep: async () => undefined };
      smtp.failNext(1, { code: 451, message: "Try again later" }, "data");
      tick();
      await drainQueue(ports, { drainId: newDrainId(), budgetMs: 10_000 });
      tick(120_000);
      await drainQueue(ports, { drainId: newDrainId(), budgetMs: 10_000 });
      const token = deriveInvitationToken(TEST_SECRET, row.invitationId, 1);
      tick();
      await openInvitation(ctx, token);
      tick();
      await answerInvitation(ctx, token, "accept");
      // Past the confirmation's settle delay: it is only sent once the answer has stood for a few seconds.
      tick(10_000);
      await drainQueue(ports, { drainId: newDrainId(), budgetMs: 10_000 });
      tick();
      await answerInvitation(ctx, token, "decline");

      const timeline = await loadGuestTimeline(ctx, row.invitationId);
      expect(timeline?.eventTitle).toBe("Launch party");
      const story = timeline!.entries.map((e) =>
        e.type === "attempt" ? `attempt:${e.jobKind}:${e.attempt.outcome}` : e.type === "answered" ? `${e.status}${e.changed ? " (changed)" : ""}` : e.type === "queued" || e.type === "sent" ? `${e.type}:${e.job.kind}` : e.type,
      );
      expect(story).toEqual([
        "queued:invitation",
        "attempt:invitation:retry",
        "attempt:invitation:sent",
        "sent:invitation",
        "opened",
        "queued:confirmation",
        "accepted",
        "attempt:confirmation:sent",
        "sent:confirmation",
        "declined (changed)",
      ]);
      const attempts = timeline!.entries.flatMap((e) => (e.type === "attempt" ? [e.attempt] : []));
      expect(attempts[0]).toMatchObject({ providerId: "catcher", message: expect.stringContaining("Try again later"), idempotencyKey: `${row.invitationId}-1` });
      expect(attempts[0]?.errorClass).not.toBeNull();
      expect(attempts.every((a) => a.latencyMs !== null)).toBe(true);
    } finally {
      await smtp.close();
    }
  });
});
