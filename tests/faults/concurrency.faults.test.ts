import { afterEach, describe, expect, it } from "vitest";
import { parseRecipientCsv } from "@/lib/domain/invitations/recipients";
import { inviteGuests } from "@/lib/services/invitations";
import { answerInvitation } from "@/lib/services/rsvp";
import { addresses } from "@/tests/support/fixtures";
import { startSmtpCatcher, type SmtpCatcher } from "@/tests/support/smtp-catcher";
import { faultWorld, figures, ledger, record, until, type FaultWorld } from "./harness";

/** Many people at once: a hundred accepts of one link, a hundred guests for fifty seats, one list uploaded twice. */

let world: FaultWorld | null = null;
let smtp: SmtpCatcher | null = null;
afterEach(async () => {
  await world?.close();
  await smtp?.close();
  world = null;
  smtp = null;
});

const confirmations = (c: SmtpCatcher) => ledger({ c }).filter((s) => s.subject?.startsWith("You're going"));

describe("concurrent guests and organisers", () => {
  it("100 concurrent accepts of one link: one participant, one confirmation email", async () => {
    smtp = await startSmtpCatcher();
    world = await faultWorld("onelink");
    const w = world;
    await w.smtp("smtp", smtp);
    const [id] = await w.invite(["ada@example.com"]);
    await w.startWorker();
    await until(() => smtp!.messages.length === 1, 20_000, "the invitation");
    const results = await Promise.all(Array.from({ length: 100 }, () => answerInvitation(w.ctx, w.token(id!), "accept")));
    expect(results.filter((r) => r.ok && r.outcome === "accepted")).toHaveLength(1);
    await until(() => confirmations(smtp!).length >= 1, 30_000, "the confirmation");
    await new Promise((r) => setTimeout(r, 3_000));
    expect(confirmations(smtp)).toHaveLength(1);
    expect((await w.raw.collection("participants").get()).size).toBe(1);
    await w.doctor();
    record("100 concurrent accepts on one link", figures(ledger({ smtp })));
  });

  it("100 guests accepting a 50-seat event at once: 50 going with 50 confirmations, 50 told it is full", async () => {
    smtp = await startSmtpCatcher({ recordRaw: false });
    world = await faultWorld("full", { event: { capacity: 50 } });
    const w = world;
    await w.smtp("smtp", smtp);
    const ids = await w.invite(addresses(100, "seat"));
    await w.startWorker({ concurrency: 32 });
    await until(() => smtp!.messages.length === 100, 60_000, "the invitations");
    const results = await Promise.all(ids.map((id) => answerInvitation(w.ctx, w.token(id), "accept")));
    const outcomes = results.map((r) => (r.ok ? r.outcome : r.code));
    expect(outcomes.filter((o) => o === "accepted")).toHaveLength(50);
    expect(outcomes.filter((o) => o === "full")).toHaveLength(50);
    await until(() => confirmations(smtp!).length >= 50, 60_000, "the confirmations");
    await w.drained();
    expect(confirmations(smtp)).toHaveLength(50);
    expect((await w.raw.doc(`events/${w.eventId}`).get()).data()?.counters).toMatchObject({ accepted: 50, pending: 50 });
    await w.doctor();
    record("100 concurrent accepts on a full event", { ...figures(ledger({ smtp })), confirmations: 50 });
  });

  it("the same CSV uploaded twice at once: every address invited and mailed exactly once", async () => {
    smtp = await startSmtpCatcher({ recordRaw: false });
    world = await faultWorld("csvtwice");
    const w = world;
    await w.smtp("smtp", smtp);
    const guests = addresses(300, "csv");
    const csv = `email,name\n${guests.map((g, i) => `${g},Guest ${i}`).join("\n")}\n`;
    const parsed = parseRecipientCsv(csv);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const [first, second] = await Promise.all([inviteGuests(w.ctx, w.eventId, parsed.rows), inviteGuests(w.ctx, w.eventId, parsed.rows)]);
    if (!first.ok || !second.ok) throw new Error("upload failed");
    expect(first.invited + second.invited).toBe(300);
    expect(first.duplicates + second.duplicates).toBe(300);
    await w.startWorker();
    await w.drained(90_000);
    const sent = ledger({ smtp });
    expect(sent).toHaveLength(300);
    expect(new Set(sent.map((s) => s.to)).size).toBe(300);
    await w.doctor();
    record("the same CSV uploaded twice at once", figures(sent));
  });
});
