import { describe, expect, it } from "vitest";
import { createMailer } from "@/lib/adapters/email/create-mailer";
import { createSimulatedMailer } from "@/lib/adapters/email/simulated";
import { testFirestore } from "@/tests/support/firestore";
import { recipients, seedEvent, seedProvider, serviceContext, TEST_SECRET } from "@/tests/support/fixtures";
import { startSmtpCatcher } from "@/tests/support/smtp-catcher";
import { drainQueue, newDrainId } from "./drain";
import { getEvent } from "./events";
import { inviteGuests } from "./invitations";
import { retryFailedJobs } from "./retry-failed";
import { ensureStarterTemplates } from "./templates";

describe("retrying failed emails in bulk", () => {
  it("re-queues failed jobs with fresh attempts and delivers them once the provider works", async () => {
    const smtp = await startSmtpCatcher();
    try {
      const { db, raw } = testFirestore();
      const ctx = serviceContext(db);
      await ensureStarterTemplates(ctx);
      await seedProvider(db, "smtp", { settings: { host: smtp.host, port: smtp.port, secure: false } });
      const eventId = await seedEvent(ctx);
      await inviteGuests(ctx, eventId, recipients(["a@example.com", "b@example.com"]));
      const ports = {
        db, clock: ctx.clock, random: { next: () => 0 }, mailerFactory: createMailer, simulatedMailer: createSimulatedMailer(),
        credentialsKey: Buffer.alloc(32, 5).toString("base64"), tokenSecret: TEST_SECRET, baseUrl: ctx.baseUrl,
      };
      smtp.failNext(2, { code: 554, message: "Transaction failed" }, "data");
      expect(await drainQueue(ports, { drainId: newDrainId(), budgetMs: 10_000 })).toMatchObject({ failed: 2 });
      expect((await getEvent(ctx, eventId))?.data.counters.failed).toBe(2);

      expect(await retryFailedJobs(ctx, { filters: { eventId, tz: "UTC" } })).toEqual({ requeued: 2, skipped: 0 });
      expect((await getEvent(ctx, eventId))?.data.counters.failed).toBe(0);
      expect(await drainQueue(ports, { drainId: newDrainId(), budgetMs: 10_000 })).toMatchObject({ sent: 2 });
      const jobs = (await raw.collection("jobs").get()).docs.map((d) => d.data());
      expect(jobs.every((j) => j.state === "completed" && j.attempts === 1)).toBe(true);
      expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(["a@example.com", "b@example.com"]);
    } finally {
      await smtp.close();
    }
  });
});
