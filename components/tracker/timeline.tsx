import { LocalTime } from "@/components/ui/time";
import styles from "./tracker.module.css";

/** One line of a guest's timeline, as the page renders it: plain data, times in epoch ms. */
export type TimelineItem =
  | { type: "queued"; at: number; kind: string; jobId: string; link: number }
  | {
      type: "attempt";
      at: number;
      kind: string;
      attempt: number;
      outcome: string;
      provider: string | null;
      latencyMs: number | null;
      errorClass: string | null;
      message: string | null;
      idempotencyKey: string;
      resumed: boolean;
    }
  | { type: "sent"; at: number; kind: string; provider: string | null; simulated: boolean }
  | { type: "failed"; at: number; kind: string; bounced: boolean; message: string | null }
  | { type: "cancelled"; at: number; kind: string; reason: string | null }
  | { type: "waiting"; at: number; kind: string; reason: string | null }
  | { type: "opened"; at: number }
  | { type: "answered"; at: number; status: "accepted" | "declined"; changed: boolean };

const OUTCOME: Record<string, string> = {
  sent: "accepted by the provider",
  simulated: "simulated (not sent)",
  retry: "failed, will retry",
  waiting: "waiting for a provider",
  failed: "failed for good",
  bounced: "bounced",
  cancelled: "cancelled",
};

function title(item: TimelineItem): { text: string; tone?: "ok" | "warn" | "danger" } {
  switch (item.type) {
    case "queued":
      return { text: item.kind === "invitation" ? (item.link > 1 ? `Invited again (link no. ${item.link})` : "Invited") : `${item.kind[0]!.toUpperCase() + item.kind.slice(1)} queued` };
    case "attempt":
      return {
        text: `Attempt ${item.attempt}${item.provider ? ` via ${item.provider}` : ""}: ${OUTCOME[item.outcome] ?? item.outcome}`,
        tone: item.outcome === "sent" || item.outcome === "simulated" ? "ok" : item.outcome === "retry" || item.outcome === "waiting" ? "warn" : "danger",
      };
    case "sent":
      return { text: item.kind === "invitation" ? `Delivered${item.simulated ? " (simulated)" : ""}` : `${item.kind[0]!.toUpperCase() + item.kind.slice(1)} sent${item.simulated ? " (simulated)" : ""}`, tone: "ok" };
    case "failed":
      return { text: item.bounced ? `${item.kind === "invitation" ? "Invitation" : "Email"} bounced` : `${item.kind === "invitation" ? "Invitation" : "Email"} failed`, tone: "danger" };
    case "cancelled":
      return { text: `${item.kind[0]!.toUpperCase() + item.kind.slice(1)} cancelled`, tone: "warn" };
    case "waiting":
      return { text: `${item.kind[0]!.toUpperCase() + item.kind.slice(1)} still queued`, tone: "warn" };
    case "opened":
      return { text: "Link opened (first time)" };
    case "answered":
      return { text: item.changed ? `Changed the answer: ${item.status}` : item.status === "accepted" ? "Accepted" : "Declined", tone: item.status === "accepted" ? "ok" : "warn" };
  }
}

/** A guest's story, oldest first, every attempt with what the provider said and the idempotency key it saw. */
export function Timeline({ items }: { items: TimelineItem[] }) {
  if (items.length === 0) return <p className="muted">Nothing has happened yet.</p>;
  return (
    <ol className={styles.timeline} data-testid="timeline">
      {items.map((item, i) => {
        const t = title(item);
        return (
          <li key={i} data-tone={t.tone} data-type={item.type}>
            <h3>{t.text}</h3>
            <p className="muted">
              <LocalTime at={item.at} />
            </p>
            {item.type === "attempt" ? (
              <dl className={styles.facts}>
                <dt>Latency</dt>
                <dd>{item.latencyMs === null ? "–" : `${item.latencyMs.toLocaleString("en-US")} ms`}</dd>
                {item.errorClass || item.message ? (
                  <>
                    <dt>Error</dt>
                    <dd className={styles.error}>
                      {item.errorClass ? `${item.errorClass}: ` : ""}
                      {item.message}
                    </dd>
                  </>
                ) : null}
                <dt>Idempotency key</dt>
                <dd className={styles.key}>{item.idempotencyKey}</dd>
                {item.resumed ? (
                  <>
                    <dt>Note</dt>
                    <dd>resent after a worker stopped mid-send (same key)</dd>
                  </>
                ) : null}
              </dl>
            ) : null}
            {item.type === "failed" && item.message ? <p className={styles.error}>{item.message}</p> : null}
            {(item.type === "cancelled" || item.type === "waiting") && item.reason ? <p className="muted">{item.reason}</p> : null}
            {item.type === "sent" && item.provider ? <p className="muted">via {item.provider}</p> : null}
          </li>
        );
      })}
    </ol>
  );
}
