import type { Firestore } from "firebase-admin/firestore";
import { docRef } from "@/lib/adapters/firestore/collection";
import { collections } from "@/lib/adapters/firestore/schemas";
import { sealSecret } from "@/lib/services/provider-config";
import { providerDoc } from "@/tests/support/fixtures";
import type { ProviderStandin } from "@/tests/support/provider-standins";
import type { BenchStack } from "./stack";

/**
 * The operators' console bench's data: three rate-limited provider stand-ins, 30 finished days of burn shards
 * and a month of settled jobs, written straight to the emulator (history is not what is measured).
 */
const DAY_MS = 86_400_000;
export const HISTORY_DAYS = 30;

/** Deterministic pseudo-random numbers, so every run seeds the same history. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

export const PROVIDERS = [
  { id: "stand-in-a", name: "Stand-in A", kind: "sendgrid" as const, key: "key-a" },
  { id: "stand-in-b", name: "Stand-in B", kind: "resend" as const, key: "key-b" },
  { id: "stand-in-c", name: "Stand-in C", kind: "sendgrid" as const, key: "key-c" },
];

export async function seedProviders(stack: BenchStack, standins: ProviderStandin[], credentialsKey: string) {
  for (const [i, p] of PROVIDERS.entries()) {
    await stack.ctx.db.set("bench.seed", docRef(collections.providers, p.id), {
      ...providerDoc({ name: p.name, kind: p.kind, priority: 1, dailyQuota: 5_000, ratePerSecond: 1, settings: { baseUrl: standins[i]!.url, timeoutMs: 5_000 } }),
      secret: sealSecret(credentialsKey, p.id, p.key),
    });
  }
}

/** 30 finished quota days of shards, as the burn meters of an app and a worker would have left them. */
export async function seedBurnHistory(raw: Firestore, today: string) {
  const random = rng(7);
  const batch = raw.batch();
  for (let d = 1; d <= HISTORY_DAYS; d++) {
    const day = new Date(Date.parse(`${today}T00:00:00Z`) - d * DAY_MS).toISOString().slice(0, 10);
    for (let shard = 0; shard < 8; shard++) {
      const reads = Math.round(1_000 + random() * 5_000);
      const writes = Math.round(300 + random() * 2_500);
      const deletes = Math.round(random() * 50);
      const hour = `${day}T${String(8 + shard * 2).padStart(2, "0")}`;
      batch.set(raw.collection("burn").doc(`${day}_${shard}`), {
        day,
        shard,
        reads,
        writes,
        deletes,
        ops: { "jobs|queue.claim": { reads }, "jobs|queue.complete": { writes }, "events|event.delete": { deletes } },
        hours: { [hour]: { reads, writes, deletes } },
      });
    }
  }
  await batch.commit();
}

/** Jobs of the last 30 days, already settled: what a Sent Tracker pages through on a real project. */
export async function seedJobHistory(raw: Firestore, eventIds: string[], count: number) {
  const random = rng(11);
  const now = Date.now();
  for (let start = 0; start < count; start += 400) {
    const batch = raw.batch();
    for (let i = start; i < Math.min(count, start + 400); i++) {
      const createdAt = new Date(now - DAY_MS - random() * (HISTORY_DAYS - 1) * DAY_MS);
      const roll = random();
      const state = roll < 0.9 ? "completed" : roll < 0.95 ? "failed" : "cancelled";
      const kindRoll = random();
      const kind = kindRoll < 0.85 ? "invitation" : kindRoll < 0.97 ? "confirmation" : "reminder";
      const provider = PROVIDERS[Math.floor(random() * PROVIDERS.length)]!.id;
      const email = `past${i}@example.com`;
      const invitationId = i.toString(16).padStart(32, "0");
      batch.set(raw.collection("jobs").doc(`${invitationId}-1`), {
        kind,
        priority: kind === "confirmation" ? "high" : kind === "reminder" ? "low" : "normal",
        rank: kind === "confirmation" ? 0 : kind === "reminder" ? 2 : 1,
        state,
        eventId: eventIds[i % eventIds.length],
        invitationId,
        to: { email, name: `Past guest ${i}` },
        recipientKey: email,
        fields: {},
        tokenVersion: 1,
        providerId: null,
        attempts: state === "failed" ? 5 : 1 + Math.floor(random() * 2),
        deferrals: 0,
        dueAt: createdAt,
        waitingReason: state === "cancelled" ? "The event was deleted" : null,
        lastError: state === "failed" ? { errorClass: "transient", message: "SendGrid 503: internal server error", providerId: provider } : null,
        avoidProviderId: null,
        sentBy: state === "completed" ? provider : null,
        simulated: false,
        createdAt,
        updatedAt: new Date(createdAt.getTime() + 5_000),
        completedAt: state === "cancelled" ? null : new Date(createdAt.getTime() + 5_000),
      });
    }
    await batch.commit();
  }
}

