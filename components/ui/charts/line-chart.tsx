"use client";
import { useId } from "react";
import styles from "./charts.module.css";
import type { Reference, Tone } from "./bar-chart";
import { ChartTable } from "./data-table";
import { compactNumber, linearTicks, niceCeil } from "./scale";
import { useWidth } from "./use-width";

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

const PAD = { top: 12, right: 8, bottom: 22, left: 40 };

/** Lines over a time axis (the day's burn and where it is heading), with reference levels. */
export function LineChart({ title, summary, unit, xStart, xEnd, xTicks, series, references = [], table, height = 200 }: Props) {
  const id = useId();
  const [ref, width] = useWidth<HTMLDivElement>();
  const values = series.flatMap((s) => s.points.map((p) => p.y));
  const max = niceCeil(Math.max(...values, ...references.map((r) => r.value), 1));
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const x = (v: number) => PAD.left + ((v - xStart) / Math.max(1, xEnd - xStart)) * plotW;
  const y = (v: number) => PAD.top + plotH - (Math.min(v, max) / max) * plotH;
  return (
    <figure className={styles.figure}>
      <figcaption className={styles.caption} id={`${id}-title`}>
        {title}
      </figcaption>
      <div ref={ref}>
        <svg className={styles.svg} width={width} height={height} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
          <desc id={`${id}-desc`}>{summary}</desc>
          {linearTicks(max).map((t) => (
            <g key={t}>
              <line className={styles.grid} x1={PAD.left} x2={width - PAD.right} y1={y(t)} y2={y(t)} />
              <text className={styles.tick} x={PAD.left - 4} y={y(t) + 4} textAnchor="end">
                {compactNumber(t)}
              </text>
            </g>
          ))}
          {references.map((r) => (
            <g key={r.label}>
              <line className={styles.reference} data-tone={r.tone} x1={PAD.left} x2={width - PAD.right} y1={y(r.value)} y2={y(r.value)} />
              <text className={styles.referenceLabel} data-tone={r.tone} x={PAD.left + 4} y={y(r.value) - 3}>
                {r.label}
              </text>
            </g>
          ))}
          {series.map((s) => (
            <polyline
              key={s.label}
              className={styles.line}
              data-dashed={s.dashed ? "true" : undefined}
              data-tone={s.tone}
              points={s.points.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(" ")}
            />
          ))}
          <line className={styles.axis} x1={PAD.left} x2={width - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} />
          {xTicks.map((t, i) => (
            <text
              key={t.at}
              className={styles.tick}
              x={x(t.at)}
              y={height - 6}
              textAnchor={i === 0 ? "start" : i === xTicks.length - 1 ? "end" : "middle"}
            >
              {t.label}
            </text>
          ))}
        </svg>
      </div>
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
    </figure>
  );
}
