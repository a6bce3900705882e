import { describe, expect, it } from "vitest";
import { docRef } from "@/lib/adapters/firestore/collection";
import { collections } from "@/lib/adapters/firestore/schemas";
import { deriveInvitationToken } from "@/lib/domain/invitations/token";
import { SUPPRESSION_SHARDS } from "@/lib/domain/suppression";
import { testFirestore } from "@/tests/support/firestore";
import { addresses, recipients, seedEvent, seedProvider, serviceContext, TEST_SECRET } from "@/tests/support/fixtures";
import { getEvent } from "./events";
import { inviteGuests, listInvitations, resendInvitations, revokeInvitations } from "./invitations";
import { answerInvitation, openInvitation } from "./rsvp";

async function setup() {
  const fs = testFirestore();
  const ctx = serviceContext(fs.db);
  await seedProvider(fs.db);
  const eventId = await seedEvent(ctx);
  return { ...fs, ctx, eventId };
}

describe("inviting guests", () => {
  it("writes each invitation with its queue job and the counters, without reading anything per guest", async () => {
    const { ctx, eventId, raw, meter } = await setup();
    const before = meter.lifetimeTotals();
    const result = await inviteGuests(ctx, eventId, recipients(addresses(600)));
    expect(result).toMatchObject({ ok: true, invited: 600, duplicates: 0, rejected: 0 });
    const after = meter.lifetimeTotals();
    // The event, the provider check, and the suppression list's shards these addresses fall in: per call, not per guest.
    expect(after.reads - before.reads).toBeLessThanOrEqual(2 + SUPPRESSION_SHARDS);
    expect(after.writes - before.writes).toBe(600 * 2 + Math.ceil(600 / 249));

    const invitations = await raw.collection("invitations").where("eventId", "==", eventId).get();
    const jobs = await raw.collection("jobs").where("eventId", "==", eventId).get();
    expect(invitations.size).toBe(600);
    expect(jobs.size).toBe(600);
    expect(jobs.docs.every((j) => j.data().state === "pending" && j.data().priority === "normal")).toBe(true);
    expect((await getEvent(ctx, eventId))?.data.counters).toMatchObject({ invited: 600, pending: 600 });
  });

  it("never stores the raw link token anywhere", async () => {
    const { ctx, eventId, raw } = await setup();
    const result = await inviteGuests(ctx, eventId, recipients(["ada@example.com"]));
    if (!result.ok || result.rows[0]?.outcome !== "invited") throw new Error("invite failed");
    const id = result.rows[0].invitationId;
    const token = deriveInvitationToken(TEST_SECRET, id, 1);
    const dump = JSON.stringify([
      ...(await raw.collection("invitations").get()).docs.map((d) => d.data()),
      ...(await raw.collection("jobs").get()).docs.map((d) => d.data()),
    ]);
    // The id and version in the link are not secret; its signature is, and it appears nowhere.
    expect(dump).not.toContain(token.split(".")[2]);
    expect((await openInvitation(ctx, token)).ok).toBe(true);
  });

  it("lets two concurrent uploads of overlapping lists invite each address exactly once", async () => {
    const { ctx, eventId, raw } = await setup();
    const a = addresses(300, "a").concat(addresses(200, "shared"));
    const b = addresses(300, "b").concat(addresses(200, "shared").map((e) => e.toUpperCase()));
    const [ra, rb] = await Promise.all([inviteGuests(ctx, eventId, recipients(a)), inviteGuests(ctx, eventId, recipients(b))]);
    if (!ra.ok || !rb.ok) throw new Error("upload failed");
    expect(ra.invited + rb.invited).toBe(800);
    expect(ra.duplicates + rb.duplicates).toBe(200);
    const invitations = await raw.collection("invitations").where("eventId", "==", eventId).get();
    expect(invitations.size).toBe(800);
    expect((await raw.collection("jobs").where("eventId", "==", eventId).get()).size).toBe(800);
    expect((await getEvent(ctx, eventId))?.data.counters).toMatchObject({ invited: 800, pending: 800 });
  });

  it("reports rows as invited, duplicate or rejected, with reasons", async () => {
    const { ctx, eventId } = await setup();
    await inviteGuests(ctx, eventId, recipients(["old@example.com"]));
    const result = await inviteGuests(ctx, eventId, recipients(["new@example.com", "OLD@example.com", "new@example.com", "not-an-email"]));
    if (!result.ok) throw new Error(result.message);
    expect(result.rows.map((r) => [r.email, r.outcome])).toEqual([
      ["new@example.com", "invited"],
      ["OLD@example.com", "duplicate"],
      ["new@example.com", "duplicate"],
      ["not-an-email", "rejected"],
    ]);
  });

  it("re-invites an address whose invitation was revoked, with a new link, and the old link stops working", async () => {
    const { ctx, eventId, raw } = await setup();
    const first = await inviteGuests(ctx, eventId, recipients(["ada@example.com"]));
    if (!first.ok || first.rows[0]?.outcome !== "invited") throw new Error("invite failed");
    const id = first.rows[0].invitationId;
    const oldToken = deriveInvitationToken(TEST_SECRET, id, 1);
    await revokeInvitations(ctx, [id]);
    expect(await openInvitation(ctx, oldToken)).toMatchObject({ ok: false, code: "gone" });
    expect((await raw.collection("jobs").doc(`${id}-1`).get()).data()?.state).toBe("cancelled");

    const again = await inviteGuests(ctx, eventId, recipients(["Ada@Example.com"]));
    expect(again).toMatchObject({ ok: true, reinvited: 1, invited: 0 });
    expect(await openInvitation(ctx, oldToken)).toMatchObject({ ok: false, code: "not_found" });
    expect((await openInvitation(ctx, deriveInvitationToken(TEST_SECRET, id, 2))).ok).toBe(true);
    expect((await getEvent(ctx, eventId))?.data.counters).toMatchObject({ invited: 1, pending: 1, revoked: 0 });
  });

  it("resend rotates the link but keeps an accepted guest's answer", async () => {
    const { ctx, eventId } = await setup();
    const first = await inviteGuests(ctx, eventId, recipients(["ada@example.com"]));
    if (!first.ok || first.rows[0]?.outcome !== "invited") throw new Error("invite failed");
    const id = first.rows[0].invitationId;
    await answerInvitation(ctx, deriveInvitationToken(TEST_SECRET, id, 1), "accept");
    await resendInvitations(ctx, [id]);
    const view = await openInvitation(ctx, deriveInvitationToken(TEST_SECRET, id, 2));
    expect(view).toMatchObject({ ok: true, invitation: { status: "accepted" } });
    expect((await getEvent(ctx, eventId))?.data.counters).toMatchObject({ accepted: 1, pending: 0 });
  });

  it("refuses to queue invitations while no provider is configured, and changes nothing", async () => {
    const fs = testFirestore();
    const ctx = serviceContext(fs.db);
    const eventId = await seedEvent(ctx);
    const result = await inviteGuests(ctx, eventId, recipients(["ada@example.com"]));
    expect(result).toMatchObject({ ok: false, code: "unavailable", message: expect.stringContaining("Add one under Providers") });
    expect((await fs.raw.collection("invitations").get()).size).toBe(0);
  });

  it("filters and searches an event's invitations", async () => {
    const { ctx, eventId } = await setup();
    await inviteGuests(ctx, eventId, recipients(["zoe@example.com", "zack@example.com", "amy@example.com"]));
    const z = await listInvitations(ctx, eventId, { search: "Z" });
    expect(z.map((i) => i.data.email)).toEqual(["zack@example.com", "zoe@example.com"]);
    expect(await listInvitations(ctx, eventId, { status: "accepted" })).toHaveLength(0);
    expect((await fsDoc(ctx, eventId)).exists).toBe(true);
  });
});

async function fsDoc(ctx: ReturnType<typeof serviceContext>, eventId: string) {
  return { exists: (await ctx.db.get("test", docRef(collections.events, eventId))) !== null };
}
