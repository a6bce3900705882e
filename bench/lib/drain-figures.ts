/**
 * Figures bench:drain derives from its set-up and its run, kept apart from the bench so they are unit-tested.
 */

export interface StandinCapacity {
  id: string;
  /** Sends the stand-in admits per second (beyond: 429). */
  ratePerSecond: number;
  /** Sends it accepts in all before refusing with its quota error; null for none. */
  quota: number | null;
  /** It starts failing every send once this many emails were accepted by all stand-ins together; null for never. */
  failsAfterTotal: number | null;
}

/**
 * The best throughput the stand-ins' configuration allows for `jobs` emails, whatever the routing: every
 * provider used at its full rate while it works, each stopping at its quota or its failure point. A fluid
 * model (sends as a continuous flow), computed from the configuration alone, not from what Herald did.
 */
export function bestThroughput(jobs: number, standins: readonly StandinCapacity[]): { emailsPerSecond: number; seconds: number } {
  const accepted = new Map(standins.map((s) => [s.id, 0]));
  let total = 0;
  let t = 0;
  for (let guard = 0; total < jobs - 1e-9 && guard < 100; guard++) {
    const working = standins.filter(
      (s) => (s.quota === null || accepted.get(s.id)! < s.quota - 1e-9) && (s.failsAfterTotal === null || total < s.failsAfterTotal - 1e-9),
    );
    const rate = working.reduce((sum, s) => sum + s.ratePerSecond, 0);
    if (rate === 0) return { emailsPerSecond: 0, seconds: Number.POSITIVE_INFINITY };
    // Time until the next thing changes: the last email, a quota reached, or a failure point passed.
    let dt = (jobs - total) / rate;
    for (const s of working) {
      if (s.quota !== null) dt = Math.min(dt, (s.quota - accepted.get(s.id)!) / s.ratePerSecond);
    }
    for (const s of standins) {
      if (s.failsAfterTotal !== null && total < s.failsAfterTotal) dt = Math.min(dt, (s.failsAfterTotal - total) / rate);
    }
    for (const s of working) accepted.set(s.id, accepted.get(s.id)! + s.ratePerSecond * dt);
    total += rate * dt;
    t += dt;
  }
  return { emailsPerSecond: jobs / t, seconds: t };
}

/**
 * The highest sustained write rate to one document: for each document, the most writes that fell in any
 * `windowMs` window, divided by the window's length in seconds. Bursts shorter than the window count
 * for what they are over the window, as Firestore's guidance (about one write per second) is about
 * sustained rates.
 */
export function hottestDocument(writes: Record<string, readonly number[]>, windowMs = 10_000): { path: string; writesPerSecond: number; total: number } | null {
  let best: { path: string; writesPerSecond: number; total: number } | null = null;
  for (const [path, times] of Object.entries(writes)) {
    const sorted = [...times].sort((a, b) => a - b);
    let most = 0;
    let start = 0;
    for (let end = 0; end < sorted.length; end++) {
      while (sorted[end]! - sorted[start]! >= windowMs) start++;
      most = Math.max(most, end - start + 1);
    }
    const rate = most / (windowMs / 1000);
    if (!best || rate > best.writesPerSecond) best = { path, writesPerSecond: rate, total: sorted.length };
  }
  return best;
}
