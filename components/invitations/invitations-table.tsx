"use client";
import Link from "next/link";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { STATUS_LABELS } from "@/lib/domain/invitations/display";
import { INVITATION_STATUSES, type InvitationStatus } from "@/lib/domain/invitations/status";
import { StatusBadge } from "./status-badge";
import type { BulkAction, BulkOutcomeView, InvitationPage, InvitationQuery, ListInvitationsAction } from "./types";
import styles from "./invitations.module.css";

interface Props {
  eventId: string;
  initial: InvitationPage;
  list: ListInvitationsAction;
  resend: BulkAction;
  /** "Remind now": a reminder to each selected guest who has not answered. */
  remind: BulkAction;
  revoke: BulkAction;
  /** Bumped by the invite panel after new invitations: the table reloads its first page. */
  reloadKey: number;
}

type BulkKind = "resend" | "remind" | "revoke";
type Busy = "loading" | "more" | BulkKind | null;

const BULK_WORDS: Record<BulkKind, { doing: string; done: (ok: number) => string }> = {
  resend: { doing: "Resending…", done: (ok) => `Resent ${n(ok)} ${ok === 1 ? "invitation" : "invitations"}.` },
  remind: { doing: "Reminding…", done: (ok) => `Reminder queued for ${n(ok)} ${ok === 1 ? "guest" : "guests"}.` },
  revoke: { doing: "Revoking…", done: (ok) => `Revoked ${n(ok)} ${ok === 1 ? "invitation" : "invitations"}.` },
};

const n = (v: number) => v.toLocaleString("en");

const dateFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

/** "2 could not be reminded: 1 has already answered, 1 …": every reason once, with how many it stopped. */
function skipped(kind: BulkKind, failed: BulkOutcomeView[]): string {
  const reasons = new Map<string, number>();
  for (const f of failed) reasons.set(f.message, (reasons.get(f.message) ?? 0) + 1);
  const verb = kind === "remind" ? "reminded" : "changed";
  const list = [...reasons].map(([reason, count]) => `${reason} (${n(count)})`).join("; ");
  return `${n(failed.length)} could not be ${verb}: ${list}.`;
}

export function InvitationsTable({ eventId, initial, list, resend, remind, revoke, reloadKey }: Props) {
  const ids = useId();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [rows, setRows] = useState(initial.rows);
  const [next, setNext] = useState(initial.next);
  const [status, setStatus] = useState<InvitationStatus | "">("");
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState<InvitationQuery>({});
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState<Busy>(null);
  const [message, setMessage] = useState("");
  const [error, setError] = useState<string | null>(null);
  const firstRender = useRef(true);

  async function load(query: InvitationQuery, mode: "replace" | "append") {
    setBusy(mode === "append" ? "more" : "loading");
    setError(null);
    const result = await list(eventId, query).catch(() => null);
    setBusy(null);
    if (!result || !result.ok) {
      setError(result?.message ?? "The invitations could not be loaded. Check your connection and try again.");
      return;
    }
    setRows((old) => (mode === "append" ? old.concat(result.rows) : result.rows));
    setNext(result.next);
    if (mode === "replace") setSelected(new Set());
  }

  useEffect(() => {
    // The server rendered the first page; only later bumps (new invitations) need a reload.
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    void load(applied, "replace");
    // Deliberately keyed on reloadKey alone: filter changes load through applyFilters.
  }, [reloadKey]);

  function applyFilters(event?: FormEvent<HTMLFormElement>, override?: Partial<{ status: InvitationStatus | "" }>) {
    event?.preventDefault();
    const s = override?.status ?? status;
    const query: InvitationQuery = {
      ...(s ? { status: s } : {}),
      ...(search.trim() ? { search: search.trim() } : {}),
    };
    setApplied(query);
    void load(query, "replace");
  }

  function toggle(id: string, on: boolean) {
    setSelected((old) => {
      const copy = new Set(old);
      if (on) copy.add(id);
      else copy.delete(id);
      return copy;
    });
  }

  async function runBulk(kind: BulkKind) {
    const chosen = [...selected];
    if (chosen.length === 0) return;
    setBusy(kind);
    setError(null);
    setMessage("");
    const results: BulkOutcomeView[] = [];
    // The server takes up to 200 ids per call.
    for (let i = 0; i < chosen.length; i += 200) {
      const result = await { resend, remind, revoke }[kind](eventId, chosen.slice(i, i + 200)).catch(() => null);
      if (!result || !result.ok) {
        setError(result?.message ?? "The connection to Herald was lost. Some invitations may not have changed.");
        break;
      }
      results.push(...result.results);
    }
    setBusy(null);
    const ok = results.filter((r) => r.ok).length;
    const failed = results.filter((r) => !r.ok);
    setMessage(BULK_WORDS[kind].done(ok) + (failed.length > 0 ? ` ${skipped(kind, failed)}` : ""));
    await load(applied, "replace");
  }

  const allShown = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const count = selected.size;
  return (
    <section className="stack" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Invitations</h2>
      <form className={styles.filters} onSubmit={(e) => applyFilters(e)} role="search" aria-label="Filter invitations">
        <div className="field">
          <label htmlFor={`${ids}-status`}>Status</label>
          <select
            id={`${ids}-status`}
            value={status}
            onChange={(e) => {
              const value = e.target.value as InvitationStatus | "";
              setStatus(value);
              applyFilters(undefined, { status: value });
            }}
          >
            <option value="">All</option>
            {INVITATION_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-search`}>Email starts with</label>
          <input id={`${ids}-search`} type="search" autoComplete="off" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <button className="button" type="submit" disabled={busy === "loading"}>
          {busy === "loading" ? "Searching…" : "Search"}
        </button>
      </form>

      <p role="status" aria-live="polite" className="muted" data-testid="invitations-status">
        {busy === "resend" || busy === "remind" || busy === "revoke" ? BULK_WORDS[busy].doing : message}
      </p>
      {error ? (
        <p className="banner danger" role="alert">
          {error}
        </p>
      ) : null}

      {rows.length > 0 ? (
        <div className={`row ${styles.bulk}`} role="group" aria-label="Selected invitations">
          <span aria-live="polite">{count === 0 ? "Select guests to resend, remind or revoke" : `${n(count)} selected`}</span>
          <button className="button" type="button" disabled={busy !== null || count === 0} onClick={() => void runBulk("resend")}>
            {busy === "resend" ? "Resending…" : "Resend"}
          </button>
          <button className="button" type="button" disabled={busy !== null || count === 0} onClick={() => void runBulk("remind")}>
            {busy === "remind" ? "Reminding…" : "Remind now"}
          </button>
          <button
            className="button danger"
            type="button"
            disabled={busy !== null || count === 0}
            onClick={() => dialogRef.current?.showModal()}
          >
            {busy === "revoke" ? "Revoking…" : "Revoke"}
          </button>
        </div>
      ) : null}

      {rows.length === 0 ? (
        <p className="muted">{applied.status || applied.search ? "No invitations match." : "Nobody has been invited yet."}</p>
      ) : (
        <div className={`table-wrap ${styles.fit}`}>
          <table>
            <thead>
              <tr>
                <th scope="col" className={styles.checkCell}>
                  <label className={styles.checkLabel}>
                    <input
                      type="checkbox"
                      className={styles.check}
                      checked={allShown}
                      aria-label="Select all shown invitations"
                      onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((r) => r.id)) : new Set())}
                    />
                  </label>
                </th>
                <th scope="col">Guest</th>
                <th scope="col">Status</th>
                <th scope="col">Link expires</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-testid="invitation-row" data-email={r.email}>
                  <td className={styles.checkCell}>
                    <label className={styles.checkLabel}>
                      <input
                        type="checkbox"
                        className={styles.check}
                        checked={selected.has(r.id)}
                        aria-label={`Select ${r.email}`}
                        onChange={(e) => toggle(r.id, e.target.checked)}
                      />
                    </label>
                  </td>
                  <td className={styles.email}>
                    <Link href={`/admin/events/${eventId}/invitations/${r.id}`}>{r.email}</Link>
                    {r.name ? <div className="muted">{r.name}</div> : null}
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                    {r.simulated ? <div className="muted">Simulated</div> : null}
                    {r.delivered ? <div className="muted">Delivered to the guest’s mail server</div> : null}
                    {r.problem ? (
                      <div className={`error-text ${styles.problem}`} data-testid="delivery-problem">
                        {r.problem}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <time dateTime={new Date(r.linkExpiresAt).toISOString()} suppressHydrationWarning>
                      {dateFormat.format(r.linkExpiresAt)}
                    </time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {next ? (
        <div className="row">
          <button className="button" type="button" disabled={busy !== null} onClick={() => void load({ ...applied, after: next }, "append")}>
            {busy === "more" ? "Loading…" : "Load more"}
          </button>
        </div>
      ) : null}

      <dialog ref={dialogRef} className={styles.dialog} aria-labelledby={`${ids}-revoke-title`}>
        <form
          method="dialog"
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            dialogRef.current?.close();
            void runBulk("revoke");
          }}
        >
          <h2 id={`${ids}-revoke-title`}>
            Revoke {n(count)} {count === 1 ? "invitation" : "invitations"}?
          </h2>
          <p>Their links stop working at once and emails not yet sent are cancelled. Guests who accepted lose their place.</p>
          <div className="row">
            <button className="button danger" type="submit" autoFocus>
              Revoke
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
