import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import type { EventDoc } from "@/lib/adapters/firestore/schemas";
import { eventRef } from "./events";

/**
 * Where the invitation page gets the event it shows. The app passes a cache
 * (guest-page-events-cache.ts); anything else reads the event each time.
 */
export interface GuestPageEvents {
  get(eventId: string): Promise<EventDoc | null>;
}

/** No cache: every page reads its event (service tests, scripts). */
export function uncachedGuestPageEvents(db: MeteredFirestore): GuestPageEvents {
  return { get: async (eventId) => (await db.get("rsvp.event", eventRef(eventId)))?.data ?? null };
}
