import { describe, expect, it } from "vitest";
import { docRef } from "@/lib/adapters/firestore/collection";
import { collections } from "@/lib/adapters/firestore/schemas";
import { testFirestore } from "@/tests/support/firestore";
import { addresses, eventInput, recipients, seedEvent, seedProvider, seedTemplate, serviceContext } from "@/tests/support/fixtures";
import { createEvent, deleteEvent, getEvent, updateEvent } from "./events";
import { inviteGuests } from "./invitations";
import { readRuntimeSettings } from "./settings";

describe("events", () => {
  it("creates an event with zeroed counters in one write, and refuses an unknown template", async () => {
    const { db, meter } = testFirestore();
    const ctx = serviceContext(db);
    await seedTemplate(db);
    const before = meter.lifetimeTotals().writes;
    const created = await createEvent(ctx, eventInput(), { name: "Ada", email: "ada@example.com" });
    if (!created.ok) throw new Error(created.message);
    expect(meter.lifetimeTotals().writes - before).toBe(1);
    expect((await getEvent(ctx, created.id))?.data).toMatchObject({ lifecycle: "active", sequence: 0, counters: { invited: 0, accepted: 0 } });
    expect(await createEvent(ctx, eventInput({ templateId: "nope" }), { name: "Ada", email: "ada@example.com" })).toMatchObject({
      ok: false,
      fieldErrors: { templateId: expect.any(String) },
    });
  });

  it("bumps the calendar sequence on edit and refuses a capacity below those already going", async () => {
    const { db } = testFirestore();
    const ctx = serviceContext(db);
    const id = await seedEvent(ctx);
    expect(await updateEvent(ctx, id, eventInput({ title: "Renamed", location: undefined }))).toEqual({ ok: true });
    const after = (await getEvent(ctx, id))!.data;
    expect(after).toMatchObject({ title: "Renamed", sequence: 1 });
    expect(after.location).toBeUndefined();
  });

  it("deletes an event with over 500 related documents, keeps audit entries, and tells drains to stop", async () => {
    const { db, raw } = testFirestore();
    const ctx = serviceContext(db);
    await seedProvider(db);
    const id = await seedEvent(ctx);
    const other = await seedEvent(ctx, { title: "Other" });
    await inviteGuests(ctx, id, recipients(addresses(400)));
    await inviteGuests(ctx, other, recipients(addresses(3)));
    await db.set("test.seed", docRef(collections.audit, "a1"), {
      at: new Date(), drainId: "d", entries: [], invitationIds: [], eventIds: [id],
    });

    const progress: number[] = [];
    const result = await deleteEvent(ctx, id, (p) => progress.push(p.deleted));
    expect(result).toMatchObject({ ok: true, deleted: 801 });
    expect(progress.at(-1)).toBe(800);
    for (const name of ["invitations", "jobs", "participants"]) {
      expect((await raw.collection(name).where("eventId", "==", id).get()).size, name).toBe(0);
    }
    expect(await getEvent(ctx, id)).toBeNull();
    expect((await raw.collection("invitations").where("eventId", "==", other).get()).size).toBe(3);
    expect((await raw.collection("audit").get()).size).toBe(1);
    expect(Object.keys((await readRuntimeSettings(db)).cancelledEvents)).toEqual([id]);
  });

  it("resumes a deletion that was interrupted half-way", async () => {
    const { db, raw } = testFirestore();
    const ctx = serviceContext(db);
    await seedProvider(db);
    const id = await seedEvent(ctx);
    await inviteGuests(ctx, id, recipients(addresses(50)));
    // Simulate a crash after the event was marked and its jobs deleted, before the rest.
    await raw.collection("events").doc(id).update({ lifecycle: "deleting" });
    const jobs = await raw.collection("jobs").where("eventId", "==", id).get();
    await Promise.all(jobs.docs.map((d) => d.ref.delete()));
    expect((await getEvent(ctx, id))?.data.lifecycle).toBe("deleting");
    expect(await inviteGuests(ctx, id, recipients(["late@example.com"]))).toMatchObject({ ok: false, code: "conflict" });

    expect(await deleteEvent(ctx, id)).toMatchObject({ ok: true });
    expect((await raw.collection("invitations").where("eventId", "==", id).get()).size).toBe(0);
    expect(await getEvent(ctx, id)).toBeNull();
  });
});
