import "server-only";
import type { ServiceContext } from "@/lib/services/context";
import type { GuestPageEvents } from "@/lib/services/guest-page-events";
import { FirstOpenBatcher } from "@/lib/services/first-opens";
import { cachedGuestPageEvents } from "@/lib/services/guest-page-events-cache";
import { getContainer } from "./container";

/** One per process: the invitation page's events are shared by every request this instance serves. */
let guestPageEvents: GuestPageEvents | null = null;
/** One per process too: first opens from every request this instance serves share commits. */
let firstOpens: FirstOpenBatcher | null = null;

/** The context every use case takes, wired from the Next composition root; entry points call this per request. */
export function serviceContext(): ServiceContext {
  const { firestore, clock, env } = getContainer();
  return {
    db: firestore.db,
    clock,
    tokenSecret: env.HERALD_TOKEN_SECRET,
    previousTokenSecret: env.HERALD_TOKEN_SECRET_PREVIOUS,
    baseUrl: env.HERALD_BASE_URL,
    guestPageEvents: (guestPageEvents ??= cachedGuestPageEvents(firestore.db)),
    firstOpens: (firstOpens ??= new FirstOpenBatcher(firestore.db)),
  };
}
