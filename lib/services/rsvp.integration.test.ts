import { describe, expect, it } from "vitest";
import { MeteredFirestore, type TransactionScope } from "@/lib/adapters/firestore/db";
import { deriveInvitationToken } from "@/lib/domain/invitations/token";
import { testFirestore } from "@/tests/support/firestore";
import { addresses, recipients, seedEvent, seedProvider, serviceContext, TEST_SECRET } from "@/tests/support/fixtures";
import type { EventInput } from "@/lib/domain/events/schema";
import { deleteEvent, getEvent } from "./events";
import { FirstOpenBatcher } from "./first-opens";
import { cachedGuestPageEvents } from "./guest-page-events-cache";
import { inviteGuests, revokeInvitations } from "./invitations";
import { answerInvitation, invitationCalendar, openInvitation } from "./rsvp";

async function setup(emails: string[], event: Partial<EventInput> = {}, now?: () => Date) {
  const fs = testFirestore();
  const ctx = serviceContext(fs.db, now);
  await seedProvider(fs.db);
  const eventId = await seedEvent(ctx, event);
  const result = await inviteGuests(ctx, eventId, recipients(emails));
  if (!result.ok) throw new Error(result.message);
  const tokens = result.rows.map((r) => (r.outcome === "invited" ? deriveInvitationToken(TEST_SECRET, r.invitationId, 1) : ""));
  return { ...fs, ctx, eventId, tokens, ids: result.rows.map((r) => (r.outcome === "invited" ? r.invitationId : "")) };
}

describe("answering an invitation", () => {
  it("shows the event and records only when it was first opened, as a mail scanner's GET must change nothing else", async () => {
    const { ctx, tokens, ids, meter, raw } = await setup(["ada@example.com"]);
    const before = meter.lifetimeTotals();
    const view = await openInvitation(ctx, tokens[0]!);
    expect(view).toMatchObject({ ok: true, event: { title: "Launch party", timezone: "Europe/Paris" }, invitation: { status: "queued" } });
    const first = meter.lifetimeTotals();
    expect(first.reads - before.reads).toBe(2);
    expect(first.writes - before.writes).toBe(1);
    const stored = (await raw.collection("invitations").doc(ids[0]!).get()).data()!;
    const openedAt = stored.openedAt.toDate();
    expect(stored.status).toBe("queued");

    // Every later GET reads the same two documents and writes nothing: the first open stays the first.
    await openInvitation(ctx, tokens[0]!);
    await openInvitation(ctx, tokens[0]!);
    const later = meter.lifetimeTotals();
    expect(later.writes).toBe(first.writes);
    expect(later.reads - first.reads).toBe(4);
    expect((await raw.collection("invitations").doc(ids[0]!).get()).data()!.openedAt.toDate()).toEqual(openedAt);
  });

  it("with the app's event cache, one event read serves a burst of its guests; a cancelled event refuses answers at once", async () => {
    const { ctx: plain, tokens, eventId, raw, db, meter } = await setup(["ada@example.com", "bob@example.com", "cy@example.com"]);
    const ctx = { ...plain, guestPageEvents: cachedGuestPageEvents(db, { ttlMs: 400 }) };
    const before = meter.lifetimeTotals();
    const views = await Promise.all(tokens.map((t) => openInvitation(ctx, t, { later: () => undefined })));
    expect(views.map((v) => v.ok)).toEqual([true, true, true]);
    // Three invitations, and their event once: concurrent misses share the read.
    expect(meter.lifetimeTotals().reads - before.reads).toBe(4);

    // Another instance starts deleting the event: the answer reads it in its transaction and refuses at once.
    await raw.collection("events").doc(eventId).update({ lifecycle: "deleting" });
    expect(await answerInvitation(ctx, tokens[1]!, "accept")).toMatchObject({ ok: false, code: "gone", message: expect.stringContaining("cancelled") });
    // The page shows the event as it was for at most the cache's lifetime, then says so too.
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await openInvitation(ctx, tokens[2]!)).toMatchObject({ ok: false, code: "gone", message: expect.stringContaining("cancelled") });
  });

  it("can leave the first-open record until after the page is answered, and records it then", async () => {
    const { ctx, tokens, ids, raw } = await setup(["ada@example.com"]);
    const deferred: (() => Promise<void>)[] = [];
    const view = await openInvitation(ctx, tokens[0]!, { later: (task) => deferred.push(task) });
    expect(view.ok).toBe(true);
    expect((await raw.collection("invitations").doc(ids[0]!).get()).data()!.openedAt).toBeUndefined();
    expect(deferred).toHaveLength(1);
    await deferred[0]!();
    expect((await raw.collection("invitations").doc(ids[0]!).get()).data()!.openedAt.toDate()).toBeInstanceOf(Date);
    // Opened since: a later GET has nothing to record.
    await openInvitation(ctx, tokens[0]!, { later: (task) => deferred.push(task) });
    expect(deferred).toHaveLength(1);
  });

  it("records one first open when a scanner and the guest open the link at the same moment", async () => {
    const { ctx, tokens, meter } = await setup(["ada@example.com"]);
    const before = meter.lifetimeTotals();
    const views = await Promise.all(Array.from({ length: 3 }, () => openInvitation(ctx, tokens[0]!)));
    expect(views.every((v) => v.ok)).toBe(true);
    expect(meter.lifetimeTotals().writes - before.writes).toBe(1);
  });

  it("records a burst of first opens from one instance in one commit, and keeps them when one invitation changed meanwhile", async () => {
    const emails = addresses(20, "burst");
    const { ctx, tokens, ids, raw, meter } = await setup(emails);
    let commits = 0;
    class CountingCommits extends MeteredFirestore {
      override batch(op: string) {
        const batch = super.batch(op);
        if (op !== "rsvp.opened") return batch;
        const commit = batch.commit.bind(batch);
        batch.commit = () => {
          commits++;
          return commit();
        };
        return batch;
      }
    }
    const db = new CountingCommits(raw, meter);
    const opened = async () => (await raw.collection("invitations").get()).docs.filter((d) => d.data().openedAt).map((d) => d.id);

    const batched = { ...ctx, db, firstOpens: new FirstOpenBatcher(db) };
    const views = await Promise.all(tokens.slice(0, 10).map((t) => openInvitation(batched, t)));
    expect(views.every((v) => v.ok)).toBe(true);
    expect(commits).toBe(1);
    expect((await opened()).sort()).toEqual(ids.slice(0, 10).sort());

    // The next ten, one of which the organiser renames before the batch is written: the batch fails on that
    // one's precondition and the others are written one by one; the renamed one is recorded at its next view.
    const later: (() => Promise<void>)[] = [];
    await Promise.all(tokens.slice(10).map((t) => openInvitation(batched, t, { later: (task) => later.push(task) })));
    await raw.collection("invitations").doc(ids[10]!).update({ name: "Renamed" });
    await Promise.all(later.map((task) => task()));
    expect((await opened()).sort()).toEqual([...ids.slice(0, 10), ...ids.slice(11)].sort());
    expect((await raw.collection("invitations").doc(ids[10]!).get()).data()!.name).toBe("Renamed");
    await openInvitation(batched, tokens[10]!);
    expect(await opened()).toHaveLength(20);
  });

  it("keeps every answer in order, for the tracker's timeline", async () => {
    const { ctx, tokens, ids, raw } = await setup(["ada@example.com"]);
    await answerInvitation(ctx, tokens[0]!, "accept");
    await answerInvitation(ctx, tokens[0]!, "accept");
    await answerInvitation(ctx, tokens[0]!, "decline");
    const answers = (await raw.collection("invitations").doc(ids[0]!).get()).data()!.answers as { status: string }[];
    expect(answers.map((a) => a.status)).toEqual(["accepted", "declined"]);
  });

  it("accepts once: a participant, the counters, and a high-priority confirmation email", async () => {
    const { ctx, eventId, tokens, ids, raw } = await setup(["ada@example.com"]);
    expect(await answerInvitation(ctx, tokens[0]!, "accept")).toEqual({ ok: true, outcome: "accepted" });
    expect(await answerInvitation(ctx, tokens[0]!, "accept")).toEqual({ ok: true, outcome: "already_accepted" });
    expect((await raw.collection("participants").get()).docs.map((d) => d.id)).toEqual([ids[0]]);
    expect((await getEvent(ctx, eventId))?.data.counters).toMatchObject({ accepted: 1, pending: 0 });
    const confirmations = await raw.collection("jobs").where("kind", "==", "confirmation").get();
    expect(confirmations.docs.map((d) => d.data().priority)).toEqual(["high"]);
  });

  it("100 simultaneous accepts of one link make exactly one participant, and every caller gets an answer", async () => {
    const { ctx, eventId, tokens, raw } = await setup(["ada@example.com"]);
    const results = await Promise.all(Array.from({ length: 100 }, () => answerInvitation(ctx, tokens[0]!, "accept")));
    const outcomes = results.map((r) => (r.ok ? r.outcome : r.code));
    expect(outcomes.filter((o) => o === "accepted")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "already_accepted")).toHaveLength(99);
    expect((await raw.collection("participants").get()).size).toBe(1);
    expect((await getEvent(ctx, eventId))?.data.counters.accepted).toBe(1);
    expect((await raw.collection("jobs").where("kind", "==", "confirmation").get()).size).toBe(1);
  });

  it("tells the guest 'accepted' when the answer's commit landed but its reply was lost and the transaction ran again", async () => {
    const { ctx, eventId, tokens, raw, meter } = await setup(["ada@example.com"]);
    // What the client library does when a commit's reply is lost (a dropped connection, a deadline): it runs the
    // transaction again, which now reads the answer its first attempt wrote.
    class LostCommitReply extends MeteredFirestore {
      override async transaction<R>(op: string, body: (tx: TransactionScope) => Promise<R>): Promise<R> {
        if (op === "rsvp.answer") await super.transaction(op, body);
        return super.transaction(op, body);
      }
    }
    const lossy = { ...ctx, db: new LostCommitReply(raw, meter) };
    expect(await answerInvitation(lossy, tokens[0]!, "accept")).toEqual({ ok: true, outcome: "accepted" });
    expect(await answerInvitation(lossy, tokens[0]!, "decline")).toEqual({ ok: true, outcome: "changed" });
    expect(await answerInvitation(lossy, tokens[0]!, "accept")).toEqual({ ok: true, outcome: "changed" });
    // A different request for the answer on record is still told so.
    expect(await answerInvitation(ctx, tokens[0]!, "accept")).toEqual({ ok: true, outcome: "already_accepted" });
    expect((await raw.collection("participants").get()).size).toBe(1);
    expect((await getEvent(ctx, eventId))?.data.counters).toMatchObject({ accepted: 1, declined: 0, pending: 0 });
  });

  it("enforces capacity under concurrency: exactly as many accepted as seats, the rest told it is full", async () => {
    const { ctx, eventId, tokens, raw } = await setup(addresses(30), { capacity: 12 });
    const results = await Promise.all(tokens.map((t) => answerInvitation(ctx, t, "accept")));
    const outcomes = results.map((r) => (r.ok ? r.outcome : r.code));
    expect(outcomes.filter((o) => o === "accepted")).toHaveLength(12);
    expect(outcomes.filter((o) => o === "full")).toHaveLength(18);
    expect((await raw.collection("participants").get()).size).toBe(12);
    expect((await getEvent(ctx, eventId))?.data.counters).toMatchObject({ accepted: 12, pending: 18 });

    // A guest who was told "full" can still get in when someone frees a seat.
    const goingIndex = outcomes.indexOf("accepted");
    const fullIndex = outcomes.indexOf("full");
    expect(await answerInvitation(ctx, tokens[goingIndex]!, "decline")).toEqual({ ok: true, outcome: "changed" });
    expect(await answerInvitation(ctx, tokens[fullIndex]!, "accept")).toEqual({ ok: true, outcome: "accepted" });
    expect((await getEvent(ctx, eventId))?.data.counters).toMatchObject({ accepted: 12, declined: 1, pending: 17 });
  });

  it("lets a guest change their answer until the RSVP deadline, then refuses", async () => {
    let now = new Date();
    const start = new Date(now.getTime() + 10 * 24 * 3600_000);
    const { ctx, tokens } = await setup(["ada@example.com"], {
      startsAt: start,
      endsAt: new Date(start.getTime() + 3600_000),
      rsvpDeadline: new Date(now.getTime() + 24 * 3600_000),
    }, () => now);
    expect(await answerInvitation(ctx, tokens[0]!, "decline")).toEqual({ ok: true, outcome: "declined" });
    expect(await answerInvitation(ctx, tokens[0]!, "accept")).toEqual({ ok: true, outcome: "changed" });
    now = new Date(now.getTime() + 2 * 24 * 3600_000);
    expect(await answerInvitation(ctx, tokens[0]!, "decline")).toEqual({ ok: true, outcome: "deadline_passed" });
  });

  it("says gone for expired, revoked and deleted-event links, and not found for malformed or unknown ones", async () => {
    let now = new Date();
    const { ctx, eventId, tokens, ids } = await setup(["a@example.com", "b@example.com"], {}, () => now);
    expect(await openInvitation(ctx, "not-a-token")).toMatchObject({ ok: false, code: "not_found" });
    expect(await openInvitation(ctx, deriveInvitationToken(TEST_SECRET, "ab".repeat(16), 1))).toMatchObject({ ok: false, code: "not_found" });

    await revokeInvitations(ctx, [ids[1]!]);
    expect(await answerInvitation(ctx, tokens[1]!, "accept")).toMatchObject({ ok: false, code: "gone", message: expect.stringContaining("withdrawn") });

    now = new Date(now.getTime() + 8 * 24 * 3600_000); // past the 7-day link lifetime
    expect(await openInvitation(ctx, tokens[0]!)).toMatchObject({ ok: false, code: "gone", message: expect.stringContaining("expired") });
    expect(await answerInvitation(ctx, tokens[0]!, "accept")).toMatchObject({ ok: false, code: "gone" });

    now = new Date();
    await deleteEvent(ctx, eventId);
    expect(await openInvitation(ctx, tokens[0]!)).toMatchObject({ ok: false, code: "not_found" });
  });

  it("refuses forged and mangled links before any read: no Firestore cost, the same not-found answer", async () => {
    const { ctx, tokens, ids, meter } = await setup(["ada@example.com"]);
    const genuine = tokens[0]!;
    const [id, version, mac] = genuine.split(".") as [string, string, string];
    const forged = [
      deriveInvitationToken("someone-elses-secret-0123456789abcdef", ids[0]!, 1),
      `${id}.${Number(version) + 1}.${mac}`,
      `${"f".repeat(32)}.${version}.${mac}`,
      // One character of the MAC changed: the first, as the last carries only two bits and could decode alike.
      `${id}.${version}.${mac[0] === "A" ? "B" : "A"}${mac.slice(1)}`,
      genuine.slice(0, -3),
      "not-a-token",
      "A".repeat(500),
    ];
    const before = meter.lifetimeTotals();
    for (const token of forged) {
      expect(await openInvitation(ctx, token), token).toEqual(await openInvitation(ctx, "not-a-token"));
      expect(await answerInvitation(ctx, token, "accept"), token).toMatchObject({ ok: false, code: "not_found" });
      expect(await invitationCalendar(ctx, token), token).toMatchObject({ ok: false, code: "not_found" });
    }
    expect(meter.lifetimeTotals()).toEqual(before);
    // A genuine link is one get by id, then its event.
    await openInvitation(ctx, genuine);
    expect(meter.lifetimeTotals().reads - before.reads).toBe(2);
  });

  it("keeps links working across a secret rotation while the previous secret is configured", async () => {
    const { ctx, tokens } = await setup(["ada@example.com"]);
    const rotated = { ...ctx, tokenSecret: "the-new-secret-0123456789abcdef0123456789", previousTokenSecret: TEST_SECRET };
    // The link already mailed, signed with the old secret, and the one a retry mails now, signed with the new.
    const mailedBefore = tokens[0]!;
    const mailedAfter = deriveInvitationToken(rotated.tokenSecret, mailedBefore.split(".")[0]!, 1);
    expect(await openInvitation(rotated, mailedBefore)).toMatchObject({ ok: true });
    expect(await answerInvitation(rotated, mailedAfter, "accept")).toEqual({ ok: true, outcome: "accepted" });
    // Once the previous secret is removed, what it signed or hashed stops opening anything.
    const { previousTokenSecret: _removed, ...afterRemoval } = rotated;
    expect(await openInvitation(afterRemoval, mailedBefore)).toMatchObject({ ok: false, code: "not_found" });
    expect(await openInvitation(afterRemoval, mailedAfter)).toMatchObject({ ok: false, code: "not_found" });
  });

  it("offers a calendar file only after accepting, with a UID stable per invitation", async () => {
    const { ctx, tokens, ids } = await setup(["ada@example.com"]);
    expect(await invitationCalendar(ctx, tokens[0]!)).toMatchObject({ ok: false, code: "conflict" });
    await answerInvitation(ctx, tokens[0]!, "accept");
    const cal = await invitationCalendar(ctx, tokens[0]!);
    if (!cal.ok) throw new Error(cal.message);
    expect(cal.ics).toContain(`UID:${ids[0]}`);
    expect(cal.ics).toContain("SEQUENCE:0");
    expect(cal.ics).toContain("SUMMARY:Launch party");
    expect(cal.filename).toBe("launch-party.ics");
  });
});
