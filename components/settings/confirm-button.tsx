"use client";
import { useId, useRef, type ReactNode } from "react";
import styles from "./ui.module.css";

interface Props {
  /** The button that opens the dialog. */
  children: ReactNode;
  className?: string;
  /** When the visible text alone is ambiguous on the page ("Delete" on every card). */
  ariaLabel?: string;
  disabled?: boolean;
  title: string;
  body: ReactNode;
  confirmLabel: string;
  confirmClassName?: string;
  onConfirm: () => void | Promise<void>;
}

/**
 * A native modal <dialog>: it traps focus, closes on Escape and hands focus back to the opener, which a
 * hand-made overlay would have to re-implement. Cancel is focused first, so Enter never confirms by accident.
 */
export function ConfirmButton({ children, className = "button", ariaLabel, disabled, title, body, confirmLabel, confirmClassName = "button danger", onConfirm }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  return (
    <>
      <button type="button" className={className} aria-label={ariaLabel} disabled={disabled} onClick={() => dialog.current?.showModal()}>
        {children}
      </button>
      <dialog ref={dialog} className={styles.dialog} aria-labelledby={`${id}-title`} aria-describedby={`${id}-body`}>
        <h2 id={`${id}-title`}>{title}</h2>
        <div id={`${id}-body`}>{body}</div>
        <div className={styles.dialogActions}>
          <button type="button" className="button" autoFocus onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button
            type="button"
            className={confirmClassName}
            onClick={() => {
              dialog.current?.close();
              void onConfirm();
            }}
          >
            {confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
