import type { InvitationStatus } from "./status";

/**
 * An event's counters are a pure function of its invitations: each invitation contributes `countsOf` of
 * itself, and the stored counters are their sum. Every write that changes an invitation moves the counters by
 * `counterDeltas(before, after)` in the same batch or transaction, which is what keeps them exact under any
 * interleaving, and what `npm run doctor` checks by summing the invitations again.
 */

export const COUNTER_KEYS = ["invited", "pending", "delivered", "accepted", "declined", "failed", "revoked"] as const;
export type CounterKey = (typeof COUNTER_KEYS)[number];
export type Counters = Record<CounterKey, number>;

export const ZERO_COUNTERS: Readonly<Counters> = Object.freeze({
  invited: 0,
  pending: 0,
  delivered: 0,
  accepted: 0,
  declined: 0,
  failed: 0,
  revoked: 0,
});

export type DeliveryState = "queued" | "sent" | "failed" | "bounced";

/** The two facts about an invitation the counters depend on. */
export interface Countable {
  status: InvitationStatus;
  deliveryState: DeliveryState;
}

/**
 * - invited: every invitation, revoked ones included (the organiser did invite them);
 * - pending: not answered and not revoked;
 * - accepted / declined / revoked: the guest's answer or the organiser's revocation;
 * - delivered / failed: what became of the current link's email, for invitations that are not revoked.
 */
export function countsOf(inv: Countable | null): Counters {
  if (!inv) return { ...ZERO_COUNTERS };
  const live = inv.status !== "revoked";
  return {
    invited: 1,
    pending: inv.status === "accepted" || inv.status === "declined" || inv.status === "revoked" ? 0 : 1,
    delivered: live && inv.deliveryState === "sent" ? 1 : 0,
    accepted: inv.status === "accepted" ? 1 : 0,
    declined: inv.status === "declined" ? 1 : 0,
    failed: live && (inv.deliveryState === "failed" || inv.deliveryState === "bounced") ? 1 : 0,
    revoked: inv.status === "revoked" ? 1 : 0,
  };
}

/** What the event's counters must move by when one invitation goes from `before` to `after`; zeros left out. */
export function counterDeltas(before: Countable | null, after: Countable | null): Partial<Counters> {
  const a = countsOf(before);
  const b = countsOf(after);
  const out: Partial<Counters> = {};
  for (const key of COUNTER_KEYS) if (b[key] !== a[key]) out[key] = b[key] - a[key];
  return out;
}

/** Adds deltas together (several invitations in one batch). */
export function addDeltas(into: Partial<Counters>, more: Partial<Counters>): Partial<Counters> {
  for (const key of COUNTER_KEYS) {
    const n = more[key];
    if (n) into[key] = (into[key] ?? 0) + n;
  }
  for (const key of COUNTER_KEYS) if (into[key] === 0) delete into[key];
  return into;
}

export function sumCounts(invitations: Iterable<Countable>): Counters {
  const total: Counters = { ...ZERO_COUNTERS };
  for (const inv of invitations) {
    const c = countsOf(inv);
    for (const key of COUNTER_KEYS) total[key] += c[key];
  }
  return total;
}
