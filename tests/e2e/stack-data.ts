import { connectFirestore, type FirestoreContext } from "@/lib/adapters/firestore/connect";
import type { EventInput } from "@/lib/domain/events/schema";
import { deriveInvitationToken } from "@/lib/domain/invitations/token";
import type { ServiceContext } from "@/lib/services/context";
import { inviteGuests } from "@/lib/services/invitations";
import { TEST_SECRETS } from "@/scripts/lib/test-env";
import { recipients, seedEvent, seedProvider } from "@/tests/support/fixtures";

/**
 * Set-up data for browser tests, written by calling the services from the test process against the same
 * Firestore emulator project the app under test uses.
 */

let firestore: FirestoreContext | undefined;

export function stackFirestore(): FirestoreContext {
  const projectId = process.env.FIREBASE_PROJECT_ID;
  if (!projectId || !process.env.FIRESTORE_EMULATOR_HOST) {
    throw new Error("Run through scripts/with-emulators.ts --app: FIREBASE_PROJECT_ID and FIRESTORE_EMULATOR_HOST are needed.");
  }
  firestore ??= connectFirestore({ projectId, clock: { now: () => new Date() }, burnShards: 1 });
  return firestore;
}

export function stackContext(): ServiceContext & { raw: FirestoreContext["raw"] } {
  const { db, raw } = stackFirestore();
  return {
    db,
    raw,
    clock: { now: () => new Date() },
    tokenSecret: TEST_SECRETS.tokenSecret,
    baseUrl: process.env.HERALD_E2E_BASE_URL ?? "http://127.0.0.1:3100",
  };
}

/** A fresh event with one invited guest per address, and each guest's link token. */
export async function inviteToNewEvent(guests: string[], event: Partial<EventInput> = {}) {
  const c = stackContext();
  await seedProvider(c.db);
  const eventId = await seedEvent(c, event);
  const result = await inviteGuests(c, eventId, recipients(guests)).catch(async (error: { code?: number }) => {
    // The stack's worker may be claiming while this seeds: the emulator locks what a claim's transactional
    // query scanned, and a batch that waits too long for those locks fails with UNKNOWN ("Transaction lock
    // timeout") having written nothing. One retry; anything else is a real failure.
    if (error?.code !== 2) throw error;
    await new Promise((r) => setTimeout(r, 500));
    return inviteGuests(c, eventId, recipients(guests));
  });
  if (!result.ok) throw new Error(result.message);
  const ids = result.rows.map((r) => {
    if (r.outcome !== "invited") throw new Error(`${r.email} was not invited: ${r.outcome}`);
    return r.invitationId;
  });
  return { eventId, ids, tokens: ids.map((id) => deriveInvitationToken(TEST_SECRETS.tokenSecret, id, 1)) };
}
