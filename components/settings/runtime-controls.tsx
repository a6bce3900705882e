"use client";
import { useState } from "react";
import { ConfirmButton } from "./confirm-button";
import styles from "./settings.module.css";
import { Switch } from "./switch";
import type { RuntimeState, SetSwitchAction } from "./types";

interface Props {
  state: RuntimeState;
  setHalted: SetSwitchAction;
  setSimulation: SetSwitchAction;
}

export function RuntimeControls({ state, setHalted, setSimulation }: Props) {
  const [busy, setBusy] = useState<null | "halt" | "simulation">(null);
  const [error, setError] = useState<string | null>(null);

  async function run(kind: "halt" | "simulation", call: () => ReturnType<SetSwitchAction>) {
    setBusy(kind);
    setError(null);
    try {
      const result = await call();
      if (!result.ok) setError(result.message);
    } catch {
      setError("Herald could not be reached. Check your connection and try again.");
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="stack">
      <section className={`card ${styles.panel} ${styles.haltPanel}`} data-halted={state.halted} aria-labelledby="halt-title">
        <h2 id="halt-title">Sending</h2>
        <p className="explain" style={{ margin: 0 }} data-testid="halt-state">
          {state.halted ? (
            <>
              <strong>
                Halted since {state.haltedAt ?? "an unknown time"}
                {state.haltedBy ? ` by ${state.haltedBy}` : ""}.
              </strong>
              {state.haltedReason ? ` ${state.haltedReason}` : ""}
            </>
          ) : (
            "Running: queued emails go out through the enabled providers."
          )}
        </p>
        <ul className={styles.explain}>
          <li>Halting stops every email from leaving, within seconds, including ones a worker is about to send.</li>
          <li>Nothing is lost: emails wait in the queue, in order, and go out when you resume.</li>
          <li>Guests can still open their invitation pages and answer; their confirmations wait too.</li>
        </ul>
        <div>
          {state.halted ? (
            <ConfirmButton
              className={`button ${styles.haltButton} ${styles.resume}`}
              confirmClassName={`button ${styles.resume}`}
              disabled={busy !== null}
              title="Resume sending?"
              body={<p>Everything waiting in the queue starts going out again through the enabled providers, within their quotas.</p>}
              confirmLabel="Resume sending"
              onConfirm={() => run("halt", () => setHalted(false))}
            >
              {busy === "halt" ? "Resuming…" : "Resume sending"}
            </ConfirmButton>
          ) : (
            <ConfirmButton
              className={`button danger ${styles.haltButton}`}
              disabled={busy !== null}
              title="Halt all sending?"
              body={<p>No email leaves Herald until someone resumes, including emails a worker is about to send right now. The queue keeps everything.</p>}
              confirmLabel="Halt sending"
              onConfirm={() => run("halt", () => setHalted(true))}
            >
              {busy === "halt" ? "Halting…" : "Halt all sending"}
            </ConfirmButton>
          )}
        </div>
      </section>

      <section className={`card ${styles.panel}`} aria-labelledby="simulation-title">
        <h2 id="simulation-title">Simulation mode</h2>
        <p id="simulation-explain" style={{ margin: 0 }}>
          For rehearsals: the queue runs as usual, templates are rendered and every step is recorded, but no email
          reaches a provider and no provider quota is spent. Invitations sent in simulation are marked as simulated;
          guests never receive them. Test emails from the Providers page are still sent for real.
        </p>
        <Switch
          checked={state.simulation}
          label="Simulation mode"
          busy={busy === "simulation"}
          describedBy="simulation-explain"
          onChange={(next) => run("simulation", () => setSimulation(next))}
        />
      </section>

      {error ? (
        <p role="alert" className="error-text">
          {error}
        </p>
      ) : null}
    </div>
  );
}
