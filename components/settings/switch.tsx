"use client";
import styles from "./ui.module.css";

interface Props {
  checked: boolean;
  label: string;
  /** Shown after the label ("On" / "Off" by default), so the state is readable without colour. */
  stateText?: [on: string, off: string];
  busy?: boolean;
  onChange: (next: boolean) => void;
  describedBy?: string;
}

export function Switch({ checked, label, stateText = ["On", "Off"], busy = false, onChange, describedBy }: Props) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-describedby={describedBy}
      aria-busy={busy || undefined}
      disabled={busy}
      className={styles.switch}
      onClick={() => onChange(!checked)}
    >
      <span className={styles.track} aria-hidden="true" />
      <span>{label}</span>
      <span className={styles.state} aria-hidden="true">
        {checked ? stateText[0] : stateText[1]}
      </span>
    </button>
  );
}
