import { afterEach, describe, expect, it } from "vitest";
import { addresses } from "@/tests/support/fixtures";
import { seedExpiredLease } from "@/tests/support/leases";
import { startResendStandin, startSendgridStandin, type ProviderStandin } from "@/tests/support/provider-standins";
import { startSmtpCatcher, type SmtpCatcher } from "@/tests/support/smtp-catcher";
import { faultWorld, figures, ledger, record, type FaultWorld } from "./harness";

/** More than one drain's worth: a dead drain's huge lease, and four drains on one queue at once. */

let world: FaultWorld | null = null;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await world?.close();
  world = null;
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe("scale past one drain", () => {
  it("600 jobs under one expired lease: taken over in bounded steps, each sent once, the attempt counted", async () => {
    const smtp: SmtpCatcher = await startSmtpCatcher({ recordRaw: false });
    closers.push(() => smtp.close());
    world = await faultWorld("expired600");
    const w = world;
    await w.smtp("smtp", smtp);
    const guests = addresses(600, "lease");
    const ids = await w.invite(guests);
    await seedExpiredLease(w.db, ids.map((id) => `${id}-1`));
    await w.startWorker({ claimSize: 200, concurrency: 32 });
    await w.drained(240_000);
    const sent = ledger({ smtp });
    expect(new Set(sent.map((s) => s.to)).size).toBe(600);
    expect(figures(sent).sameKeyDuplicates).toBe(0);
    const jobs = await w.jobStates();
    expect(jobs.every((j) => j.state === "completed" && j.attempts === 2)).toBe(true);
    await w.doctor();
    record("600 expired leases at once", figures(sent));
  });

  it("four drains at once on one queue and three rate-limited providers: each guest once, nothing lost or stuck", async () => {
    const healthy = { latencyMs: 30, rateLimitPerSecond: 50 };
    const a: ProviderStandin = await startSendgridStandin({ apiKey: "key-123", behaviour: healthy });
    const b: ProviderStandin = await startResendStandin({ apiKey: "key-123", behaviour: healthy });
    const c: ProviderStandin = await startSendgridStandin({ apiKey: "key-123", behaviour: healthy });
    closers.push(() => a.close(), () => b.close(), () => c.close());
    world = await faultWorld("four");
    const w = world;
    for (const [id, s, kind] of [["a", a, "sendgrid"], ["b", b, "resend"], ["c", c, "sendgrid"]] as const) {
      await w.provider(id, kind, s, { ratePerSecond: 50 });
    }
    const guests = addresses(600, "four");
    await w.invite(guests);
    const started = Date.now();
    await Promise.all([0, 1, 2, 3].map(() => w.startWorker({ claimSize: 60, concurrency: 16 })));
    await w.drained(240_000);
    const seconds = (Date.now() - started) / 1000;
    const sent = ledger({ a, b, c });
    expect(new Set(sent.map((s) => s.to)).size).toBe(600);
    // One job per guest, so one key per guest: no guest ever gets a second, different email.
    expect(new Set(sent.map((s) => s.key)).size).toBe(600);
    expect((await w.jobStates()).every((j) => j.state === "completed")).toBe(true);
    await w.doctor();
    // Until a drain has seen every partition's heartbeats it may overestimate its share of a rate limit; the
    // provider's 429s are then waited out without spending attempts. Reported, not forbidden.
    const rateLimited = [a, b, c].flatMap((s) => s.requests).filter((r) => r.status === 429).length;
    record("four drains at once", { ...figures(sent), seconds, rateLimited, perProvider: { a: a.accepted, b: b.accepted, c: c.accepted } });
  });
});
