import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectFirestore } from "@/lib/adapters/firestore/connect";
import { docRef } from "@/lib/adapters/firestore/collection";
import { collections } from "@/lib/adapters/firestore/schemas";
import { deriveInvitationToken } from "@/lib/domain/invitations/token";
import { checkInvariants, formatReport } from "@/lib/services/doctor";
import { inviteGuests, revokeInvitations } from "@/lib/services/invitations";
import { ensureStarterTemplates } from "@/lib/services/templates";
import { TEST_PROJECT_ID, TEST_SECRETS } from "@/scripts/lib/test-env";
import { recipients, seedEvent, seedProvider } from "@/tests/support/fixtures";
import { record, until } from "./harness";

/**
 * The three interleavings first seen from outside, replayed as a guest and an organiser meet them: plain POSTs
 * to the production app's answer URL, the test stack's own worker draining on its timer, and the mail read
 * back from the stack's inbox.
 */

const APP = process.env.HERALD_E2E_BASE_URL ?? "http://127.0.0.1:3100";
const INBOX = process.env.HERALD_TEST_INBOX_URL ?? "http://127.0.0.1:1180";
const [smtpHost, smtpPort] = (process.env.HERALD_LOCAL_SMTP ?? "127.0.0.1:1125").split(":");
const PROVIDER = `faults-inbox-${randomUUID().slice(0, 6)}`;

const fs = connectFirestore({ projectId: TEST_PROJECT_ID, clock: { now: () => new Date() }, burnShards: 2 });
const ctx = { db: fs.db, clock: { now: () => new Date() }, tokenSecret: TEST_SECRETS.tokenSecret, baseUrl: APP };
let eventId = "";

beforeAll(async () => {
  await ensureStarterTemplates(ctx);
  await seedProvider(fs.db, PROVIDER, { kind: "smtp", settings: { host: smtpHost!, port: Number(smtpPort), secure: false } });
  eventId = await seedEvent(ctx, { title: "Faults from outside" });
});

afterAll(async () => {
  // The e2e suite shares this project and expects to set up its own providers.
  await fs.db.delete("test.cleanup", docRef(collections.providers, PROVIDER));
});

interface InboxEmail {
  subject: string;
  to: { address: string }[];
}

async function mailTo(address: string): Promise<InboxEmail[]> {
  const res = await fetch(`${INBOX}/api/email`);
  const all = (await res.json()) as InboxEmail[];
  return all.filter((e) => e.to.some((t) => t.address === address));
}

async function invite(address: string): Promise<string> {
  const r = await inviteGuests(ctx, eventId, recipients([address]));
  if (!r.ok || r.rows[0]?.outcome === "rejected" || r.rows[0]?.outcome === "duplicate") throw new Error(`could not invite ${address}`);
  return (r.rows[0] as { invitationId: string }).invitationId;
}

/** This file's guest, as the app's per-address rate limit sees it: apart from the browser tests' traffic. */
const GUEST_ADDRESS = `2001:db8:${randomUUID().slice(0, 4)}:fa::1`;

async function answer(invitationId: string, choice: "accept" | "decline"): Promise<number> {
  const token = deriveInvitationToken(TEST_SECRETS.tokenSecret, invitationId, 1);
  const res = await fetch(`${APP}/invite/${token}/answer`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": GUEST_ADDRESS },
    body: `answer=${choice}`,
    redirect: "manual",
  });
  return res.status;
}

/** Longer than the confirmation's settle delay plus a few of the worker's one-second ticks. */
const quiet = () => new Promise((r) => setTimeout(r, 12_000));

async function expectHealthy() {
  const report = await checkInvariants(fs.db, ctx.clock, { eventIds: [eventId] });
  expect(report.violations, formatReport(report)).toEqual([]);
}

describe("the interleavings first seen from outside", () => {
  it("accept, then decline a moment later: the guest who declined gets no 'You're going'", async () => {
    const address = `late-decline-${randomUUID().slice(0, 6)}@example.com`;
    const id = await invite(address);
    await until(async () => (await mailTo(address)).length === 1, 30_000, "the invitation in the inbox");
    expect(await answer(id, "accept")).toBe(303);
    expect(await answer(id, "decline")).toBe(303);
    await quiet();
    const mail = await mailTo(address);
    expect(mail.map((m) => m.subject)).toEqual(["You're invited to Faults from outside"]);
    await expectHealthy();
    record("outside: accept then decline", { emails: mail.length, confirmations: 0 });
  });

  it("decline and accept ten times with plain POSTs: one confirmation, for the answer that stands", async () => {
    const address = `toggler-${randomUUID().slice(0, 6)}@example.com`;
    const id = await invite(address);
    await until(async () => (await mailTo(address)).length === 1, 30_000, "the invitation in the inbox");
    for (let i = 0; i < 10; i++) expect(await answer(id, i % 2 === 0 ? "decline" : "accept")).toBe(303);
    await until(async () => (await mailTo(address)).length >= 2, 30_000, "the confirmation");
    await quiet();
    const mail = await mailTo(address);
    expect(mail.filter((m) => m.subject.startsWith("You're going"))).toHaveLength(1);
    expect(mail).toHaveLength(2);
    await expectHealthy();
    record("outside: toggle the answer 10 times", { emails: mail.length, confirmations: 1 });
  });

  it("revoke a guest, then invite the same address again: the new invitation arrives", async () => {
    const address = `reinvited-${randomUUID().slice(0, 6)}@example.com`;
    const id = await invite(address);
    await until(async () => (await mailTo(address)).length === 1, 30_000, "the first invitation");
    await revokeInvitations(ctx, [id]);
    expect(await invite(address)).toBe(id);
    await until(async () => (await mailTo(address)).length === 2, 30_000, "the second invitation");
    // The worker records outcomes within a couple of seconds of the send.
    await until(async () => (await fs.raw.doc(`invitations/${id}`).get()).data()?.delivery.state === "sent", 10_000, "the delivery to be recorded");
    await expectHealthy();
    record("outside: revoke then invite again", { emails: 2 });
  });
});
