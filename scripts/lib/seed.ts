import { connectFirestore } from "@/lib/adapters/firestore/connect";
import { docRef } from "@/lib/adapters/firestore/collection";
import { collections } from "@/lib/adapters/firestore/schemas";
import { shardOfInvitation } from "@/lib/domain/delivery/lease";
import { systemClock } from "@/lib/ports/clock";
import { saveProvider } from "@/lib/services/providers";
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
    // Through the same service as the Providers form, so the seeded provider is validated like any other.
    const [host = "127.0.0.1", port = "1025"] = (env.HERALD_LOCAL_SMTP ?? "127.0.0.1:1025").split(":");
    const saved = await saveProvider({ db, clock: systemClock }, env.HERALD_CREDENTIALS_KEY!, null, {
      name: "Local inbox (mail catcher)",
      kind: "smtp",
      enabled: true,
      priority: "1",
      fromEmail: "events@herald.local",
      fromName: "Herald",
      dailyQuota: "",
      resetTime: "00:00",
      timezone: "UTC",
      ratePerSecond: "",
      ratePerMinute: "",
      host,
      port,
      secure: false,
      allowPlaintext: false,
      allowSelfSigned: false,
      user: "",
      pass: "",
      apiKey: "",
      baseUrl: "",
    });
    if (!saved.ok) throw new Error(`Could not set up the local SMTP provider: ${saved.message}`);
  }
  await partitionOldJobs(db);
  await meter.flush();
}

/**
 * Jobs queued by a version of Herald older than the partitioned queue carry no partition, so no claim would
 * ever find them: give the waiting ones theirs. Local data only; a no-op once done.
 */
async function partitionOldJobs(db: ReturnType<typeof connectFirestore>["db"]): Promise<void> {
  const waiting = await db.query("seed.partition", collections.jobs, { where: [["state", "in", ["pending", "retry"]]], limit: 5_000 });
  const stale = waiting.filter((j) => j.data.shard !== shardOfInvitation(j.data.invitationId));
  for (let i = 0; i < stale.length; i += 400) {
    const batch = db.batch("seed.partition");
    for (const j of stale.slice(i, i + 400)) batch.update(docRef(collections.jobs, j.id), { shard: shardOfInvitation(j.data.invitationId) });
    await batch.commit();
  }
}
