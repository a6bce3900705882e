import { describe, expect, it } from "vitest";
import { createMailer } from "@/lib/adapters/email/create-mailer";
import { createSimulatedMailer } from "@/lib/adapters/email/simulated";
import { testFirestore } from "@/tests/support/firestore";
import { addresses, recipients, seedEvent, seedProvider, serviceContext, TEST_SECRET } from "@/tests/support/fixtures";
import { startResendStandin, startSendgridStandin } from "@/tests/support/provider-standins";
import { drainQueue, newDrainId } from "./drain";
import { inviteGuests } from "./invitations";
import { loadProviderPanel } from "./monitor";
import { sealSecret } from "./provider-config";
import { readQueueHealth } from "./queue-health";
import { ensureStarterTemplates } from "./templates";

const KEY = Buffer.alloc(32, 5).toString("base64");

describe("the burn monitor's provider and queue panels", () => {
  it("show each provider's hour, success rate and health after a drain, and the queue by state and priority", async () => {
    const good = await startResendStandin({ apiKey: "k" });
    const bad = await startSendgridStandin({ apiKey: "k", behaviour: { status: 503 } });
    try {
      const { db } = testFirestore();
      const ctx = serviceContext(db);
      await ensureStarterTemplates(ctx);
      const http = (id: string, kind: "resend" | "sendgrid", url: string, priority: number) =>
        seedProvider(db, id, { name: id, kind, priority, settings: { baseUrl: url, timeoutMs: 2000 }, secret: sealSecret(KEY, id, "k") });
      await http("good", "resend", good.url, 2);
      await http("bad", "sendgrid", bad.url, 1);
      const eventId = await seedEvent(ctx);
      await inviteGuests(ctx, eventId, recipients(addresses(12)));
      const before = await readQueueHealth(db, ctx.clock);
      expect(before.depth.pending).toEqual({ high: 0, normal: 12, low: 0 });
      expect(before.oldestDueAt).not.toBeNull();

      const ports = { db, clock: ctx.clock, random: { next: () => 0.5 }, mailerFactory: createMailer, simulatedMailer: createSimulatedMailer(), credentialsKey: KEY, tokenSecret: TEST_SECRET, baseUrl: ctx.baseUrl };
      // The failing provider is preferred at first; its emails move to the other one a second later.
      for (let run = 0; run < 10 && good.accepted < 12; run++) {
        await drainQueue(ports, { drainId: newDrainId(), budgetMs: 20_000 });
        await new Promise((r) => setTimeout(r, 1_100));
      }

      const panel = await loadProviderPanel(ctx);
      const card = (id: string) => panel.cards.find((c) => c.view.id === id)!;
      expect(card("good").hourly).toHaveLength(24);
      const day = (id: string, key: "ok" | "fail") => card(id).hourly.reduce((sum, h) => sum + h[key], 0);
      expect(day("good", "ok")).toBe(12);
      expect(card("good").successRate).toBe(1);
      expect(card("good").view.health.status).toBe("healthy");
      expect(card("good").penalty).not.toBeNull();
      // Traffic leaves the failing provider after its first failures, before its circuit would open: the card
      // still says it is failing.
      expect(day("bad", "fail")).toBeGreaterThanOrEqual(1);
      expect(card("bad").successRate).toBe(0);
      expect(card("bad").view.health.status).toMatch(/^(failing|circuit_open)$/);
      expect(card("good").view.health.status).toBe("healthy");
      expect(panel.lastHour.ok).toBe(12);

      const after = await readQueueHealth(db, ctx.clock);
      expect(after.depth.pending.normal + after.depth.retry.normal).toBe(0);
      expect(after.oldestDueAt).toBeNull();
    } finally {
      await Promise.all([good.close(), bad.close()]);
    }
  });
});
