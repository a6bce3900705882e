"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ConfirmButton } from "@/components/settings/confirm-button";
import type { RetryFailedAction } from "./types";

/** "Retry the failed emails in this view", with the outcome in words rather than thrown away. */
export function RetryFailedButton({ query, describe, retry }: { query: string; describe: string; retry: RetryFailedAction }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <div className="stack" style={{ gap: "0.5rem" }}>
      <ConfirmButton
        className="button"
        confirmClassName="button primary"
        disabled={busy}
        title="Retry the failed emails in this view?"
        body={<p>Every failed email {describe} gets a fresh set of attempts, with the same link and idempotency key as before. Emails that must not go again stay failed: replaced by a resend, to a revoked guest or a bounced address, confirming an answer since changed, or of an event being deleted.</p>}
        confirmLabel="Retry them"
        onConfirm={async () => {
          setBusy(true);
          setResult(null);
          try {
            const r = await retry(query);
            if (!r.ok) setResult({ ok: false, text: r.message });
            else {
              const skipped = r.skipped > 0 ? ` ${r.skipped} stayed failed: replaced by a resend, revoked, bounced, answer changed or event deleted.` : "";
              setResult({ ok: true, text: `${r.requeued} failed email${r.requeued === 1 ? "" : "s"} queued again.${skipped}` });
              router.refresh();
            }
          } catch {
            setResult({ ok: false, text: "Herald could not be reached. Check your connection and try again." });
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? "Retrying…" : "Retry failed in this view…"}
      </ConfirmButton>
      {result ? (
        <p role={result.ok ? "status" : "alert"} className={result.ok ? "banner ok" : "banner danger"} data-testid="retry-result" style={{ margin: 0 }}>
          {result.text}
        </p>
      ) : null}
    </div>
  );
}
