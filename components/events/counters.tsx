import type { LiveCounters } from "@/lib/client/live";
import { answerShares } from "@/lib/domain/invitations/display";
import styles from "./events.module.css";

const n = (v: number) => v.toLocaleString("en");

const STATS: { key: keyof LiveCounters; label: string }[] = [
  { key: "invited", label: "Invited" },
  { key: "delivered", label: "Delivered" },
  { key: "accepted", label: "Accepted" },
  { key: "declined", label: "Declined" },
  { key: "pending", label: "Pending" },
  { key: "failed", label: "Failed" },
  { key: "revoked", label: "Revoked" },
];

/** The compact counters of an event card: the six an organiser scans for. */
export function MiniCounters({ counters }: { counters: LiveCounters }) {
  return (
    <dl className={styles.mini}>
      {STATS.filter((s) => s.key !== "revoked").map((s) => (
        <div key={s.key} data-testid={`count-${s.key}`}>
          <dt>{s.label}</dt>
          <dd>{n(counters[s.key])}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The event page's counters and the accepted / declined / pending bar. */
export function CounterStats({ counters }: { counters: LiveCounters }) {
  const shares = answerShares(counters);
  const parts = [
    { key: "accepted", label: "Accepted", count: counters.accepted, share: shares.accepted, className: styles.accepted },
    { key: "declined", label: "Declined", count: counters.declined, share: shares.declined, className: styles.declined },
    { key: "pending", label: "Pending", count: counters.pending, share: shares.pending, className: styles.pending },
  ];
  const summary = parts.map((p) => `${n(p.count)} ${p.label.toLowerCase()}`).join(", ");
  return (
    <div className="stack">
      <div className="stats">
        {STATS.map((s) => (
          <div className="stat" key={s.key} data-testid={`stat-${s.key}`}>
            <div className="label">{s.label}</div>
            <div className="value">{n(counters[s.key])}</div>
          </div>
        ))}
      </div>
      <div className="stack" style={{ gap: "0.4rem" }}>
        <div className={styles.chart} role="img" aria-label={`Answers: ${summary}`}>
          {parts.map((p) => (p.share > 0 ? <span key={p.key} className={p.className} style={{ width: `${p.share}%` }} /> : null))}
        </div>
        <ul className={styles.legend} aria-hidden="true">
          {parts.map((p) => (
            <li key={p.key}>
              <span className={`${styles.swatch} ${p.className}`} /> {p.label} {n(p.count)} ({p.share}%)
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
