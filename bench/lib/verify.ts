import type { Firestore } from "firebase-admin/firestore";
import type { BurnCounts } from "@/lib/adapters/firestore/burn-meter";
import type { EventCounters } from "@/lib/adapters/firestore/schemas";
import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import { readBurnReport } from "@/lib/services/burn-report";
import type { ServiceContext } from "@/lib/services/context";

/**
 * Correctness is read back from Firestore itself with the raw client: what the services reported is the
 * claim, the stored documents are the evidence. These reads bypass the burn meter on purpose, so checking
 * does not inflate the per-invitation costs being measured.
 */
export async function countForEvent(raw: Firestore, collection: string, eventId: string): Promise<number> {
  const snap = await raw.collection(collection).where("eventId", "==", eventId).count().get();
  return snap.data().count;
}

export async function countWhere(
  raw: Firestore,
  collection: string,
  eventId: string,
  field: string,
  value: string,
): Promise<number> {
  const snap = await raw.collection(collection).where("eventId", "==", eventId).where(field, "==", value).count().get();
  return snap.data().count;
}

export async function eventCounters(raw: Firestore, eventId: string): Promise<EventCounters> {
  const snap = await raw.collection("events").doc(eventId).get();
  const counters = snap.get("counters") as Partial<EventCounters> | undefined;
  if (!snap.exists || !counters) throw new Error(`Event ${eventId} has no counters`);
  return {
    invited: counters.invited ?? 0,
    pending: counters.pending ?? 0,
    delivered: counters.delivered ?? 0,
    accepted: counters.accepted ?? 0,
    declined: counters.declined ?? 0,
    failed: counters.failed ?? 0,
    revoked: counters.revoked ?? 0,
  };
}

export function burnDelta(before: BurnCounts, after: BurnCounts): BurnCounts {
  return {
    reads: after.reads - before.reads,
    writes: after.writes - before.writes,
    deletes: after.deletes - before.deletes,
  };
}

/**
 * What the app process itself read and wrote for operations named `<prefix>.*`, from the burn documents its meter
 * flushes (every HERALD_BURN_FLUSH_SECONDS on the test stack), so anything else it does in the background (the
 * readiness probe) is left out.
 */
export async function serverBurn(ctx: ServiceContext, prefix: string): Promise<BurnCounts> {
  const report = await readBurnReport(ctx.db, firestoreQuotaDay(new Date()));
  const total: BurnCounts = { reads: 0, writes: 0, deletes: 0 };
  for (const op of report.operations) {
    if (!op.operation.startsWith(`${prefix}.`)) continue;
    total.reads += op.reads;
    total.writes += op.writes;
    total.deletes += op.deletes;
  }
  return total;
}
