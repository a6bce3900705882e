import { afterEach, describe, expect, it } from "vitest";
import { deleteEvent } from "@/lib/services/events";
import { resendInvitations, revokeInvitations } from "@/lib/services/invitations";
import { answerInvitation } from "@/lib/services/rsvp";
import { addresses } from "@/tests/support/fixtures";
import { startSendgridStandin, type ProviderStandin } from "@/tests/support/provider-standins";
import { faultWorld, figures, ledger, record, until, type FaultWorld } from "./harness";

/**
 * An organiser or a guest acts while the email it concerns is already on its way, at a provider that takes
 * two seconds to answer. Whatever was handed to the provider before the action stays sent (it cannot be
 * recalled); nothing is sent after it, the late outcome never resurrects the cancelled job, and the counters
 * stay exact.
 */

let world: FaultWorld | null = null;
let standin: ProviderStandin | null = null;
afterEach(async () => {
  await world?.close();
  await standin?.close();
  world = null;
  standin = null;
});

async function slowWorld(name: string) {
  standin = await startSendgridStandin({ apiKey: "key-123", behaviour: { latencyMs: 2_000 } });
  world = await faultWorld(name);
  await world.provider("sg", "sendgrid", standin, { settings: { baseUrl: standin.url, timeoutMs: 6_000 } });
  return { w: world, sg: standin };
}

/** Lets a worker that might still (wrongly) send something have the chance to. */
const settle = () => new Promise((r) => setTimeout(r, 3_000));
/** The drain learns of a cancellation through a listener; this covers its delivery on a busy machine. */
const LISTENER_ALLOWANCE_MS = 500;

describe("actions while an email is in flight at a slow provider", () => {
  it("revoke: the email already handed over is the only one, and its job stays cancelled", async () => {
    const { w, sg } = await slowWorld("revoke");
    const [id] = await w.invite(["ada@example.com"]);
    await w.startWorker();
    await until(() => sg.requests.length === 1, 20_000, "the send to reach the provider");
    await revokeInvitations(w.ctx, [id!]);
    const cancelledAt = Date.now();
    await w.drained();
    await settle();
    const sent = ledger({ sg });
    expect(sent.filter((s) => s.at > cancelledAt + LISTENER_ALLOWANCE_MS)).toEqual([]);
    expect(sent).toHaveLength(1);
    const job = (await w.jobStates()).find((j) => j.id === `${id}-1`);
    expect(job?.state).toBe("cancelled");
    await w.doctor();
    record("revoke while in flight", { ...figures(sent), jobState: job?.state, counters: (await w.raw.doc(`events/${w.eventId}`).get()).data()?.counters });
  });

  it("resend: the old link's late success is not recorded as the new link's, and the new link goes once", async () => {
    const { w, sg } = await slowWorld("resend");
    const [id] = await w.invite(["bob@example.com"]);
    await w.startWorker();
    await until(() => sg.requests.length === 1, 20_000, "the first send to reach the provider");
    await resendInvitations(w.ctx, [id!]);
    await w.drained();
    await until(() => ledger({ sg }).length >= 2, 20_000, "the new link's email");
    await settle();
    const sent = ledger({ sg });
    expect(sent.map((s) => s.key)).toEqual([`${id}-1`, `${id}-2`]);
    const invitation = (await w.raw.doc(`invitations/${id}`).get()).data();
    expect(invitation?.delivery.state).toBe("sent");
    expect(invitation?.jobId).toBe(`${id}-2`);
    await w.doctor();
    record("resend while in flight", { ...figures(sent), counters: (await w.raw.doc(`events/${w.eventId}`).get()).data()?.counters });
  });

  it("decline while the confirmation is at the provider: that one email stays the only one, no decline mail follows", async () => {
    const { w, sg } = await slowWorld("decline-inflight");
    const [id] = await w.invite(["carol@example.com"]);
    await w.startWorker();
    await until(() => ledger({ sg }).length === 1, 20_000, "the invitation");
    await answerInvitation(w.ctx, w.token(id!), "accept");
    await until(() => sg.requests.length === 2, 30_000, "the confirmation to reach the provider");
    await answerInvitation(w.ctx, w.token(id!), "decline");
    const declinedAt = Date.now();
    await w.drained();
    await settle();
    const sent = ledger({ sg });
    expect(sent.filter((s) => s.at > declinedAt + LISTENER_ALLOWANCE_MS)).toEqual([]);
    expect(sent).toHaveLength(2);
    await w.doctor();
    record("decline while the confirmation is in flight", figures(sent));
  });

  it("decline a moment after accepting: no confirmation at all", async () => {
    const { w, sg } = await slowWorld("decline-settle");
    const [id] = await w.invite(["dan@example.com"]);
    await w.startWorker();
    await until(() => ledger({ sg }).length === 1, 20_000, "the invitation");
    await answerInvitation(w.ctx, w.token(id!), "accept");
    await answerInvitation(w.ctx, w.token(id!), "decline");
    await new Promise((r) => setTimeout(r, 8_000));
    await w.drained();
    const sent = ledger({ sg });
    expect(sent.map((s) => s.key)).toEqual([`${id}-1`]);
    await w.doctor();
    record("accept then decline at once", figures(sent));
  });

  it("event deleted while its emails wait on a provider's rate limit: none is sent after the deletion", async () => {
    standin = await startSendgridStandin({ apiKey: "key-123", behaviour: { latencyMs: 200 } });
    world = await faultWorld("delete");
    const w = world;
    const sg = standin;
    await w.provider("sg", "sendgrid", sg, { ratePerSecond: 2, settings: { baseUrl: sg.url, timeoutMs: 3_000 } });
    await w.invite(addresses(12, "party"));
    await w.startWorker();
    await until(() => sg.requests.length >= 2, 20_000, "the first sends");
    await deleteEvent(w.ctx, w.eventId);
    const deletedAt = Date.now();
    await settle();
    const sent = ledger({ sg });
    expect(sent.filter((s) => s.at > deletedAt + LISTENER_ALLOWANCE_MS)).toEqual([]);
    expect(sent.length).toBeLessThan(12);
    expect(await w.jobStates()).toEqual([]);
    await w.doctor();
    record("event deleted mid-drain", { ...figures(sent), of: 12 });
  });
});
