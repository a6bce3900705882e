import { describe, expect, it } from "vitest";
import { testFirestore } from "@/tests/support/firestore";
import { addresses, recipients, seedEvent, seedProvider, serviceContext } from "@/tests/support/fixtures";
import { countEventDocuments, deleteEventStep, getEvent } from "./events";
import { inviteGuests } from "./invitations";
import { readRuntimeSettings } from "./settings";

describe("deleting an event step by step", () => {
  it("deletes at most maxDocs per step, marks the event first, and removes it only in the last step", async () => {
    const { db, raw, meter } = testFirestore();
    const ctx = serviceContext(db);
    await seedProvider(db);
    const id = await seedEvent(ctx);
    await inviteGuests(ctx, id, recipients(addresses(120)));
    expect(await countEventDocuments(ctx, id)).toBe(241);

    const steps: { done: boolean; deleted: number }[] = [];
    for (;;) {
      const before = meter.lifetimeTotals().deletes;
      const step = await deleteEventStep(ctx, id, 100);
      if (!step.ok) throw new Error(step.message);
      expect(meter.lifetimeTotals().deletes - before).toBe(step.deleted);
      steps.push({ done: step.done, deleted: step.deleted });
      if (step.done) break;
      // Between steps the event is still there, visibly being deleted, and takes no new guests.
      expect((await getEvent(ctx, id))?.data.lifecycle).toBe("deleting");
      expect(await inviteGuests(ctx, id, recipients(["late@example.com"]))).toMatchObject({ ok: false, code: "conflict" });
    }
    expect(steps).toEqual([
      { done: false, deleted: 100 },
      { done: false, deleted: 100 },
      { done: true, deleted: 41 },
    ]);
    expect(await getEvent(ctx, id)).toBeNull();
    for (const name of ["invitations", "jobs", "participants"]) {
      expect((await raw.collection(name).where("eventId", "==", id).get()).size, name).toBe(0);
    }
    expect(Object.keys((await readRuntimeSettings(db)).cancelledEvents)).toEqual([id]);
    expect(await deleteEventStep(ctx, id, 100)).toMatchObject({ ok: false, code: "not_found" });
  });

  it("finishes an event whose related documents fill the last step exactly with one more, empty, step", async () => {
    const { db } = testFirestore();
    const ctx = serviceContext(db);
    await seedProvider(db);
    const id = await seedEvent(ctx);
    await inviteGuests(ctx, id, recipients(addresses(5)));
    expect(await deleteEventStep(ctx, id, 10)).toMatchObject({ ok: true, done: false, deleted: 10 });
    expect(await deleteEventStep(ctx, id, 10)).toMatchObject({ ok: true, done: true, deleted: 1 });
  });

  it("announces a resumed deletion again only when asked, so drains that forgot it hear it once more", async () => {
    const { db, raw } = testFirestore();
    const ctx = serviceContext(db);
    const id = await seedEvent(ctx);
    await raw.collection("events").doc(id).update({ lifecycle: "deleting" });
    await deleteEventStep(ctx, id, 500, { announce: false }).catch(() => undefined);
    expect((await readRuntimeSettings(db)).cancelledEvents).toEqual({});

    const other = await seedEvent(ctx, { title: "Other" });
    await raw.collection("events").doc(other).update({ lifecycle: "deleting" });
    await deleteEventStep(ctx, other, 500, { announce: true });
    expect(Object.keys((await readRuntimeSettings(db)).cancelledEvents)).toEqual([other]);
  });
});
