import { afterEach, describe, expect, it } from "vitest";
import { addresses } from "@/tests/support/fixtures";
import { startResendStandin, startSendgridStandin, type ProviderStandin } from "@/tests/support/provider-standins";
import { faultWorld, figures, ledger, record, until, type FaultWorld } from "./harness";

/**
 * Providers misbehave: one hangs past its timeout, one fails for thirty seconds and recovers, all of them go
 * down for a while. Emails move to whatever works, wait (without failing) when nothing does, and every guest
 * ends up with exactly one invitation.
 */

let world: FaultWorld | null = null;
const standins: ProviderStandin[] = [];
afterEach(async () => {
  await world?.close();
  world = null;
  await Promise.all(standins.splice(0).map((s) => s.close()));
});

async function sendgrid(behaviour = {}) {
  const s = await startSendgridStandin({ apiKey: "key-123", behaviour });
  standins.push(s);
  return s;
}
async function resend(behaviour = {}) {
  const s = await startResendStandin({ apiKey: "key-123", behaviour });
  standins.push(s);
  return s;
}

function onceEach(sent: ReturnType<typeof ledger>, guests: string[]) {
  const recipients = sent.map((s) => s.to);
  expect([...new Set(recipients)].sort()).toEqual([...guests].sort());
  expect(new Set(sent.map((s) => s.key)).size).toBe(guests.length);
}

describe("providers that hang, fail and recover", () => {
  it("a provider that hangs past its timeout: its emails go out through another, once each", async () => {
    const hung = await sendgrid({ hang: true });
    const ok = await resend({ latencyMs: 30 });
    world = await faultWorld("hang");
    const w = world;
    await w.provider("hung", "sendgrid", hung, { priority: 0, settings: { baseUrl: hung.url, timeoutMs: 1_000 } });
    await w.provider("ok", "resend", ok, { priority: 5 });
    const guests = addresses(20, "hang");
    await w.invite(guests);
    await w.startWorker();
    await w.drained(90_000);
    const sent = ledger({ hung, ok });
    onceEach(sent, guests);
    expect(sent.every((s) => s.via === "ok")).toBe(true);
    const jobs = await w.jobStates();
    expect(jobs.every((j) => j.state === "completed")).toBe(true);
    await w.doctor();
    record("provider hangs past its timeout", { ...figures(sent), timedOutAttempts: hung.requests.length });
  });

  it("a provider failing for 30 s: traffic moves to the other, and it comes back into use once it recovers", async () => {
    const flaky = await sendgrid({ status: 503, latencyMs: 20 });
    const steady = await sendgrid({ latencyMs: 20 });
    world = await faultWorld("flaky");
    const w = world;
    await w.provider("flaky", "sendgrid", flaky, { priority: 0 });
    await w.provider("steady", "sendgrid", steady, { priority: 5, ratePerSecond: 20 });
    const first = addresses(40, "flaky");
    await w.invite(first);
    const started = Date.now();
    await w.startWorker();
    await w.drained(90_000);
    // Recovered after thirty seconds: later invitations reach it again, through its circuit's probe.
    await until(() => Date.now() - started > 30_000, 40_000, "thirty seconds");
    flaky.setBehaviour({ latencyMs: 20 });
    const second = addresses(60, "later");
    const deadline = Date.now() + 90_000;
    let sent = ledger({ flaky, steady });
    while (!sent.some((s) => s.via === "flaky" && s.to.startsWith("later")) && Date.now() < deadline) {
      await w.invite(addresses(10, `later${sent.length}`));
      await new Promise((r) => setTimeout(r, 3_000));
      sent = ledger({ flaky, steady });
    }
    await w.invite(second);
    await w.drained(90_000);
    sent = ledger({ flaky, steady });
    expect(sent.some((s) => s.via === "flaky" && s.to.startsWith("later"))).toBe(true);
    expect(new Set(sent.map((s) => s.key)).size).toBe(sent.length);
    for (const guest of first) expect(sent.filter((s) => s.to === guest)).toHaveLength(1);
    expect((await w.jobStates()).every((j) => j.state === "completed")).toBe(true);
    await w.doctor();
    record("provider fails for 30 s then recovers", { ...figures(sent), refusedWhileDown: flaky.requests.filter((r) => r.status === 503).length, viaRecovered: sent.filter((s) => s.via === "flaky").length });
  });

  it("every provider down for a while, then up: jobs wait instead of failing, then all go out once", async () => {
    const a = await sendgrid({ status: 503 });
    const b = await resend({ status: 500 });
    world = await faultWorld("alldown");
    const w = world;
    await w.provider("a", "sendgrid", a, { priority: 0 });
    await w.provider("b", "resend", b, { priority: 1 });
    const guests = addresses(15, "down");
    await w.invite(guests);
    await w.startWorker();
    await until(() => a.requests.length + b.requests.length >= 10, 30_000, "failed attempts");
    await new Promise((r) => setTimeout(r, 8_000));
    expect((await w.jobStates()).filter((j) => j.state === "failed")).toEqual([]);
    a.setBehaviour({ latencyMs: 20 });
    b.setBehaviour({ latencyMs: 20 });
    const upAt = Date.now();
    await w.drained(180_000);
    const sent = ledger({ a, b });
    onceEach(sent, guests);
    const jobs = await w.jobStates();
    expect(jobs.every((j) => j.state === "completed")).toBe(true);
    // Mail resumes with the circuits' probes (30 s after they opened) and the jobs' first backoffs: the last
    // email used to wait for a probe's two-minute timeout as well (about 140 s after the providers came back).
    const lastSentAt = Math.max(...[...a.requests, ...b.requests].filter((r) => r.status !== null && r.status < 300).map((r) => r.receivedAt));
    expect(lastSentAt - upAt).toBeLessThan(90_000);
    await w.doctor();
    record("all providers down, then up", {
      ...figures(sent),
      refusedWhileDown: a.requests.length + b.requests.length - sent.length,
      maxAttempts: Math.max(...jobs.map((j) => j.attempts)),
      lastSentSecondsAfterRecovery: Math.round((lastSentAt - upAt) / 1000),
    });
  });
});
