import { docRef } from "@/lib/adapters/firestore/collection";
import { connectFirestore } from "@/lib/adapters/firestore/connect";
import { collections } from "@/lib/adapters/firestore/schemas";
import { initialHealth } from "@/lib/domain/delivery/provider-health";
import { systemClock } from "@/lib/ports/clock";
import { ensureStarterTemplates } from "@/lib/services/templates";

/**
 * First start of the local stack: the starter templates, and one SMTP provider pointing at the local mail
 * catcher, so a newcomer's first invitation lands in the local inbox without any setup. Never touches a
 * provider list an admin has already edited.
 */
export async function seedLocalStack(env: NodeJS.ProcessEnv): Promise<void> {
  const { db, meter } = connectFirestore({ projectId: env.FIREBASE_PROJECT_ID!, clock: systemClock, burnShards: 1 });
  await ensureStarterTemplates({ db, clock: systemClock });
  const existing = await db.queryIds("seed.providers", collections.providers, { limit: 1 });
  if (existing.length === 0) {
    const [host, port] = (env.HERALD_LOCAL_SMTP ?? "127.0.0.1:1025").split(":");
    const now = new Date();
    await db.create("seed.providers", docRef(collections.providers, "local-inbox"), {
      name: "Local inbox (mail catcher)",
      kind: "smtp",
      enabled: true,
      priority: 1,
      fromEmail: "events@herald.local",
      fromName: "Herald",
      dailyQuota: null,
      resetTime: "00:00",
      timezone: "UTC",
      ratePerSecond: null,
      ratePerMinute: null,
      settings: { host: host ?? "127.0.0.1", port: Number(port ?? 1025), secure: false },
      secret: null,
      health: initialHealth(),
      usage: null,
      createdAt: now,
      updatedAt: now,
    });
  }
  await meter.flush();
}
