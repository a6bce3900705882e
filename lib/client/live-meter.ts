"use client";

/**
 * What the browser's own listeners cost. Firestore bills a listener one read per document in its first
 * snapshot and one per document that changes afterwards; Herald's burn meter runs on the server and never
 * sees these, so the pages count them here, show them apart from the metered burn, and expose them (with when
 * each change reached the screen) for the monitor benchmark as `window.__heraldLive`.
 */
export interface LiveDelivery {
  /** Document path. */
  path: string;
  /** The document's own `updatedAt` (epoch ms), which names the write that produced this version. */
  version: number | null;
  receivedAt: number;
  shownAt: number | null;
}

export interface LiveMeterState {
  initialReads: number;
  laterReads: number;
  openedAt: number;
  deliveries: LiveDelivery[];
}

const KEEP = 2_000;

function state(): LiveMeterState {
  const w = globalThis as typeof globalThis & { __heraldLive?: LiveMeterState };
  w.__heraldLive ??= { initialReads: 0, laterReads: 0, openedAt: Date.now(), deliveries: [] };
  return w.__heraldLive;
}

/** Counts a snapshot's billed reads: `first` is the listener's initial result. */
export function countListenerReads(documents: number, first: boolean): void {
  const s = state();
  if (first) s.initialReads += Math.max(1, documents);
  else s.laterReads += documents;
}

export function recordDeliveries(items: readonly { path: string; version: number | null }[]): void {
  const s = state();
  const receivedAt = Date.now();
  for (const item of items) s.deliveries.push({ ...item, receivedAt, shownAt: null });
  if (s.deliveries.length > KEEP) s.deliveries.splice(0, s.deliveries.length - KEEP);
}

/**
 * Called after the screen was updated from the data received: every change waiting to be shown is shown now.
 * The benchmark's change-to-screen delay ends here.
 */
export function markShown(): void {
  const shownAt = Date.now();
  for (const d of state().deliveries) if (d.shownAt === null) d.shownAt = shownAt;
}

export function liveReads(): { initial: number; later: number; openedAt: number } {
  const s = state();
  return { initial: s.initialReads, later: s.laterReads, openedAt: s.openedAt };
}
