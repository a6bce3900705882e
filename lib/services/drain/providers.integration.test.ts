import { describe, expect, it } from "vitest";
import { startSmtpCatcher } from "@/tests/support/smtp-catcher";
import { drainWorld, smtpProvider } from "@/tests/support/drain-world";
import { seedProvider } from "@/tests/support/fixtures";
import { newDrainId } from "./index";
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
            const granted = taken.filter(Boolean).length;
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
