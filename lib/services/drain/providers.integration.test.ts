import { describe, expect, it } from "vitest";
import { startSmtpCatcher } from "@/tests/support/smtp-catcher";
import { drainWorld, smtpProvider } from "@/tests/support/drain-world";
import { seedProvider } from "@/tests/support/fixtures";
import { newDrainId } from "./index";
import { initialHealth } from "@/lib/domain/delivery/provider-health";
import type { SendResult } from "@/lib/ports/mailer";
import { ProviderPool } from "./providers";

/**
 * Quota grants are topped up in the background while sends go on (a send waits only when its drain's units
 * are all used). These drive three drains' pools directly, taking and giving back units as fast as they can,
 * so top-ups overlap the takes they must account for.
 */
describe("a provider's daily quota shared by drains that top up their grants while sending", () => {
  it("never hands out more than the quota, nearly all of it, and settles what was used", async () => {
    const smtp = await startSmtpCatcher();
    try {
      const w = await drainWorld();
      const QUOTA = 1_234;
      await seedProvider(w.db, "smtp", smtpProvider(smtp, { dailyQuota: QUOTA, resetTime: "00:00", timezone: "UTC" }));
      const pools = await Promise.all([0, 1, 2].map(() => ProviderPool.load(w.ports, newDrainId(), 2_000)));
      // Each pool takes units 40 at a time (as a drain's concurrent sends do) and gives every fifth back, as a
      // send that never reached the provider does, until a take is refused twice in a row.
      const kept = await Promise.all(
        pools.map(async (pool) => {
          let sent = 0;
          let refusals = 0;
          while (refusals < 2) {
            const taken = await Promise.all(Array.from({ length: 40 }, () => pool.takeQuota("smtp", new Date())));
            const granted = taken.filter((t) => t === "taken").length;
            refusals = granted === 0 ? refusals + 1 : 0;
            for (let i = 0; i < granted; i++) {
              if (i % 5 === 4) pool.refundQuota("smtp");
              else sent++;
            }
          }
          await pool.persist(new Date(), true);
          return sent;
        }),
      );
      const total = kept.reduce((a, b) => a + b, 0);
      // Never over; under only by units given back while a top-up was being written (counted as spent).
      expect(total).toBeLessThanOrEqual(QUOTA);
      expect(total).toBeGreaterThan(QUOTA - 3 * 40);
      const usage = (await w.provider("smtp")).usage;
      expect(usage.grants ?? {}).toEqual({});
      expect(usage.sent).toBeGreaterThanOrEqual(total);
      expect(usage.sent).toBeLessThanOrEqual(QUOTA);
    } finally {
      await smtp.close();
    }
  });
});

/** A provider whose circuit opened a minute ago and has cooled down: its next send is the single probe. */
function halfOpen(now: Date) {
  const health = initialHealth();
  return { ...health, circuit: { ...health.circuit, state: "open" as const, openUntil: new Date(now.getTime() - 1_000), trips: 1 } };
}

const failed: SendResult = { ok: false, errorClass: "transient", message: "503", latencyMs: 5 };
const sent: SendResult = { ok: true, providerMessageId: null, latencyMs: 5 };

describe("drains sharing what they learn about a provider's health", () => {
  it("a half-open provider gets one probe across drains, and a drain that lost the claim stops ranking it as a probe", async () => {
    const smtp = await startSmtpCatcher();
    try {
      const w = await drainWorld();
      const now = new Date();
      await seedProvider(w.db, "smtp", smtpProvider(smtp, { health: halfOpen(now) }));
      const first = await ProviderPool.load(w.ports, newDrainId(), 2_000);
      const second = await ProviderPool.load(w.ports, newDrainId(), 2_000);
      // Every concurrent send of a drain ranks the provider as its probe; only one may claim it, across drains.
      const claims = await Promise.all([first, second].flatMap((pool) => Array.from({ length: 20 }, () => pool.claimProbe("smtp", new Date()))));
      expect(claims.filter(Boolean)).toHaveLength(1);
      const stored = (await w.provider("smtp")).health.circuit.probeStartedAt;
      expect(stored).not.toBeNull();
      // Neither drain offers the provider to another send while that probe is out.
      for (const pool of [first, second]) expect(pool.rank(new Date()).usable.map((r) => r.id)).not.toContain("smtp");
    } finally {
      await smtp.close();
    }
  });

  it("a drain learns at its next persist that another drain's failures opened the circuit", async () => {
    const smtp = await startSmtpCatcher();
    try {
      const w = await drainWorld();
      await seedProvider(w.db, "smtp", smtpProvider(smtp));
      const failing = await ProviderPool.load(w.ports, newDrainId(), 2_000);
      const unaware = await ProviderPool.load(w.ports, newDrainId(), 2_000);
      for (let i = 0; i < 10; i++) failing.record("smtp", failed, new Date());
      expect(failing.rank(new Date()).usable.map((r) => r.id)).not.toContain("smtp");
      await failing.persist(new Date(), false);
      unaware.record("smtp", sent, new Date());
      expect(unaware.rank(new Date()).usable.map((r) => r.id)).toContain("smtp");
      await unaware.persist(new Date(), false);
      // Its own success came before the other drain's failures were merged; the circuit they opened holds.
      expect(unaware.rank(new Date()).usable.map((r) => r.id)).not.toContain("smtp");
      expect((await w.provider("smtp")).health.circuit.state).toBe("open");
    } finally {
      await smtp.close();
    }
  });

  it("a take that may not wait is told a top-up is coming, but waits for the run's first grant", async () => {
    const smtp = await startSmtpCatcher();
    try {
      const w = await drainWorld();
      await seedProvider(w.db, "smtp", smtpProvider(smtp, { dailyQuota: 5_000, resetTime: "00:00", timezone: "UTC" }));
      const pool = await ProviderPool.load(w.ports, newDrainId(), 2_000);
      // No grant in hand yet: even a send that may not wait waits for it, so a lower-ranked provider whose
      // first grant lands sooner does not take the run's first emails.
      expect(await pool.takeQuota("smtp", new Date(), { wait: false })).toBe("taken");
      // The rest of the grant spent faster than its top-up can land: a send that may not wait is told one is
      // coming (and goes elsewhere); one that may wait gets a unit.
      let answer: string = "taken";
      for (let i = 0; i < 1_000 && answer === "taken"; i++) answer = await pool.takeQuota("smtp", new Date(), { wait: false });
      expect(answer).toBe("refilling");
      expect(await pool.takeQuota("smtp", new Date())).toBe("taken");
    } finally {
      await smtp.close();
    }
  });
});
