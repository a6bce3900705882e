import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { revalidateInviteRows } from "@/lib/domain/invitations/upload";
import { emptyProviderFields } from "@/lib/domain/providers/form";
import { testFirestore } from "@/tests/support/firestore";
import { seedEvent, seedProvider, serviceContext } from "@/tests/support/fixtures";
import { mutantsOf } from "@/tests/support/fuzz";
import { getEvent } from "./events";
import { inviteGuests } from "./invitations";
import { toConnection } from "./provider-config";
import { providerRef, saveProvider } from "./providers";
import { saveTemplate } from "./templates";

/**
 * Hostile input through the services that write, against the real Firestore emulator: each call either does
 * all of its work or none of it. Few runs (every one is a real transaction or batch), enough to vary the shape.
 */

const KEY = Buffer.alloc(32, 5).toString("base64");
const RUNS = { numRuns: 25 };

describe("writing services under hostile input", () => {
  it("save a provider completely or write nothing", async () => {
    const fs = testFirestore();
    const ctx = serviceContext(fs.db);
    const smtp = { ...emptyProviderFields("smtp"), name: "Relay", fromEmail: "events@example.com", host: "127.0.0.1", port: "2525", user: "u", pass: "pw" };
    const created = await saveProvider(ctx, KEY, null, smtp);
    if (!created.ok) throw new Error(created.message);
    await fc.assert(
      fc.asyncProperty(mutantsOf(smtp), async (input) => {
        const before = (await fs.raw.collection("providers").doc(created.id).get()).data();
        const result = await saveProvider(ctx, KEY, created.id, input);
        const after = (await fs.raw.collection("providers").doc(created.id).get()).data();
        if (!result.ok) {
          expect(result.code).toBe("invalid_input");
          expect(after).toEqual(before);
          return;
        }
        // What was saved is a connection a drain can use, secret included.
        const doc = await fs.db.get("test", providerRef(created.id));
        expect(() => toConnection(KEY, created.id, doc!.data)).not.toThrow();
      }),
      RUNS,
    );
    expect((await fs.raw.collection("providers").get()).size).toBe(1);
  });

  it("invite every acceptable row with its queue job and counters, and nothing else", async () => {
    const fs = testFirestore();
    const ctx = serviceContext(fs.db);
    await seedProvider(fs.db);
    const text = fc.string({ unit: "binary", maxLength: 20 });
    const row = fc.record({
      row: fc.integer({ min: 1, max: 500 }),
      email: fc.oneof(fc.emailAddress(), fc.constantFrom("ada@example.com", "ADA@example.com", " grace@example.com "), text),
      name: text,
      fields: fc.dictionary(fc.constantFrom("company", "role"), text, { maxKeys: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 8 }), async (rows) => {
        const eventId = await seedEvent(ctx);
        const checked = revalidateInviteRows(rows);
        if (!checked.ok) return;
        const result = await inviteGuests(ctx, eventId, checked.rows);
        if (!result.ok) throw new Error(result.message);
        const invitations = await fs.raw.collection("invitations").where("eventId", "==", eventId).get();
        const jobs = await fs.raw.collection("jobs").where("eventId", "==", eventId).get();
        const counters = (await getEvent(ctx, eventId))?.data.counters;
        expect(invitations.size).toBe(result.invited);
        expect(jobs.size).toBe(result.invited);
        expect(counters).toMatchObject({ invited: result.invited, pending: result.invited });
        expect(result.invited + result.duplicates + result.rejected).toBe(rows.length);
      }),
      { numRuns: 15 },
    );
  });

  it("save a template only when it renders, and leave it untouched otherwise", async () => {
    const fs = testFirestore();
    const ctx = serviceContext(fs.db);
    await fs.raw.collection("templates").doc("t1").set({ name: "T", kind: "invitation", subject: "Hi", html: "<p>Hi</p>", builtIn: false, updatedAt: new Date() });
    // The action's own schema has made every part a string by now; the service sees any strings at all.
    const part = (valid: string) =>
      fc.oneof(
        { weight: 3, arbitrary: fc.constant(valid) },
        { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
        { weight: 1, arbitrary: fc.constantFrom("", " ", "{{", "{{invitee.nmae}}", "{{#if event.location}}", "{{{event.title}}}", "{{> x}}") },
      );
    const draft = fc.record({ name: part("T"), subject: part("Hello {{invitee.name}}"), html: part("<p>{{event.title}}</p>"), text: part("") });
    await fc.assert(
      fc.asyncProperty(draft, async (typed) => {
        const before = (await fs.raw.collection("templates").doc("t1").get()).data();
        const result = await saveTemplate(ctx, "t1", typed);
        const after = (await fs.raw.collection("templates").doc("t1").get()).data();
        if (!result.ok) expect(after).toEqual(before);
        else expect(after).toMatchObject({ subject: typed.subject, html: typed.html });
      }),
      RUNS,
    );
  });
});
