"use client";
import Link from "next/link";
import { LocalTime } from "@/components/ui/time";
import styles from "./monitor.module.css";
import type { PriorityName, QueueStateName, QueueView } from "./types";

const STATES: { key: QueueStateName; label: string }[] = [
  { key: "pending", label: "Waiting" },
  { key: "retry", label: "Retrying" },
  { key: "failed", label: "Failed" },
];
const PRIORITIES: { key: PriorityName; label: string }[] = [
  { key: "high", label: "High (confirmations)" },
  { key: "normal", label: "Normal (invitations)" },
  { key: "low", label: "Low (reminders)" },
];

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 90 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
}

/** The queue as last counted, plus live throughput from the providers. */
export function QueuePanel({ queue, lastHour, now, recount, busy, note }: {
  queue: QueueView;
  lastHour: { ok: number; fail: number };
  now: number;
  recount: () => void;
  busy: boolean;
  note: string | null;
}) {
  const failed = PRIORITIES.reduce((sum, p) => sum + queue.depth.failed[p.key], 0);
  return (
    <div className="stack" data-testid="queue-health">
      <div className={styles.queue}>
        <div className="stat">
          <div className="value" data-testid="queue-throughput">{lastHour.ok.toLocaleString("en-US")}</div>
          <div className="label">sent in the last hour{lastHour.fail > 0 ? ` (${lastHour.fail.toLocaleString("en-US")} attempts failed)` : ""}</div>
        </div>
        <div className="stat">
          <div className="value">{queue.oldestDueAt === null ? "–" : age(now - queue.oldestDueAt)}</div>
          <div className="label">oldest due email has waited</div>
        </div>
        <div className="stat">
          <div className="value">{queue.inFlight}</div>
          <div className="label">sending now</div>
        </div>
        <div className="stat">
          <div className="value">{queue.liveDrains}</div>
          <div className="label">workers</div>
        </div>
      </div>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Queue depth by state and priority</caption>
          <thead>
            <tr>
              <th scope="col">Priority</th>
              {STATES.map((s) => (
                <th scope="col" key={s.key} className={styles.num}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {PRIORITIES.map((p) => (
              <tr key={p.key}>
                <th scope="row">{p.label}</th>
                {STATES.map((s) => (
                  <td key={s.key} className={styles.num} data-testid={`queue-${s.key}-${p.key}`}>
                    {queue.depth[s.key][p.key].toLocaleString("en-US")}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="row">
        <span className="muted">
          Counted at <LocalTime at={queue.countedAt} style="time" />
          {note ? ` · ${note}` : ""}
        </span>
        <button type="button" className="button" onClick={recount} disabled={busy}>
          {busy ? "Counting…" : "Recount now"}
        </button>
        {failed > 0 ? (
          <Link className="button" href="/admin/tracker?state=failed">
            Review {failed.toLocaleString("en-US")} failed in the Tracker
          </Link>
        ) : null}
      </div>
    </div>
  );
}
