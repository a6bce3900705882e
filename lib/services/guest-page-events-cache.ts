import { LRUCache } from "lru-cache";
import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import type { EventDoc } from "@/lib/adapters/firestore/schemas";
import { eventRef } from "./events";
import type { GuestPageEvents } from "./guest-page-events";

/**
 * The events invitation pages show, kept in this process for a few seconds. An event's guests open their links
 * in bursts (everyone gets the email within minutes), and every page needs the same event document: without
 * this, each page costs two reads (the invitation and its event), and the second read is half the page's
 * latency under load. Concurrent misses for one event share one read.
 *
 * An entry past half its lifetime is renewed ahead of time: the request that notices gets the cached event at
 * once, and one read replaces it in the background. When entries simply expired, every view arriving while the
 * renewing read was in flight waited for it: under 20 concurrent guests those were the slowest views of
 * bench:accept (280–510 ms, against a p50 near 110 ms), one cluster every five seconds.
 *
 * What may be stale, for at most `ttlMs`: the details shown and the "full" notice. Nothing decided from it is
 * written: the answer POST reads the event inside its transaction, so a cancelled event or a full one refuses
 * the answer at once. A serverless instance keeps its own copy; more instances only mean more misses.
 *
 * Its own module: the Cloud Function imports the RSVP service too, and has no use for a page cache.
 */
export function cachedGuestPageEvents(db: MeteredFirestore, options: { ttlMs?: number; max?: number } = {}): GuestPageEvents {
  const ttl = options.ttlMs ?? 5_000;
  const cache = new LRUCache<string, { doc: EventDoc | null }>({
    max: options.max ?? 1_000,
    ttl,
    // A missing event is cached too (its links answer 410): a burst of clicks on a deleted event's mail costs one read.
    fetchMethod: async (eventId) => ({ doc: (await db.get("rsvp.event", eventRef(eventId)))?.data ?? null }),
  });
  return {
    async get(eventId) {
      // Never served past `ttl`: an expired entry (remaining 0 or less) is fetched and waited for, as a miss is.
      // While the renewal is in flight, the remaining time is still the old entry's, so later views take the
      // cached event as well instead of waiting.
      const remaining = cache.getRemainingTTL(eventId);
      const renewAhead = remaining > 0 && remaining < ttl / 2;
      const entry = await cache.fetch(eventId, renewAhead ? { forceRefresh: true, allowStale: true } : undefined);
      return entry?.doc ?? null;
    },
  };
}
