"use client";
import { useId, type ReactNode } from "react";
import styles from "./charts.module.css";
import { compactNumber, linearTicks } from "./scale";
import { useWidth } from "./use-width";

export type Tone = "accent" | "warn" | "danger" | "muted";

export interface Reference {
  value: number;
  label: string;
  tone?: Tone;
}

/** Where a chart may draw, in pixels, and how a value maps to a height. */
export interface Plot {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  plotW: number;
  y: (value: number) => number;
}

const PAD = { top: 12, right: 8, bottom: 22, left: 40 };

/**
 * What every Herald chart shares: a figure with a caption, an SVG drawn at its real width and labelled for
 * screen readers (title and one-sentence summary), the y axis from zero to `max` with gridlines, the reference
 * levels, and whatever follows the picture (legend, table).
 */
export function ChartFrame({ title, summary, height, max, references = [], referenceLabelsAt = "end", children, after }: {
  title: string;
  summary: string;
  height: number;
  max: number;
  references?: Reference[];
  referenceLabelsAt?: "start" | "end";
  children: (plot: Plot) => ReactNode;
  after?: ReactNode;
}) {
  const id = useId();
  const [ref, width] = useWidth<HTMLDivElement>();
  const plotH = height - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + plotH - (Math.min(v, max) / max) * plotH;
  const plot: Plot = { width, height, left: PAD.left, right: width - PAD.right, top: PAD.top, bottom: PAD.top + plotH, plotW: width - PAD.left - PAD.right, y };
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
              <line className={styles.grid} x1={plot.left} x2={plot.right} y1={y(t)} y2={y(t)} />
              <text className={styles.tick} x={plot.left - 4} y={y(t) + 4} textAnchor="end">
                {compactNumber(t)}
              </text>
            </g>
          ))}
          {children(plot)}
          {references.map((r) => (
            <g key={r.label}>
              <line className={styles.reference} data-tone={r.tone} x1={plot.left} x2={plot.right} y1={y(r.value)} y2={y(r.value)} />
              <text
                className={styles.referenceLabel}
                data-tone={r.tone}
                x={referenceLabelsAt === "end" ? plot.right : plot.left + 4}
                y={y(r.value) - 3}
                textAnchor={referenceLabelsAt === "end" ? "end" : "start"}
              >
                {r.label}
              </text>
            </g>
          ))}
          <line className={styles.axis} x1={plot.left} x2={plot.right} y1={plot.bottom} y2={plot.bottom} />
        </svg>
      </div>
      {after}
    </figure>
  );
}
