"use client";
import { useRouter } from "next/navigation";
import { useId, useRef, useState } from "react";
import type { DeleteStepAction } from "./types";
import styles from "./events.module.css";

interface Props {
  eventId: string;
  title: string;
  /** Already marked for deletion: offer to carry on instead of asking again. */
  deleting: boolean;
  deleteStep: DeleteStepAction;
}

type Progress = { deleted: number; total: number | null };

/**
 * Deletion runs as a series of short server calls, each removing one batch, so a big event shows progress and a
 * deletion interrupted by a closed tab or a lost connection can be resumed from the event page.
 */
export function DeleteEvent({ eventId, title, deleting, deleteStep }: Props) {
  const router = useRouter();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const ids = useId();
  const [typed, setTyped] = useState("");
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const matches = typed.trim() === title.trim();

  async function run(first: boolean) {
    setRunning(true);
    setError(null);
    let done = 0;
    let total: number | null = null;
    setProgress({ deleted: 0, total: null });
    setStatus("Deleting…");
    for (let call = first; ; call = false) {
      const step = await deleteStep(eventId, call);
      if (!step.ok) {
        setError(`${step.message} The event is marked for deletion; use "Resume deletion" to finish.`);
        setStatus("");
        setRunning(false);
        return;
      }
      total = step.total ?? total;
      done += step.deleted;
      setProgress({ deleted: done, total });
      setStatus(total ? `Deleted ${done.toLocaleString("en")} of ${total.toLocaleString("en")} records…` : `Deleted ${done.toLocaleString("en")} records…`);
      if (step.done) break;
    }
    setStatus("Event deleted.");
    router.push("/admin/events");
    router.refresh();
  }

  function confirm() {
    if (!matches) return;
    dialogRef.current?.close();
    void run(true);
  }

  const max = progress?.total ?? undefined;
  return (
    <section className="stack" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Delete</h2>
      {deleting ? (
        <p className="banner warn">This event is being deleted: its guests can no longer answer and no more emails go out.</p>
      ) : (
        <p className="muted">Deleting removes the event, its invitations and any emails not yet sent. Delivery records stay.</p>
      )}
      <div className="row">
        {deleting ? (
          <button className="button danger" type="button" onClick={() => void run(true)} disabled={running}>
            {running ? "Deleting…" : "Resume deletion"}
          </button>
        ) : (
          <button
            className="button danger"
            type="button"
            disabled={running}
            onClick={() => {
              setTyped("");
              dialogRef.current?.showModal();
            }}
          >
            {running ? "Deleting…" : "Delete event"}
          </button>
        )}
      </div>
      {progress ? (
        <div className="stack" style={{ gap: "0.35rem" }}>
          <label htmlFor={`${ids}-progress`}>Deletion progress</label>
          <progress
            id={`${ids}-progress`}
            className={styles.progress}
            value={progress.total ? Math.min(progress.deleted, progress.total) : undefined}
            max={max}
          />
        </div>
      ) : null}
      <p role="status" aria-live="polite" className="muted" data-testid="delete-status">
        {status}
      </p>
      {error ? (
        <p className="banner danger" role="alert">
          {error}
        </p>
      ) : null}

      <dialog ref={dialogRef} className={styles.dialog} aria-labelledby={`${ids}-dialog-title`}>
        <form
          method="dialog"
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            confirm();
          }}
        >
          <h2 id={`${ids}-dialog-title`}>Delete “{title}”?</h2>
          <p>
            Every invitation of this event stops working, emails not yet sent are cancelled, and the guest list is
            removed. This cannot be undone.
          </p>
          <div className="field">
            <label htmlFor={`${ids}-confirm`}>Type the event title to confirm</label>
            <input
              id={`${ids}-confirm`}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoComplete="off"
              autoFocus
            />
          </div>
          <div className="row">
            <button className="button danger" type="submit" disabled={!matches}>
              Delete event
            </button>
            <button className="button" type="button" onClick={() => dialogRef.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </section>
  );
}
