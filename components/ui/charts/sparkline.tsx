import styles from "./charts.module.css";
import { barSlots } from "./scale";

interface Props {
  /** Read by screen readers in place of the picture: what the bars add up to. */
  label: string;
  values: { ok: number; fail: number }[];
  width?: number;
  height?: number;
}

/** A day at a glance: one thin bar per hour, successes over failures. Small enough for a card; no axes. */
export function Sparkline({ label, values, width = 168, height = 32 }: Props) {
  const max = Math.max(1, ...values.map((v) => v.ok + v.fail));
  const slots = barSlots(values.length, width, 0.2);
  const h = (n: number) => (n / max) * (height - 2);
  return (
    <svg width={width} height={height} role="img" aria-label={label} className={styles.svg} style={{ width, maxWidth: "100%" }}>
      {values.map((v, i) => {
        const slot = slots[i]!;
        const ok = h(v.ok);
        const fail = h(v.fail);
        return (
          <g key={i}>
            <rect className={styles.ok} x={slot.x} width={slot.width} y={height - ok} height={ok} />
            <rect className={styles.fail} x={slot.x} width={slot.width} y={height - ok - fail} height={fail} />
          </g>
        );
      })}
      <line className={styles.axis} x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} />
    </svg>
  );
}
