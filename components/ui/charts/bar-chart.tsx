"use client";
import styles from "./charts.module.css";
import { ChartTable } from "./data-table";
import { ChartFrame, type Reference, type Tone } from "./frame";
import { barSlots, labelledIndices, labelStride, niceCeil } from "./scale";

export type { Reference, Tone } from "./frame";

export interface Bar {
  key: string;
  /** The x-axis label ("14:00", "3 Mar"). */
  label: string;
  /** What the bar stands for in full, for the table ("14:00–15:00 CEST"). */
  detail: string;
  value: number;
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

/** A bar chart in real SVG, drawn at the width it is shown at, with its numbers available as a table. */
export function BarChart({ title, summary, unit, xHeading, bars, references = [], height = 180 }: Props) {
  const max = niceCeil(Math.max(...bars.map((b) => b.value), ...references.map((r) => r.value), 1));
  return (
    <ChartFrame
      title={title}
      summary={summary}
      height={height}
      max={max}
      references={references}
      after={<ChartTable caption={title} columns={[xHeading, unit[0]!.toUpperCase() + unit.slice(1)]} rows={bars.map((b) => [b.detail, b.value])} />}
    >
      {(plot) => {
        const slots = barSlots(bars.length, plot.plotW);
        const labelled = labelledIndices(bars.length, labelStride(bars.length, plot.plotW));
        return bars.map((b, i) => {
          const slot = slots[i]!;
          const top = plot.y(b.value);
          return (
            <g key={b.key}>
              <rect className={styles.bar} data-tone={b.tone} x={plot.left + slot.x} y={top} width={slot.width} height={Math.max(0, plot.bottom - top)}>
                <title>{`${b.detail}: ${b.value.toLocaleString("en-US")} ${unit}`}</title>
              </rect>
              {labelled.has(i) ? (
                <text className={styles.tick} x={plot.left + slot.x + slot.width / 2} y={plot.height - 6} textAnchor="middle">
                  {b.label}
                </text>
              ) : null}
            </g>
          );
        });
      }}
    </ChartFrame>
  );
}
