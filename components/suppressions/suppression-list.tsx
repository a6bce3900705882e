"use client";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { ConfirmButton } from "@/components/settings/confirm-button";
import type { RemovalView, RemoveSuppressionAction, SuppressionView } from "./types";
import styles from "./suppressions.module.css";

interface Props {
  entries: SuppressionView[];
  /** Entries matching the search in all (more than shown when the list is long). */
  matching: number;
  total: number;
  search: string;
  removals: RemovalView[];
  remove: RemoveSuppressionAction;
}

const when = (ms: number) => new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(ms) + " UTC";
const n = (v: number) => v.toLocaleString("en");

/**
 * The suppression list as an admin works with it on a phone: a search that lives in the URL, one card per
 * address saying why and since when, and a confirmed removal that says who removed what in the record below.
 */
export function SuppressionList({ entries, matching, total, search, removals, remove }: Props) {
  const router = useRouter();
  const ids = useId();
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function onRemove(entry: SuppressionView) {
    setBusy(entry.emailKey);
    setError(null);
    setMessage("");
    const result = await remove(entry.emailKey).catch(() => null);
    setBusy(null);
    if (!result || !result.ok) {
      setError(result?.message ?? "Herald could not be reached. Check your connection and try again.");
      return;
    }
    setMessage(`${result.email} was removed: Herald may mail it again.`);
    router.refresh();
  }

  return (
    <div className="stack">
      <form className={styles.search} method="get" role="search" aria-label="Search the suppression list">
        <div className="field">
          <label htmlFor={`${ids}-q`}>Address contains</label>
          <input id={`${ids}-q`} name="q" type="search" autoComplete="off" defaultValue={search} />
        </div>
        <button className="button" type="submit">
          Search
        </button>
      </form>

      <p role="status" aria-live="polite" data-testid="suppressions-status">
        {message}
      </p>
      {error ? (
        <p className="banner danger" role="alert">
          {error}
        </p>
      ) : null}

      <p className="muted" data-testid="suppressions-count">
        {search
          ? `${n(matching)} of ${n(total)} ${total === 1 ? "address matches" : "addresses match"} “${search}”.`
          : `${n(total)} ${total === 1 ? "address is" : "addresses are"} on the list.`}
        {matching > entries.length ? ` Showing the newest ${n(entries.length)}: search to narrow them down.` : ""}
      </p>

      {entries.length === 0 ? (
        <p className="muted">{search ? "No address on the list matches." : "Nothing is suppressed: no bounce or complaint has been reported."}</p>
      ) : (
        <ul className={styles.list} aria-label="Suppressed addresses">
          {entries.map((e) => (
            <li key={e.emailKey} className={`card ${styles.entry}`} data-testid="suppression" data-email={e.email}>
              <div>
                <p className={styles.email}>{e.email}</p>
                <p className={`muted ${styles.meta}`}>
                  <span className="badge danger">{e.kind}</span> {e.source} · since {when(e.at)}
                </p>
                {e.detail ? <p className={styles.detail}>{e.detail}</p> : null}
              </div>
              <ConfirmButton
                className="button"
                ariaLabel={`Remove ${e.email} from the suppression list`}
                disabled={busy !== null}
                title={`Mail ${e.email} again?`}
                body={
                  <p>
                    Herald will send to this address again, including emails waiting in the queue. Do this only if the
                    address works again (the guest fixed their mailbox, or told you the bounce was a mistake).
                  </p>
                }
                confirmLabel="Remove from the list"
                onConfirm={() => onRemove(e)}
              >
                {busy === e.emailKey ? "Removing…" : "Remove"}
              </ConfirmButton>
            </li>
          ))}
        </ul>
      )}

      <section className="stack" aria-labelledby={`${ids}-removed`}>
        <h2 id={`${ids}-removed`}>Recently removed</h2>
        {removals.length === 0 ? (
          <p className="muted">No address has been removed.</p>
        ) : (
          <ul className={styles.list} data-testid="removals">
            {removals.map((r) => (
              <li key={`${r.removedAt}-${r.email}`}>
                <span className={styles.email}>{r.email}</span>{" "}
                <span className="muted">
                  ({r.kind.toLowerCase()}) removed by {r.removedBy} on {when(r.removedAt)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
