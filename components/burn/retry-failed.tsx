"use client";
import { useActionState } from "react";
import type { ActionResult } from "@/components/events/types";

export type RetryFailedAction = () => Promise<ActionResult>;

/**
 * "Retry all failed emails" on the burn monitor. A plain form (it works before the page's script loads); a
 * refusal or failure is said next to the button instead of the click doing nothing visible.
 */
export function RetryFailedForm({ failed, retry }: { failed: number; retry: RetryFailedAction }) {
  const [result, action, pending] = useActionState<ActionResult | null>(() => retry(), null);
  return (
    <form action={action} className="stack" style={{ gap: "0.4rem" }}>
      <button className="button" type="submit" disabled={pending}>
        {pending ? "Retrying…" : `Retry ${failed} failed email${failed === 1 ? "" : "s"}`}
      </button>
      {result && !result.ok ? (
        <p role="alert" className="error-text">
          {result.message}
        </p>
      ) : null}
    </form>
  );
}
