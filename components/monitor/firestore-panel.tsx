"use client";
import { BarChart } from "@/components/ui/charts/bar-chart";
import { LineChart } from "@/components/ui/charts/line-chart";
import { formatIn, zoneAbbreviation } from "@/components/ui/time";
import {
  BURN_KINDS,
  BURN_THRESHOLDS,
  hoursOfDay,
  hourStart,
  thresholdReached,
  type BurnCounts,
  type BurnKind,
  type Forecast,
} from "@/lib/domain/monitor/burn";
import type { BurnReport } from "@/lib/domain/monitor/report";
import styles from "./monitor.module.css";

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const percent = (used: number, budget: number) => Math.floor((used / Math.max(1, budget)) * 100);
const TONE = { 70: "warn", 90: "danger", 100: "danger" } as const;

function levelText(level: 70 | 90 | 100 | null): string {
  return level === null ? "below 70%" : level === 100 ? "over budget" : `past the ${level}% warning`;
}

/** Today's reads, writes and deletes against the budget, with where the day ends at the current rate. */
export function BurnMeters({ report, budget, forecast }: { report: BurnReport; budget: BurnCounts; forecast: Forecast }) {
  return (
    <div className={styles.kinds}>
      {BURN_KINDS.map((kind) => {
        const used = report.totals[kind];
        const level = thresholdReached(used, budget[kind]);
        const projectedLevel = thresholdReached(forecast.projected[kind], budget[kind]);
        const share = Math.min(1, used / Math.max(1, budget[kind]));
        return (
          <div className={`card ${styles.kind}`} key={kind} data-testid={`burn-${kind}`} data-level={level ?? 0}>
            <div className="label muted">{kind[0]!.toUpperCase() + kind.slice(1)} today</div>
            <div className="value">
              <span data-testid={`burn-${kind}-used`}>{fmt(used)}</span> <span className="muted">/ {fmt(budget[kind])}</span>
            </div>
            <div
              className={`meter ${level === null ? "" : level === 70 ? "warn" : "danger"}`}
              role="meter"
              aria-label={`${kind} used today`}
              aria-valuemin={0}
              aria-valuemax={budget[kind]}
              aria-valuenow={used}
              aria-valuetext={`${fmt(used)} of ${fmt(budget[kind])} ${kind}, ${percent(used, budget[kind])}%`}
            >
              <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
            </div>
            <p className={styles.small}>
              <span className={styles.level} data-level={level ?? undefined}>
                {percent(used, budget[kind])}% · {levelText(level)}
              </span>
            </p>
            <p className={styles.small} data-testid={`forecast-${kind}`}>
              At this rate ({fmt(forecast.perHour[kind])} an hour): <strong>{fmt(forecast.projected[kind])}</strong> by the reset (
              <span className={styles.level} data-level={projectedLevel ?? undefined}>
                {percent(forecast.projected[kind], budget[kind])}%
              </span>
              )
            </p>
          </div>
        );
      })}
    </div>
  );
}

/** Cumulative burn so far and its forecast to the reset, plus the hourly bars, for one kind. */
export function DayCharts({ kind, report, budget, forecast, dayStart, now, zone }: {
  kind: BurnKind;
  report: BurnReport;
  budget: BurnCounts;
  forecast: Forecast;
  dayStart: number;
  now: number;
  zone: string;
}) {
  const hours = hoursOfDay(report.hours, new Date(now), true);
  const abbrev = zoneAbbreviation(zone, now);
  let cumulative = 0;
  const soFar = [{ x: dayStart, y: 0 }];
  for (const h of hours.filter((h) => hourStart(h.hour).getTime() <= now)) {
    cumulative += h.counts[kind];
    soFar.push({ x: Math.min(now, hourStart(h.hour).getTime() + 3_600_000), y: cumulative });
  }
  const end = forecast.endsAt.getTime();
  const references = BURN_THRESHOLDS.map((t) => ({ value: (budget[kind] * t) / 100, label: `${t}%`, tone: TONE[t] }));
  const ticks = [0, 6, 12, 18, 24].map((h) => Math.min(end, dayStart + h * 3_600_000)).map((at) => ({ at, label: formatIn(zone, at, "time") }));
  const unit = kind;
  return (
    <div className={styles.charts}>
      <LineChart
        title={`${kind[0]!.toUpperCase() + kind.slice(1)} so far today, and the forecast to the reset`}
        summary={`${fmt(report.totals[kind])} ${kind} so far of a budget of ${fmt(budget[kind])}; at the current rate the day ends at ${fmt(forecast.projected[kind])}. Times in ${zone}.`}
        unit={`${kind}, times in ${abbrev}`}
        xStart={dayStart}
        xEnd={end}
        xTicks={ticks}
        series={[
          { label: "So far", points: soFar },
          { label: "Forecast", points: [{ x: now, y: report.totals[kind] }, { x: end, y: forecast.projected[kind] }], dashed: true, tone: forecast.projected[kind] >= budget[kind] * 0.9 ? "danger" : "warn" },
        ]}
        references={references}
        table={{
          columns: ["", unit],
          rows: [
            ["Budget", budget[kind]],
            ["So far", report.totals[kind]],
            [`Forecast at the reset (${formatIn(zone, end, "time")} ${abbrev})`, forecast.projected[kind]],
          ],
        }}
      />
      <BarChart
        title={`${kind[0]!.toUpperCase() + kind.slice(1)} per hour today`}
        summary={`${kind} counted in each hour of today's quota day, in ${zone} time.`}
        unit={unit}
        xHeading={`Hour (${abbrev})`}
        bars={hours.map((h) => {
          const at = hourStart(h.hour).getTime();
          return { key: h.hour, label: formatIn(zone, at, "hour"), detail: `${formatIn(zone, at, "hour")}–${formatIn(zone, at + 3_600_000, "hour")} ${abbrev}`, value: h.counts[kind] };
        })}
      />
    </div>
  );
}

/** The last 30 days' totals for one kind against today's budget. */
export function HistoryChart({ kind, history, budget }: { kind: BurnKind; history: { day: string; totals: BurnCounts }[]; budget: BurnCounts }) {
  const over = history.filter((h) => h.totals[kind] >= budget[kind]).length;
  return (
    <BarChart
      title={`${kind[0]!.toUpperCase() + kind.slice(1)} per quota day, last 30 days`}
      summary={`Daily ${kind} for the 30 quota days before today (US Pacific days); ${over} of them reached the budget of ${fmt(budget[kind])}.`}
      unit={kind}
      xHeading="Quota day (US Pacific)"
      bars={history.map((h) => {
        const level = thresholdReached(h.totals[kind], budget[kind]);
        return {
          key: h.day,
          label: formatIn("UTC", Date.parse(`${h.day}T12:00:00Z`), "day"),
          detail: h.day,
          value: h.totals[kind],
          tone: level === null ? undefined : TONE[level],
        };
      })}
      references={[{ value: budget[kind], label: "budget", tone: "danger" }]}
    />
  );
}

function CountCells({ counts }: { counts: BurnCounts }) {
  return (
    <>
      <td className={styles.num}>{fmt(counts.reads)}</td>
      <td className={styles.num}>{fmt(counts.writes)}</td>
      <td className={styles.num}>{fmt(counts.deletes)}</td>
    </>
  );
}

const COUNT_HEADS = (
  <>
    <th scope="col" className={styles.num}>Reads</th>
    <th scope="col" className={styles.num}>Writes</th>
    <th scope="col" className={styles.num}>Deletes</th>
  </>
);

/** Which operations and collections burn most today. */
export function TopBurners({ report }: { report: BurnReport }) {
  const top = report.operations.slice(0, 8);
  return (
    <div className={styles.tables}>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Operations that burned most today</caption>
          <thead>
            <tr>
              <th scope="col">Operation</th>
              <th scope="col">Collection</th>
              {COUNT_HEADS}
            </tr>
          </thead>
          <tbody>
            {top.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">Nothing counted yet today.</td>
              </tr>
            ) : (
              top.map((o) => (
                <tr key={`${o.collection}|${o.operation}`}>
                  <th scope="row">{o.operation}</th>
                  <td>{o.collection}</td>
                  <CountCells counts={o} />
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Collections that burned most today</caption>
          <thead>
            <tr>
              <th scope="col">Collection</th>
              {COUNT_HEADS}
            </tr>
          </thead>
          <tbody>
            {report.collections.slice(0, 8).map((c) => (
              <tr key={c.collection}>
                <th scope="row">{c.collection}</th>
                <CountCells counts={c} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
