import { recordStart, startDelayMs, type PacerState } from "@/lib/domain/delivery/rate-limit";

/**
 * Sends whose pacing slot has come start here, one after the other, each when the starts of the last second
 * (their real times) leave room for it (see startDelayMs). Slots are spaced on the clock, but a busy event loop
 * wakes several sleeping sends at once, late, and a provider counting a sliding second would see their burst
 * and answer 429. Each send used to wait on its own for the free place and retry a bounded number of times, so
 * sends woken together kept taking it from each other and the rest went at once: bench:drain saw 103 starts
 * in one second against an allowance of 90. In turn, a place goes to one send only.
 */
export class StartQueue {
  private readonly waiting: (() => void)[] = [];
  private running = false;

  constructor(private readonly now: () => number) {}

  /** Sends waiting in line. */
  get length(): number {
    return this.waiting.length;
  }

  /** Resolves when this send may start; `paced` is the provider's runtime, whose pacer records the start. */
  admit(paced: { pacer: PacerState | null }, sleep: (ms: number) => Promise<void>): Promise<void> {
    const admitted = new Promise<void>((resolve) => this.waiting.push(resolve));
    if (!this.running) void this.run(paced, sleep);
    return admitted;
  }

  private async run(paced: { pacer: PacerState | null }, sleep: (ms: number) => Promise<void>): Promise<void> {
    this.running = true;
    // Ends in the same turn as it finds the line empty: a send arriving after that starts a new runner.
    while (this.waiting.length > 0) {
      const delay = paced.pacer ? startDelayMs(paced.pacer, this.now()) : 0;
      // After waiting that long the oldest start has left the window: the first in line goes, even on a clock
      // that did not move (tests), so the queue never spins.
      if (delay > 0) await sleep(delay).catch(() => undefined);
      if (paced.pacer) paced.pacer = recordStart(paced.pacer, this.now());
      this.waiting.shift()!();
    }
    this.running = false;
  }
}
