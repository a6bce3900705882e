import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import type { Clock } from "@/lib/ports/clock";

export type OperationKind = "reads" | "writes" | "deletes";

export interface BurnCounts {
  reads: number;
  writes: number;
  deletes: number;
}

export interface BurnSample {
  day: string;
  collection: string;
  operation: string;
  counts: BurnCounts;
}

/**
 * Where a flush goes. The Firestore sink writes one increment-only document per flush; a test sink keeps
 * the samples in memory.
 */
export interface BurnSink {
  write(day: string, samples: BurnSample[]): Promise<void>;
}

/** The collection flushes go to; declared here so the meter can file its own writes under it. */
export const BURN_COLLECTION = "burn";

const emptyCounts = (): BurnCounts => ({ reads: 0, writes: 0, deletes: 0 });

/**
 * Counts every Firestore operation the process makes, in memory, and flushes them in one write per quota day.
 * Aggregating before writing is what keeps metering itself far below 1% of the traffic it measures.
 */
export class BurnMeter {
  private pending = new Map<string, BurnSample>();
  private totals = emptyCounts();
  private flushing: Promise<void> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly sink: BurnSink | null = null,
  ) {}

  record(collection: string, operation: string, kind: OperationKind, amount: number): void {
    if (amount <= 0) return;
    this.add(firestoreQuotaDay(this.clock.now()), collection, operation, kind, amount);
    this.totals[kind] += amount;
  }

  private add(day: string, collection: string, operation: string, kind: OperationKind, amount: number): void {
    const key = `${day}\u0000${collection}\u0000${operation}`;
    let sample = this.pending.get(key);
    if (!sample) {
      sample = { day, collection, operation, counts: emptyCounts() };
      this.pending.set(key, sample);
    }
    sample.counts[kind] += amount;
  }

  /** Everything recorded since this meter was created, flushed or not (used by benchmarks and tests). */
  lifetimeTotals(): BurnCounts {
    return { ...this.totals };
  }

  hasPending(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Writes what has accumulated. Samples are taken out before the write and put back if it fails, so a
   * failed flush loses nothing and a concurrent record() lands in the next flush.
   */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (!this.sink || this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    const byDay = new Map<string, BurnSample[]>();
    for (const sample of batch) byDay.set(sample.day, [...(byDay.get(sample.day) ?? []), sample]);
    const sink = this.sink;
    this.flushing = (async () => {
      for (const [day, samples] of byDay) {
        // The flush is itself a write: it files itself in the document it writes, instead of being recorded
        // for a later flush (which would make an idle process flush forever).
        const withSelf = [
          ...samples,
          { day, collection: BURN_COLLECTION, operation: "burn.flush", counts: { reads: 0, writes: 1, deletes: 0 } },
        ];
        try {
          await sink.write(day, withSelf);
          this.totals.writes += 1;
        } catch (error) {
          for (const s of samples) {
            for (const kind of ["reads", "writes", "deletes"] as const) {
              if (s.counts[kind] > 0) this.add(s.day, s.collection, s.operation, kind, s.counts[kind]);
            }
          }
          throw error;
        }
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  /** Flush on a timer in long-lived processes (the Next server, the local worker). */
  startAutoFlush(intervalMs: number, onError: (error: unknown) => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.flush().catch(onError);
    }, intervalMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
