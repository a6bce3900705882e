"use client";
import Link from "next/link";
import { useEffect, useMemo, useRef, useState } from "react";
import { LiveStatusNote } from "@/components/events/live-status";
import { LocalTime, useTimeZone } from "@/components/ui/time";
import { subscribeBurnDay, subscribeRuntime, type LiveStatus, type PublicFirebaseConfig } from "@/lib/client/live";
import { liveReads, markShown, recordDeliveries } from "@/lib/client/live-meter";
import {
  BURN_KINDS,
  DEFAULT_AUTO_HALT,
  firestoreDayStart,
  forecastDay,
  SPARK_DAILY_BUDGET,
  thresholdReached,
  type BurnCounts,
  type BurnKind,
} from "@/lib/domain/monitor/burn";
import { summariseBurn } from "@/lib/domain/monitor/report";
import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import { BurnMeters, DayCharts, HistoryChart, TopBurners } from "./firestore-panel";
import { HaltBanner } from "./halt-banner";
import styles from "./monitor.module.css";
import { ProviderCards } from "./provider-cards";
import { QueuePanel } from "./queue-panel";
import type { MonitorActions, MonitorInitial, ProviderPanelView } from "./types";

/** A recount costs about a dozen reads: after a drain run at most this often, or when asked. */
const QUEUE_RECOUNT_MS = 10 * 60_000;

function describeRules(rules: { burnAt: number | null; forecastAt: number | null }): string {
  if (rules.burnAt === null && rules.forecastAt === null) return "off";
  const parts = [];
  if (rules.burnAt !== null) parts.push(`when today's burn reaches ${rules.burnAt}%`);
  if (rules.forecastAt !== null) parts.push(`when the forecast reaches ${rules.forecastAt}%`);
  return parts.join(", or ");
}

function countdown(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The 70 / 90 / 100 % warnings, in words, above everything else while they hold. */
function BudgetWarning({ totals, projected, budget, rules }: { totals: BurnCounts; projected: BurnCounts; budget: BurnCounts; rules: { burnAt: number | null; forecastAt: number | null } }) {
  const worst = BURN_KINDS.map((kind) => ({ kind, level: thresholdReached(totals[kind], budget[kind]), share: totals[kind] / budget[kind] })).sort((a, b) => b.share - a.share)[0]!;
  const heading = BURN_KINDS.find((kind) => (thresholdReached(projected[kind], budget[kind]) ?? 0) >= 100);
  if (worst.level === null && !heading) return null;
  const halt = rules.burnAt === null ? "The automatic halt on burn is off." : `Sending halts automatically at ${rules.burnAt}%.`;
  return (
    <p className={`banner ${worst.level !== null && worst.level >= 90 ? "danger" : "warn"}`} role="status" data-testid="budget-warning" style={{ margin: 0 }}>
      {worst.level !== null ? (
        <>
          <strong>
            Firestore {worst.kind} at {Math.floor(worst.share * 100)}% of today&apos;s budget.
          </strong>{" "}
        </>
      ) : null}
      {heading ? `At the current rate, ${heading} would run out before the reset. ` : ""}
      {halt}
    </p>
  );
}

/**
 * The burn monitor, live. The browser listens to two small things only: today's burn shards (a handful of
 * documents, each flush of any process is one change) and the runtime settings document. What changed in
 * Firestore tells the page what else to refresh: a flush that counts provider writes means a drain run
 * persisted provider health, so the cards are fetched again (one read per provider); job writes mean the queue
 * moved, so it is recounted, at most every ten minutes (or at once, on request).
 */
export function BurnMonitor({ initial, config, actions }: { initial: MonitorInitial; config: PublicFirebaseConfig; actions: MonitorActions }) {
  const zone = useTimeZone();
  const [now, setNow] = useState(initial.now);
  const [day, setDay] = useState(initial.day);
  const [report, setReport] = useState(initial.report);
  const [runtime, setRuntime] = useState(initial.runtime);
  const [panel, setPanel] = useState(initial.panel);
  const [queue, setQueue] = useState(initial.queue);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [recounting, setRecounting] = useState(false);
  const [queueNote, setQueueNote] = useState<string | null>(null);
  const [reads, setReads] = useState({ initial: 0, later: 0, openedAt: initial.now });
  const budget = runtime.burnBudget ?? SPARK_DAILY_BUDGET;
  const [kind, setKind] = useState<BurnKind>(() =>
    BURN_KINDS.reduce((best, k) => (initial.report.totals[k] / budget[k] > initial.report.totals[best] / budget[best] ? k : best), "writes" as BurnKind),
  );

  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
      setDay(firestoreQuotaDay(new Date()));
      setReads(liveReads());
    }, 15_000);
    setNow(Date.now());
    return () => clearInterval(timer);
  }, []);

  useEffect(
    () =>
      subscribeBurnDay(
        config,
        day,
        (shards) => {
          setReport(summariseBurn(day, shards));
          setNow(Date.now());
          setReads(liveReads());
        },
        setStatus,
      ),
    [config, day],
  );
  useEffect(() => subscribeRuntime(config, setRuntime), [config]);
  useEffect(() => {
    if (initial.queue === null) void recount();
  }, []); // once, after the first render: the page is usable while the queue is counted

  // Every change this page received is on screen once React has committed it.
  useEffect(() => markShown(), [report, runtime, panel, queue]);

  const writesTo = (collection: string) => report.collections.find((c) => c.collection === collection)?.writes ?? 0;
  const providerWrites = writesTo("providers");
  const jobWrites = writesTo("jobs");
  const seen = useRef({ providerWrites, jobWrites });
  const panelRef = useRef<ProviderPanelView>(panel);
  panelRef.current = panel;

  useEffect(() => {
    if (providerWrites === seen.current.providerWrites) return;
    seen.current.providerWrites = providerWrites;
    let cancelled = false;
    void actions.refreshProviders().then(
      (result) => {
        if (cancelled || !result.ok) return;
        const before = new Map(panelRef.current.providers.map((p) => [p.id, p.updatedAt]));
        recordDeliveries(
          result.panel.providers.filter((p) => before.get(p.id) !== p.updatedAt).map((p) => ({ path: `providers/${p.id}`, version: p.updatedAt })),
        );
        setPanel(result.panel);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [providerWrites, actions]);

  async function recount() {
    setRecounting(true);
    try {
      const result = await actions.recountQueue();
      if (result.ok) {
        setQueue(result.queue);
        setQueueNote(null);
      } else setQueueNote(result.message);
    } catch {
      setQueueNote("Herald could not be reached.");
    } finally {
      setRecounting(false);
    }
  }

  useEffect(() => {
    if (jobWrites === seen.current.jobWrites || queue === null) return;
    seen.current.jobWrites = jobWrites;
    const due = queue.countedAt + QUEUE_RECOUNT_MS - Date.now();
    if (due <= 0) {
      void recount();
      return;
    }
    setQueueNote(`the queue has moved since; next automatic count at the latest in ${countdown(due)}`);
    const timer = setTimeout(() => void recount(), due);
    return () => clearTimeout(timer);
  }, [jobWrites]); // only job writes start a recount


  const forecast = useMemo(() => forecastDay(report.totals, report.hours, new Date(now)), [report, now]);
  const dayStart = useMemo(() => firestoreDayStart(new Date(now)).getTime(), [now]);
  const resetAt = forecast.endsAt.getTime();
  const rules = runtime.autoHalt ?? DEFAULT_AUTO_HALT;
  const listenedMinutes = Math.max(1, (now - reads.openedAt) / 60_000);

  return (
    <section className="stack" aria-labelledby="burn-title">
      <div className={styles.head}>
        <h1 id="burn-title">Burn monitor</h1>
        <LiveStatusNote status={status} />
      </div>
      <HaltBanner runtime={runtime} resume={actions.resume} />
      {runtime.halted ? null : <BudgetWarning totals={report.totals} projected={forecast.projected} budget={budget} rules={rules} />}
      <p className="muted" style={{ margin: 0 }}>
        Quota day {day} (midnight to midnight US Pacific). Counts reset at <LocalTime at={resetAt} style="time" /> your time, in{" "}
        {countdown(resetAt - now)}. Budget: {runtime.burnBudget ? "paid plan" : "free tier"}. Automatic halt: {describeRules(rules)}.{" "}
        <Link href="/admin/settings">Change in Settings</Link>
      </p>

      <h2>Firestore today</h2>
      <BurnMeters report={report} budget={budget} forecast={forecast} />
      <fieldset className="stack" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend className="visually-hidden">Chart</legend>
        <div className={styles.segmented} role="radiogroup" aria-label="Which operations the charts show">
          {BURN_KINDS.map((k) => (
            <label key={k}>
              <input type="radio" name="burn-kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
              <span>{k[0]!.toUpperCase() + k.slice(1)}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <DayCharts kind={kind} report={report} budget={budget} forecast={forecast} dayStart={dayStart} now={now} zone={zone} />
      <h3>What burns most today</h3>
      <TopBurners report={report} />
      <p className="muted" data-testid="listener-reads">
        This page&apos;s own live updates: {reads.initial.toLocaleString("en-US")} reads to open, {reads.later.toLocaleString("en-US")} since (about{" "}
        {Math.round((reads.later / listenedMinutes) * 60).toLocaleString("en-US")} an hour). Firestore bills them, but Herald&apos;s meter runs on the
        server and does not see a browser&apos;s reads, so they are not in the figures above.
      </p>

      <h2>Email providers</h2>
      <ProviderCards providers={panel.providers} />

      <h2>Queue</h2>
      {queue ? (
        <QueuePanel queue={queue} lastHour={panel.lastHour} now={now} recount={() => void recount()} busy={recounting} note={queueNote} />
      ) : (
        <p className="muted" role="status" data-testid="queue-counting">
          {queueNote ?? "Counting the queue…"}
        </p>
      )}

      <h2>Last 30 days</h2>
      <HistoryChart kind={kind} history={initial.history} budget={budget} />
    </section>
  );
}
