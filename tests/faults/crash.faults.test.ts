import { afterEach, describe, expect, it } from "vitest";
import { addresses } from "@/tests/support/fixtures";
import { startSendgridStandin, type ProviderStandin } from "@/tests/support/provider-standins";
import { startTcpProxy, type TcpProxy } from "@/tests/support/tcp-proxy";
import { emulatorHost, faultWorld, figures, ledger, record, until, type FaultWorld } from "./harness";

/**
 * The worker dies, or loses Firestore, in the middle of a chunk. Nothing may be lost, nothing sent again under
 * a new key; sends repeated under the same key (the ones in flight at the crash) are counted and reported:
 * SendGrid and SMTP do not de-duplicate them, Resend does.
 */

let world: FaultWorld | null = null;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await world?.close();
  world = null;
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function standin(): Promise<ProviderStandin> {
  const s = await startSendgridStandin({ apiKey: "key-123", behaviour: { latencyMs: 40 }, recordBodies: true });
  closers.push(() => s.close());
  return s;
}

function expectEveryoneOnce(sent: ReturnType<typeof ledger>, invited: string[]) {
  const keysByRecipient = new Map<string, Set<string>>();
  for (const s of sent) keysByRecipient.set(s.to, (keysByRecipient.get(s.to) ?? new Set()).add(s.key));
  expect([...keysByRecipient.keys()].sort()).toEqual([...invited].sort());
  // One job per guest, so one key per guest: a second key would be a second, different email.
  expect([...keysByRecipient.values()].filter((keys) => keys.size > 1)).toEqual([]);
}

describe("a worker that dies or loses Firestore mid-chunk", () => {
  it("SIGKILL mid-chunk, then a restart: every guest gets their invitation, never under a second key", async () => {
    const sg = await standin();
    world = await faultWorld("sigkill");
    const w = world;
    await w.provider("sg", "sendgrid", sg, { ratePerSecond: 60 });
    const guests = addresses(200, "crash");
    await w.invite(guests);
    const first = await w.startWorker({ leaseMs: 8_000, claimSize: 50 });
    await until(() => ledger({ sg }).length >= 70, 60_000, "some sends before the kill");
    await first.kill("SIGKILL");
    const killedAfter = ledger({ sg }).length;
    await w.startWorker({ leaseMs: 8_000, claimSize: 50 });
    await w.drained(120_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const sent = ledger({ sg });
    expectEveryoneOnce(sent, guests);
    const jobs = await w.jobStates();
    expect(jobs.every((j) => j.state === "completed")).toBe(true);
    await w.doctor();
    record("worker SIGKILLed mid-chunk, then restarted", { ...figures(sent), killedAfter, resumed: jobs.filter((j) => j.attempts > 1).length });
  });

  it("Firestore cut off for 10 s mid-drain, then back: every guest once, outcomes recorded after the cut", async () => {
    const sg = await standin();
    const [host, port] = emulatorHost().split(":");
    const proxy: TcpProxy = await startTcpProxy({ host: host!, port: Number(port) });
    closers.push(() => proxy.close());
    world = await faultWorld("netcut");
    const w = world;
    await w.provider("sg", "sendgrid", sg, { ratePerSecond: 40 });
    const guests = addresses(240, "cut");
    await w.invite(guests);
    await w.startWorker({ firestore: proxy.address, leaseMs: 60_000, claimSize: 60 });
    await until(() => ledger({ sg }).length >= 60, 60_000, "some sends before the cut");
    proxy.cut();
    const cutAt = ledger({ sg }).length;
    await new Promise((r) => setTimeout(r, 10_000));
    const duringCut = ledger({ sg }).length - cutAt;
    proxy.restore();
    await w.drained(150_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const sent = ledger({ sg });
    expectEveryoneOnce(sent, guests);
    expect((await w.jobStates()).every((j) => j.state === "completed")).toBe(true);
    await w.doctor();
    record("Firestore connection cut for 10 s mid-drain", { ...figures(sent), sentBeforeCut: cutAt, sentDuringCut: duringCut });
  });
});
