"use client";
import styles from "./charts.module.css";
import { ChartTable } from "./data-table";
import { ChartFrame, type Reference, type Tone } from "./frame";
import { niceCeil } from "./scale";

export interface Series {
  label: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
  tone?: Tone;
}

interface Props {
  title: string;
  summary: string;
  unit: string;
  /** The x domain (epoch ms, say) and its labelled ticks. */
  xStart: number;
  xEnd: number;
  xTicks: { at: number; label: string }[];
  series: Series[];
  references?: Reference[];
  /** The table's rows: the chart's key points in words. */
  table: { columns: string[]; rows: (string | number)[][] };
  height?: number;
}

/** Lines over a time axis (the day's burn and where it is heading), with reference levels. */
export function LineChart({ title, summary, unit, xStart, xEnd, xTicks, series, references = [], table, height = 200 }: Props) {
  const values = series.flatMap((s) => s.points.map((p) => p.y));
  const max = niceCeil(Math.max(...values, ...references.map((r) => r.value), 1));
  return (
    <ChartFrame
      title={title}
      summary={summary}
      height={height}
      max={max}
      references={references}
      referenceLabelsAt="start"
      after={
        <>
          <ul className={styles.legend} aria-hidden="true">
            {series.map((s) => (
              <li key={s.label}>
                <span className={styles.swatch} data-dashed={s.dashed ? "true" : undefined} data-tone={s.tone} />
                {s.label}
              </li>
            ))}
            <li>{unit}</li>
          </ul>
          <ChartTable caption={title} columns={table.columns} rows={table.rows} />
        </>
      }
    >
      {(plot) => {
        const x = (v: number) => plot.left + ((v - xStart) / Math.max(1, xEnd - xStart)) * plot.plotW;
        return (
          <>
            {series.map((s) => (
              <polyline
                key={s.label}
                className={styles.line}
                data-dashed={s.dashed ? "true" : undefined}
                data-tone={s.tone}
                points={s.points.map((p) => `${x(p.x).toFixed(1)},${plot.y(p.y).toFixed(1)}`).join(" ")}
              />
            ))}
            {xTicks.map((t, i) => (
              <text
                key={t.at}
                className={styles.tick}
                x={x(t.at)}
                y={plot.height - 6}
                textAnchor={i === 0 ? "start" : i === xTicks.length - 1 ? "end" : "middle"}
              >
                {t.label}
              </text>
            ))}
          </>
        );
      }}
    </ChartFrame>
  );
}
