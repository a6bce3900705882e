"use client";
import { useState } from "react";
import { ConfirmButton } from "@/components/settings/confirm-button";
import { LocalTime } from "@/components/ui/time";
import type { LiveRuntime } from "@/lib/client/live";
import styles from "./monitor.module.css";
import type { MonitorActions } from "./types";

/** Why sending is halted and who or what halted it, with the one-click (confirmed) way back. */
export function HaltBanner({ runtime, resume }: { runtime: LiveRuntime; resume: MonitorActions["resume"] }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!runtime.halted) return null;
  const automatic = runtime.haltedReason !== null;
  return (
    <div className={`banner danger ${styles.banner}`} role="alert" data-testid="monitor-halt-banner">
      <p>
        <strong>Sending is halted{automatic ? " automatically" : ""}.</strong> {runtime.haltedReason ?? ""}{" "}
        <span>
          Halted by {runtime.haltedBy ?? "an unknown admin"}
          {runtime.haltedAt !== null ? (
            <>
              {" "}
              at <LocalTime at={runtime.haltedAt} />
            </>
          ) : null}
          .
        </span>
      </p>
      <ConfirmButton
        className="button"
        confirmClassName="button primary"
        disabled={busy}
        title="Resume sending?"
        body={
          <p>
            Everything waiting in the queue starts going out again.
            {automatic ? " The automatic halt will not stop sending again at this level today, only at the next one." : ""}
          </p>
        }
        confirmLabel="Resume sending"
        onConfirm={async () => {
          setBusy(true);
          setError(null);
          try {
            const result = await resume();
            if (!result.ok) setError(result.message);
          } catch {
            setError("Herald could not be reached. Check your connection and try again.");
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? "Resuming…" : "Resume sending…"}
      </ConfirmButton>
      {error ? (
        <p role="alert" className="error-text">
          {error}
        </p>
      ) : null}
    </div>
  );
}
