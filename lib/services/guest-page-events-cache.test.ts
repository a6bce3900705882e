import { describe, expect, it } from "vitest";
import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { cachedGuestPageEvents } from "./guest-page-events-cache";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stands in for the one call the cache makes: every read is held until the test lets it land, so the test can
 * see which views wait on a read and which do not.
 */
function heldReads() {
  const pending: (() => void)[] = [];
  let title = "v1";
  const db = {
    get: () =>
      new Promise((resolve) => {
        pending.push(() => resolve({ data: { title }, version: "1" }));
      }),
  } as unknown as MeteredFirestore;
  return {
    db,
    pending,
    rename: (next: string) => (title = next),
    landAll: () => pending.splice(0).forEach((land) => land()),
  };
}

/** Resolves to the title, or to "waiting" if the view has not been answered within a few milliseconds. */
async function titleWithin(view: Promise<unknown>): Promise<string> {
  const answered = view.then((doc) => (doc as { title: string }).title);
  return Promise.race([answered, sleep(20).then(() => "waiting")]);
}

describe("the invitation page's event cache", () => {
  it("renews an entry ahead of its expiry while views keep being answered from it, with one read", async () => {
    const reads = heldReads();
    const events = cachedGuestPageEvents(reads.db, { ttlMs: 1_000 });

    const first = events.get("e1");
    expect(reads.pending).toHaveLength(1);
    reads.landAll();
    expect(await titleWithin(first)).toBe("v1");

    // Past half the entry's life: the event is renamed elsewhere, and a burst of views arrives.
    await sleep(600);
    reads.rename("v2");
    const burst = Array.from({ length: 10 }, () => events.get("e1"));
    // Every view is answered at once from the cached event, and one read is renewing it.
    expect(await Promise.all(burst.map(titleWithin))).toEqual(Array(10).fill("v1"));
    expect(reads.pending).toHaveLength(1);
    reads.landAll();
    await sleep(1);
    expect(await titleWithin(events.get("e1"))).toBe("v2");
    expect(reads.pending).toHaveLength(0);
  });

  it("never shows an event older than its lifetime: an expired entry is read again and waited for", async () => {
    const reads = heldReads();
    const events = cachedGuestPageEvents(reads.db, { ttlMs: 100 });
    const first = events.get("e1");
    reads.landAll();
    await first;

    await sleep(130);
    reads.rename("v2");
    const late = events.get("e1");
    expect(await titleWithin(late)).toBe("waiting");
    expect(reads.pending).toHaveLength(1);
    reads.landAll();
    expect(await late).toMatchObject({ title: "v2" });
  });
});
