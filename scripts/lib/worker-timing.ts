import type { DrainSummary } from "@/lib/services/drain";

/**
 * After a run that ended finding every due job in another drain's lease (whether or not it had sent some of
 * its own first), the next waits at least this long: that drain sends them (and claims the retries it makes), and a crashed one's lease outlasts this anyway. At the
 * end of a four-drain bench run, the idle workers came back every 200 ms, each run a round of claims over
 * every partition, each a sort of the whole queue on the emulator, which the last drain still sending then
 * waited behind.
 */
export const IN_FLIGHT_ELSEWHERE_WAIT_MS = 5_000;

/** How long the local worker waits after a run before the next. */
export function nextRunDelayMs(summary: Pick<DrainSummary, "claimed" | "stoppedBecause"> | null, intervalMs: number): number {
  if (summary && summary.stoppedBecause === "in_flight_elsewhere") return Math.max(intervalMs, IN_FLIGHT_ELSEWHERE_WAIT_MS);
  return intervalMs;
}
