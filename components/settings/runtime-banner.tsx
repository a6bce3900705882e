import Link from "next/link";
import styles from "./settings.module.css";

interface Props {
  halted: { since: string; by: string | null; reason: string | null } | null;
  simulation: boolean;
  /** The runtime settings could not be read: say so rather than imply that sending runs normally. */
  unknown?: boolean;
}

/** Shown on every admin page, so nobody wonders why nothing is going out. Server-rendered; no client code. */
export function RuntimeBanner({ halted, simulation, unknown = false }: Props) {
  if (!halted && !simulation && !unknown) return null;
  return (
    <div className="stack" style={{ gap: "0.5rem", marginBottom: "1rem" }}>
      {halted ? (
        <p className={`banner danger ${styles.banner}`} role="status" data-testid="halt-banner">
          <strong>Sending is halted</strong>{" "}
          <span>
            since {halted.since}
            {halted.by ? ` by ${halted.by}` : ""}.
            {halted.reason ? ` ${halted.reason}` : ""}
          </span>{" "}
          <Link href="/admin/settings">Resume in Settings</Link>
        </p>
      ) : null}
      {simulation ? (
        <p className={`banner warn ${styles.banner}`} role="status" data-testid="simulation-banner">
          <strong>Simulation mode is on:</strong> <span>emails are rendered and recorded but not sent.</span>{" "}
          <Link href="/admin/settings">Change in Settings</Link>
        </p>
      ) : null}
      {unknown ? (
        <p className={`banner warn ${styles.banner}`} role="status">
          Herald could not read whether sending is halted. Check Settings.
        </p>
      ) : null}
    </div>
  );
}
