import { hourKey, type BurnCounts, type BurnKind } from "@/lib/domain/monitor/burn";
import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import type { Clock } from "@/lib/ports/clock";

export type { BurnCounts } from "@/lib/domain/monitor/burn";
export type OperationKind = BurnKind;

export interface BurnSample {
  day: string;
  /** The UTC hour the operations happened in ("2026-06-01T17"). */
  hour: string;
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

/** Days of per-day totals kept in memory: today, and yesterday for flushes that straddle midnight. */
const DAYS_REMEMBERED = 2;

/**
 * Counts every Firestore operation the process makes, in memory, and flushes them in one write per quota day.
 * Aggregating before writing is what keeps metering itself far below 1% of the traffic it measures.
 */
export class BurnMeter {
  private pending = new Map<string, BurnSample>();
  /** When the oldest sample still waiting for a flush was recorded (epoch ms), or null when none waits. */
  private pendingSince: number | null = null;
  private totals = emptyCounts();
  /** Everything recorded per quota day, flushed or not: the burn guard's view of this process's own use. */
  private byDay = new Map<string, BurnCounts>();
  /** What of it has reached the sink, per quota day. */
  private flushedByDay = new Map<string, BurnCounts>();
  private flushing: Promise<void> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly sink: BurnSink | null = null,
  ) {}

  record(collection: string, operation: string, kind: OperationKind, amount: number): void {
    if (amount <= 0) return;
    const now = this.clock.now();
    const day = firestoreQuotaDay(now);
    this.add(day, hourKey(now), collection, operation, kind, amount);
    this.totals[kind] += amount;
    this.dayTotals(day)[kind] += amount;
  }

  private dayTotals(day: string, map = this.byDay): BurnCounts {
    let counts = map.get(day);
    if (!counts) {
      counts = emptyCounts();
      map.set(day, counts);
      // Days are created in order, so the first keys are the oldest.
      for (const old of [...map.keys()].slice(0, -DAYS_REMEMBERED)) map.delete(old);
    }
    return counts;
  }

  private add(day: string, hour: string, collection: string, operation: string, kind: OperationKind, amount: number): void {
    const key = `${day}\u0000${hour}\u0000${collection}\u0000${operation}`;
    let sample = this.pending.get(key);
    if (!sample) {
      sample = { day, hour, collection, operation, counts: emptyCounts() };
      this.pending.set(key, sample);
    }
    sample.counts[kind] += amount;
    this.pendingSince ??= this.clock.now().getTime();
  }

  /** Everything recorded since this meter was created, flushed or not (used by benchmarks and tests). */
  lifetimeTotals(): BurnCounts {
    return { ...this.totals };
  }

  /** What this process recorded on one quota day, flushed or not (its own flushes included). */
  recordedOn(day: string): BurnCounts {
    return { ...(this.byDay.get(day) ?? emptyCounts()) };
  }

  /** What of that has been written to the sink (so is in the day's shards). */
  flushedOn(day: string): BurnCounts {
    return { ...(this.flushedByDay.get(day) ?? emptyCounts()) };
  }

  hasPending(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Flushes only when something has waited at least `ageMs`. An idle drain records a read or two per run; a
   * flush for each would cost a write per run and wake every open burn monitor for nothing.
   */
  async flushIfOlderThan(ageMs: number): Promise<void> {
    if (this.pendingSince !== null && this.clock.now().getTime() - this.pendingSince >= ageMs) await this.flush();
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
    this.pendingSince = null;
    const byDay = new Map<string, BurnSample[]>();
    for (const sample of batch) byDay.set(sample.day, [...(byDay.get(sample.day) ?? []), sample]);
    const sink = this.sink;
    this.flushing = (async () => {
      for (const [day, samples] of byDay) {
        // The flush is itself a write: it files itself in the document it writes, instead of being recorded
        // for a later flush (which would make an idle process flush forever).
        const self: BurnSample = {
          day,
          hour: hourKey(this.clock.now()),
          collection: BURN_COLLECTION,
          operation: "burn.flush",
          counts: { reads: 0, writes: 1, deletes: 0 },
        };
        try {
          await sink.write(day, [...samples, self]);
          this.totals.writes += 1;
          this.dayTotals(day).writes += 1;
          const flushed = this.dayTotals(day, this.flushedByDay);
          for (const s of [...samples, self]) {
            flushed.reads += s.counts.reads;
            flushed.writes += s.counts.writes;
            flushed.deletes += s.counts.deletes;
          }
        } catch (error) {
          for (const s of samples) {
            for (const kind of ["reads", "writes", "deletes"] as const) {
              if (s.counts[kind] > 0) this.add(s.day, s.hour, s.collection, s.operation, kind, s.counts[kind]);
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
