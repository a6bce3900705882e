"use client";
import { useId } from "react";
import styles from "./charts.module.css";
import { ChartTable } from "./data-table";
import { barSlots, compactNumber, labelledIndices, labelStride, linearTicks, niceCeil } from "./scale";
import { useWidth } from "./use-width";

export type Tone = "accent" | "warn" | "danger" | "muted";

export interface Bar {
  key: string;
  /** The x-axis label ("14:00", "3 Mar"). */
  label: string;
  /** What the bar stands for in full, for the table ("14:00–15:00 CEST"). */
  detail: string;
  value: number;
  tone?: Tone;
}

export interface Reference {
  value: number;
  label: string;
  tone?: Tone;
}

interface Props {
  title: string;
  /** One sentence saying what the chart shows, read by screen readers before the table. */
  summary: string;
  /** What the values count ("writes"). */
  unit: string;
  /** The table's first column heading ("Hour (CEST)"). */
  xHeading: string;
  bars: Bar[];
  references?: Reference[];
  height?: number;
}

const PAD = { top: 10, right: 8, bottom: 22, left: 40 };

/** A bar chart in real SVG, drawn at the width it is shown at, with its numbers available as a table. */
export function BarChart({ title, summary, unit, xHeading, bars, references = [], height = 180 }: Props) {
  const id = useId();
  const [ref, width] = useWidth<HTMLDivElement>();
  const max = niceCeil(Math.max(...bars.map((b) => b.value), ...references.map((r) => r.value), 1));
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const slots = barSlots(bars.length, plotW);
  const labelled = labelledIndices(bars.length, labelStride(bars.length, plotW));
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
          {bars.map((b, i) => {
            const slot = slots[i]!;
            const top = y(b.value);
            return (
              <rect key={b.key} className={styles.bar} data-tone={b.tone} x={PAD.left + slot.x} y={top} width={slot.width} height={Math.max(0, PAD.top + plotH - top)}>
                <title>{`${b.detail}: ${b.value.toLocaleString("en-US")} ${unit}`}</title>
              </rect>
            );
          })}
          {references.map((r) => (
            <g key={r.label}>
              <line className={styles.reference} data-tone={r.tone} x1={PAD.left} x2={width - PAD.right} y1={y(r.value)} y2={y(r.value)} />
              <text className={styles.referenceLabel} data-tone={r.tone} x={width - PAD.right} y={y(r.value) - 3} textAnchor="end">
                {r.label}
              </text>
            </g>
          ))}
          <line className={styles.axis} x1={PAD.left} x2={width - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} />
          {bars.map((b, i) =>
            labelled.has(i) ? (
              <text key={b.key} className={styles.tick} x={PAD.left + slots[i]!.x + slots[i]!.width / 2} y={height - 6} textAnchor="middle">
                {b.label}
              </text>
            ) : null,
          )}
        </svg>
      </div>
      <ChartTable caption={title} columns={[xHeading, unit[0]!.toUpperCase() + unit.slice(1)]} rows={bars.map((b) => [b.detail, b.value])} />
    </figure>
  );
}
