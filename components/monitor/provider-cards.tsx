"use client";
import { Sparkline } from "@/components/ui/charts/sparkline";
import { formatIn, LocalTime, useTimeZone, zoneAbbreviation } from "@/components/ui/time";
import styles from "./monitor.module.css";
import type { ProviderCardView, ProviderHealthStatus } from "./types";

const STATUS: Record<ProviderHealthStatus, { text: string; tone: "ok" | "warn" | "danger" }> = {
  healthy: { text: "Healthy", tone: "ok" },
  failing: { text: "Failing: traffic moved to others", tone: "danger" },
  half_open: { text: "Recovering (probe)", tone: "warn" },
  rate_limited: { text: "Rate limited", tone: "warn" },
  quota_exhausted: { text: "Quota used up", tone: "warn" },
  circuit_open: { text: "Failing: circuit open", tone: "danger" },
  disabled: { text: "Disabled: credentials refused", tone: "danger" },
};

const fmt = (n: number) => n.toLocaleString("en-US");

/** Compact health cards: quota against its own reset, success, latency, penalty, circuit and the last day. */
export function ProviderCards({ providers }: { providers: ProviderCardView[] }) {
  const zone = useTimeZone();
  if (providers.length === 0) return <p className="muted">No provider is set up yet.</p>;
  return (
    <ul className={styles.cards} aria-label="Email providers">
      {providers.map((p) => {
        const status = p.enabled ? STATUS[p.status] : { text: "Switched off", tone: "warn" as const };
        const share = p.dailyQuota ? Math.min(1, p.sentToday / p.dailyQuota) : 0;
        const day = p.hourly.reduce((s, h) => ({ ok: s.ok + h.ok, fail: s.fail + h.fail }), { ok: 0, fail: 0 });
        const busiest = p.hourly.reduce((best, h) => (h.ok + h.fail > best.ok + best.fail ? h : best), p.hourly[0] ?? { at: 0, ok: 0, fail: 0 });
        return (
          <li key={p.id} className={`card ${styles.card}`} data-health={status.tone} data-testid={`provider-card-${p.id}`} data-status={p.enabled ? p.status : "switched_off"}>
            <div className={styles.cardHead}>
              <h3>{p.name}</h3>
              <span className={`badge ${status.tone}`} data-testid="provider-status">
                {status.text}
              </span>
            </div>
            <div>
              <strong>{fmt(p.sentToday)}</strong> <span className="muted">/ {p.dailyQuota ? `${fmt(p.dailyQuota)} today` : "no daily limit"}</span>
            </div>
            {p.dailyQuota ? (
              <div
                className={`meter ${share >= 0.9 ? "danger" : share >= 0.7 ? "warn" : ""}`}
                role="meter"
                aria-label={`${p.name} quota used`}
                aria-valuemin={0}
                aria-valuemax={p.dailyQuota}
                aria-valuenow={p.sentToday}
              >
                <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
              </div>
            ) : null}
            <dl className={styles.facts}>
              <dt>Quota resets</dt>
              <dd>
                {p.resetTime} {p.timezone} (<LocalTime at={p.nextResetAt} style="time" /> your time)
              </dd>
              <dt>Success, 24 h</dt>
              <dd>{p.successRate === null ? "no attempts" : `${(p.successRate * 100).toFixed(p.successRate === 1 ? 0 : 1)}% of ${fmt(day.ok + day.fail)}`}</dd>
              <dt>Latency</dt>
              <dd>{p.latencyMs === null ? "–" : `${fmt(p.latencyMs)} ms (moving average)`}</dd>
              <dt>Penalty</dt>
              <dd>{p.penalty === null ? `out of rotation${p.unusableReason ? ` (${p.unusableReason.replace(/_/g, " ")})` : ""}` : p.penalty.toFixed(2)}</dd>
              <dt>Circuit</dt>
              <dd>
                {p.circuit === "open" && p.openUntil !== null ? (
                  <>
                    open until <LocalTime at={p.openUntil} style="time" />
                  </>
                ) : (
                  p.circuit.replace("_", "-")
                )}
                {p.consecutiveFailures > 0 ? `, ${p.consecutiveFailures} failures in a row` : ""}
              </dd>
            </dl>
            <div>
              <div className="muted" style={{ fontSize: "0.8rem" }}>
                Last 24 h, hourly ({zoneAbbreviation(zone, Date.now())}): sent above, failed in red
              </div>
              <Sparkline
                values={p.hourly}
                label={`${p.name}, last 24 hours: ${fmt(day.ok)} sent, ${fmt(day.fail)} failed${busiest && busiest.ok + busiest.fail > 0 ? `; busiest hour from ${formatIn(zone, busiest.at, "hour")} with ${fmt(busiest.ok + busiest.fail)}` : ""}.`}
              />
            </div>
          </li>
        );
      })}
    </ul>
  );
}
