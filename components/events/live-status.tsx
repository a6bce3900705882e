import type { LiveStatus } from "@/lib/client/live";
import styles from "./events.module.css";

const TEXT: Record<LiveStatus, string> = {
  connecting: "Connecting to live updates…",
  live: "Live",
  paused: "Live updates paused: reload the page for the latest numbers.",
};

/** Polite, so a dropped connection is announced without interrupting whatever the admin is doing. */
export function LiveStatusNote({ status }: { status: LiveStatus }) {
  return (
    <p className={styles.live} data-status={status} role="status" aria-live="polite" data-testid="live-status">
      {TEXT[status]}
    </p>
  );
}
