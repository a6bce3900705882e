import { describe, expect, it } from "vitest";
import { docRef } from "@/lib/adapters/firestore/collection";
import { collections, type AuditEntry } from "@/lib/adapters/firestore/schemas";
import { testFirestore } from "@/tests/support/firestore";
import { addresses, recipients, seedEvent, seedProvider, serviceContext } from "@/tests/support/fixtures";
import { inviteGuests, listAttempts, listInvitations, revokeInvitations } from "./invitations";

async function setup() {
  const fs = testFirestore();
  const ctx = serviceContext(fs.db);
  await seedProvider(fs.db);
  const eventId = await seedEvent(ctx);
  return { ...fs, ctx, eventId };
}

function entry(invitationId: string, at: string, outcome: AuditEntry["outcome"], attempt = 1): AuditEntry {
  return {
    at: new Date(at),
    jobId: `${invitationId}-1`,
    invitationId,
    eventId: "e",
    kind: "invitation",
    providerId: "smtp-local",
    outcome,
    errorClass: outcome === "retry" ? "transient" : null,
    message: outcome === "retry" ? "421 try later" : null,
    latencyMs: 120,
    attempt,
    idempotencyKey: `${invitationId}-1`,
    resumed: false,
    superseded: false,
  };
}

describe("admin views of invitations", () => {
  it("pages through an event's invitations by address with a cursor, and filters by several statuses", async () => {
    const { ctx, eventId } = await setup();
    const invited = await inviteGuests(ctx, eventId, recipients(addresses(7)));
    if (!invited.ok) throw new Error(invited.message);
    const first = await listInvitations(ctx, eventId, { limit: 3 });
    const second = await listInvitations(ctx, eventId, { limit: 3, after: first.at(-1)!.data.emailKey });
    const third = await listInvitations(ctx, eventId, { limit: 3, after: second.at(-1)!.data.emailKey });
    const seen = [...first, ...second, ...third].map((s) => s.data.emailKey);
    expect(seen).toEqual([...addresses(7)].sort());

    const revokedId = first[0]!.id;
    await revokeInvitations(ctx, [revokedId]);
    const some = await listInvitations(ctx, eventId, { statuses: ["revoked", "accepted"] });
    expect(some.map((s) => s.id)).toEqual([revokedId]);
    expect(await listInvitations(ctx, eventId, { statuses: ["queued"], search: "guest1" })).toHaveLength(1);
  });

  it("lists one invitation's delivery attempts, newest first, out of audit batches shared with others", async () => {
    const { ctx, db, eventId } = await setup();
    const invited = await inviteGuests(ctx, eventId, recipients(["ada@example.com", "bob@example.com"]));
    if (!invited.ok) throw new Error(invited.message);
    const [ada, bob] = invited.rows.map((r) => (r.outcome === "invited" ? r.invitationId : ""));
    await db.set("test.seed", docRef(collections.audit, "batch-1"), {
      at: new Date("2026-05-01T10:00:00Z"),
      drainId: "d1",
      entries: [entry(ada!, "2026-05-01T10:00:00Z", "retry"), entry(bob!, "2026-05-01T10:00:01Z", "sent")],
      invitationIds: [ada!, bob!],
      eventIds: [eventId],
    });
    await db.set("test.seed", docRef(collections.audit, "batch-2"), {
      at: new Date("2026-05-01T10:05:00Z"),
      drainId: "d2",
      entries: [entry(ada!, "2026-05-01T10:05:00Z", "simulated", 2)],
      invitationIds: [ada!],
      eventIds: [eventId],
    });

    const attempts = await listAttempts(ctx, ada!);
    expect(attempts.map((a) => [a.outcome, a.attempt])).toEqual([
      ["simulated", 2],
      ["retry", 1],
    ]);
    expect(attempts.every((a) => a.invitationId === ada)).toBe(true);
    expect(await listAttempts(ctx, "0".repeat(32))).toEqual([]);
  });
});
