import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import type { RuntimeSettings } from "@/lib/adapters/firestore/schemas";
import {
  addCounts,
  decideAutoHalt,
  DEFAULT_AUTO_HALT,
  forecastDay,
  hourKey,
  subtractCounts,
  type BurnCounts,
  type GuardDecision,
} from "@/lib/domain/monitor/burn";
import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import type { Clock } from "@/lib/ports/clock";
import { burnBudget, daysBefore, readBurnReport, rollUpBurnDays, BURN_HISTORY } from "./burn-report";
import { haltAutomatically, readRuntimeSettings } from "./settings";

export interface BurnGuardPorts {
  db: MeteredFirestore;
  clock: Clock;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface BurnGuardOptions {
  /** How old the day's totals read from Firestore may get before they are read again (while sending). */
  refreshMs?: number;
  /** How often a running drain's burn is checked against the rules (from memory, no read). */
  tickMs?: number;
}

interface Baseline {
  day: string;
  at: number;
  totals: BurnCounts;
  hours: Record<string, BurnCounts>;
  /** What this process had flushed for the day when the totals were read: the part the totals already hold. */
  flushed: BurnCounts;
  settings: RuntimeSettings;
}

/**
 * Halts sending before the day's Firestore budget runs out. Reading the day's shards on every check would
 * cost more than it saves, so the guard reads them at most once per `refreshMs`, and adds what this process's
 * burn meter has recorded and not yet flushed into them: the drain's own burn,
 * which is what grows fastest while it sends, is seen within a tick, at no cost. Other processes' burn is seen
 * at the next read. A drain that finds nothing to send finishes before the first tick, so an idle queue costs
 * the guard nothing.
 *
 * The halt itself is the ordinary halt switch (settings/runtime), which the drain already obeys between sends.
 */
export class BurnGuard {
  private baseline: Baseline | null = null;
  private refreshing: Promise<void> | null = null;
  private rolledUpBefore: string | null = null;
  private readonly refreshMs: number;
  private readonly tickMs: number;

  constructor(
    private readonly ports: BurnGuardPorts,
    options: BurnGuardOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 60_000;
    this.tickMs = options.tickMs ?? 1_000;
  }

  /** The day's burn as the guard currently estimates it (null before the first read of the day). */
  estimate(): { day: string; totals: BurnCounts; hours: Record<string, BurnCounts> } | null {
    const b = this.baseline;
    const now = this.ports.clock.now();
    if (!b || b.day !== firestoreQuotaDay(now)) return null;
    const own = subtractCounts(this.ports.db.meter.recordedOn(b.day), b.flushed);
    const hour = hourKey(now);
    return {
      day: b.day,
      totals: addCounts(b.totals, own),
      hours: { ...b.hours, [hour]: addCounts(b.hours[hour] ?? { reads: 0, writes: 0, deletes: 0 }, own) },
    };
  }

  /**
   * Decides from what is already known, without reading: called before a drain starts, so a day already over
   * its limit in this process's view does not send a single email.
   */
  async checkKnown(): Promise<GuardDecision> {
    return this.evaluate();
  }

  /** Reads the day's totals if they are stale, then decides. */
  async check(): Promise<GuardDecision> {
    const b = this.baseline;
    const now = this.ports.clock.now();
    if (!b || b.day !== firestoreQuotaDay(now) || now.getTime() - b.at >= this.refreshMs) await this.refresh();
    return this.evaluate();
  }

  /**
   * Checks on a timer while a drain runs; returns the function that stops it. The first check comes one tick
   * after the start, by which time a drain with nothing to do has already returned.
   */
  watch(): () => void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.check()
        .catch((error: Error) => this.ports.log?.("burn guard check failed", { error: error.message }))
        .finally(() => (busy = false));
    }, this.tickMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }

  private async refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const { db, clock } = this.ports;
      const day = firestoreQuotaDay(clock.now());
      // Taken before the read: a flush landing during it is then counted twice, never missed.
      const flushed = db.meter.flushedOn(day);
      const [settings, report] = await Promise.all([readRuntimeSettings(db, "guard.settings"), readBurnReport(db, day, "guard.burn")]);
      this.baseline = { day, at: clock.now().getTime(), totals: report.totals, hours: report.hours, flushed, settings };
      await this.fileYesterday(day);
    })().finally(() => (this.refreshing = null));
    await this.refreshing;
  }

  /** Once per day and process: yesterday's final totals go to the history the monitor's 30-day chart reads. */
  private async fileYesterday(today: string): Promise<void> {
    if (this.rolledUpBefore === today) return;
    this.rolledUpBefore = today;
    const [yesterday] = daysBefore(today, 1);
    const { db, clock } = this.ports;
    const history = await db.get("guard.history", BURN_HISTORY);
    if (yesterday && !history?.data.days[yesterday]) await rollUpBurnDays(db, clock.now(), [yesterday]);
  }

  private async evaluate(): Promise<GuardDecision> {
    const b = this.baseline;
    const current = this.estimate();
    if (!b || !current || b.settings.halted) return { halt: false };
    const now = this.ports.clock.now();
    const decision = decideAutoHalt({
      day: current.day,
      totals: current.totals,
      projected: forecastDay(current.totals, current.hours, now).projected,
      budget: burnBudget(b.settings),
      rules: b.settings.autoHalt ?? DEFAULT_AUTO_HALT,
      snooze: b.settings.autoHaltSnooze ?? null,
    });
    if (!decision.halt) return decision;
    // Whatever the transaction found (halted by this call, by an operator, or rules changed), stop deciding
    // from these settings until the next read.
    b.settings = { ...b.settings, halted: true };
    const halted = await haltAutomatically(this.ports.db, this.ports.clock, decision);
    if (halted) this.ports.log?.("burn guard halted sending", { reason: decision.reason });
    return decision;
  }
}
