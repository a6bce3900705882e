import { randomBytes } from "node:crypto";
import { docRef } from "@/lib/adapters/firestore/collection";
import { fieldOps, type MeteredFirestore, type TransactionScope, type WriteSet } from "@/lib/adapters/firestore/db";
import { collections, type SuppressionRemovalDoc, type SuppressionShardDoc } from "@/lib/adapters/firestore/schemas";
import { emailSearchPrefix, parseEmailAddress } from "@/lib/domain/email-address";
import type { AddressStanding } from "@/lib/domain/delivery/may-send";
import { ALL_SUPPRESSION_SHARDS, suppressionReason, suppressionSlot, type SuppressionEntry } from "@/lib/domain/suppression";
import type { Result, ServiceContext } from "./context";

/**
 * The suppression list (lib/domain/suppression.ts says what it is and why it is stored as it is): adding an
 * address, asking about many at once, listing, removing with a record of who did, and the drain's live view.
 */

export const suppressionShardRef = (shard: string) => docRef(collections.suppressions, shard);

/** The key an address is suppressed under: its invitation key, or a best effort for one Herald never parsed. */
export function suppressionKeyOf(email: string): string {
  const parsed = parseEmailAddress(email);
  return parsed.ok ? parsed.key : email.trim().toLowerCase();
}

/**
 * Adds (or refreshes) entries inside the caller's batch or transaction: one write per shard touched, no read,
 * so they ride along with the writes that record the bounces.
 */
export function writeSuppressions(w: WriteSet, entries: readonly SuppressionEntry[]): void {
  const byShard = new Map<string, Record<string, SuppressionEntry>>();
  for (const entry of entries) {
    const { shard, field } = suppressionSlot(entry.emailKey);
    byShard.set(shard, { ...byShard.get(shard), [field]: entry });
  }
  for (const [shard, fields] of byShard) w.merge(suppressionShardRef(shard), { entries: fields });
}

function entryIn(shards: ReadonlyMap<string, SuppressionShardDoc | null>, emailKey: string): SuppressionEntry | null {
  const { shard, field } = suppressionSlot(emailKey);
  return shards.get(shard)?.entries[field] ?? null;
}

/** Which of these addresses (keys) are suppressed. Reads only the shards they fall in: at most one per shard. */
export async function findSuppressed(db: MeteredFirestore, op: string, emailKeys: readonly string[]): Promise<Map<string, SuppressionEntry>> {
  const found = new Map<string, SuppressionEntry>();
  if (emailKeys.length === 0) return found;
  const ids = [...new Set(emailKeys.map((k) => suppressionSlot(k).shard))];
  const snaps = await db.getAll(op, ids.map(suppressionShardRef));
  const shards = new Map(ids.map((id, i) => [id, snaps[i]?.data ?? null]));
  for (const key of emailKeys) {
    const entry = entryIn(shards, key);
    if (entry) found.set(key, entry);
  }
  return found;
}

/** The address's entry, read inside the caller's transaction (one read), or null. */
export async function suppressedIn(tx: TransactionScope, emailKey: string): Promise<SuppressionEntry | null> {
  const { shard, field } = suppressionSlot(emailKey);
  return (await tx.get(suppressionShardRef(shard)))?.entries[field] ?? null;
}

export interface SuppressionListing {
  entries: SuppressionEntry[];
  /** How many entries match in all (entries holds at most `limit`). */
  matching: number;
  total: number;
}

/**
 * The list for the admin page, newest first, optionally only addresses containing `search` (a typed Unicode
 * domain is matched in the form keys are stored in). Reads every shard: SUPPRESSION_SHARDS reads.
 */
export async function listSuppressions(ctx: Pick<ServiceContext, "db">, search: string, limit = 100): Promise<SuppressionListing> {
  const snaps = await ctx.db.getAll("suppression.list", ALL_SUPPRESSION_SHARDS.map(suppressionShardRef));
  const all = snaps.flatMap((s) => Object.values(s?.data.entries ?? {}));
  const needle = emailSearchPrefix(search);
  const matching = needle ? all.filter((e) => e.emailKey.includes(needle) || e.email.toLowerCase().includes(needle)) : all;
  matching.sort((a, b) => b.at.getTime() - a.at.getTime() || a.emailKey.localeCompare(b.emailKey));
  return { entries: matching.slice(0, limit), matching: matching.length, total: all.length };
}

/** The latest removals, newest first: the record of who let an address be mailed again. */
export async function listSuppressionRemovals(ctx: Pick<ServiceContext, "db">, limit = 20): Promise<SuppressionRemovalDoc[]> {
  const docs = await ctx.db.query("suppression.removals", collections.suppressionRemovals, { orderBy: [["removedAt", "desc"]], limit });
  return docs.map((d) => d.data);
}

/**
 * Takes an address off the list and records who did it and when, in one transaction: the entry is gone only
 * if the record of its removal exists. Mail to the address goes out again from the next send on (running drains
 * see the change through their listener).
 */
export async function removeSuppression(
  ctx: Pick<ServiceContext, "db" | "clock">,
  emailKey: string,
  removedBy: string,
): Promise<Result<{ email: string }, "not_found">> {
  const { shard, field } = suppressionSlot(emailKey);
  return ctx.db.transaction("suppression.remove", async (tx) => {
    const entry = await suppressedIn(tx, emailKey);
    if (!entry) return { ok: false, code: "not_found", message: "That address is not on the suppression list (any more)" } as const;
    const now = ctx.clock.now();
    tx.update(suppressionShardRef(shard), { [`entries.${field}`]: fieldOps.delete() });
    tx.create(docRef(collections.suppressionRemovals, `${now.getTime()}-${randomBytes(4).toString("hex")}`), { entry, removedAt: now, removedBy });
    return { ok: true, email: entry.email } as const;
  });
}

/**
 * A drain's view of the list: each shard is listened to from the first email that needs it, so a run costs one
 * read per shard it touches (SUPPRESSION_SHARDS at most) plus one per change while it runs, never a read per
 * email; an address suppressed while the drain runs is refused from the moment the listener delivers it.
 */
export class SuppressionWatch {
  private readonly shards = new Map<string, SuppressionShardDoc | null>();
  private readonly ready = new Map<string, Promise<void>>();
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly db: MeteredFirestore,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Resolves once the shards of these addresses are known. */
  async prepare(emailKeys: readonly string[]): Promise<void> {
    const waits = new Set<Promise<void>>();
    for (const key of emailKeys) {
      const { shard } = suppressionSlot(key);
      let ready = this.ready.get(shard);
      if (!ready) {
        ready = new Promise<void>((resolve) => {
          this.stops.push(
            this.db.watch(
              "drain.suppressions",
              suppressionShardRef(shard),
              (data) => {
                this.shards.set(shard, data);
                resolve();
              },
              (error) => {
                // Without the list the drain cannot tell: nothing is sent to this shard's addresses until the
                // next run listens again (see standing).
                this.shards.delete(shard);
                this.onError(error);
                resolve();
              },
            ),
          );
        });
        this.ready.set(shard, ready);
      }
      waits.add(ready);
    }
    await Promise.all(waits);
  }

  /**
   * Whether mail to this address may leave as far as the list goes. An address whose shard could not be read is
   * "unknown": its email waits rather than goes out blind, which is what the list exists to prevent.
   */
  standing(emailKey: string): AddressStanding {
    const { shard } = suppressionSlot(emailKey);
    if (!this.shards.has(shard)) return { suppressed: "unknown" };
    const entry = entryIn(this.shards, emailKey);
    return entry ? { suppressed: true, reason: suppressionReason(entry) } : { suppressed: false };
  }

  stop(): void {
    for (const stop of this.stops) stop();
    this.stops.length = 0;
  }
}
