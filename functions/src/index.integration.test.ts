import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testFirestore } from "@/tests/support/firestore";
import { recipients, seedEvent, seedProvider, serviceContext, TEST_SECRET } from "@/tests/support/fixtures";
import { startSmtpCatcher, type SmtpCatcher } from "@/tests/support/smtp-catcher";
import { inviteGuests } from "@/lib/services/invitations";
import { ensureStarterTemplates } from "@/lib/services/templates";

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtpCatcher();
});
afterAll(async () => {
  await smtp.close();
});

describe("the scheduled Cloud Function", () => {
  it("drains due invitations when Cloud Scheduler fires it", async () => {
    const fs = testFirestore();
    const ctx = serviceContext(fs.db);
    await ensureStarterTemplates(ctx);
    await seedProvider(fs.db, "smtp", { settings: { host: smtp.host, port: smtp.port, secure: false } });
    const eventId = await seedEvent(ctx);
    await inviteGuests(ctx, eventId, recipients(["ada@example.com", "bob@example.com"]));

    Object.assign(process.env, {
      GCLOUD_PROJECT: fs.projectId,
      FIREBASE_PROJECT_ID: fs.projectId,
      HERALD_BASE_URL: "http://127.0.0.1:3100",
      HERALD_TOKEN_SECRET: TEST_SECRET,
      HERALD_CREDENTIALS_KEY: Buffer.alloc(32, 5).toString("base64"),
    });
    const { drainQueueEveryMinute } = await import("./index");
    await drainQueueEveryMinute.run({ scheduleTime: new Date().toISOString(), jobName: "drain" } as never);

    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(["ada@example.com", "bob@example.com"]);
    const burn = await fs.raw.collection("burn").get();
    expect(burn.docs.reduce((sum, d) => sum + (d.data().writes as number), 0)).toBeGreaterThan(0);
  });
});
