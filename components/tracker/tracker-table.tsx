"use client";
import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import { LiveStatusNote } from "@/components/events/live-status";
import { LocalTime } from "@/components/ui/time";
import { subscribeJobs, subscribeNewerJobs, type LiveJob, type LiveStatus, type LiveWhere, type PublicFirebaseConfig } from "@/lib/client/live";
import { markShown } from "@/lib/client/live-meter";
import styles from "./tracker.module.css";
import type { TrackerRowView } from "./types";

const STATE: Record<string, { text: string; tone: string }> = {
  pending: { text: "Waiting", tone: "" },
  retry: { text: "Retrying", tone: "warn" },
  completed: { text: "Sent", tone: "ok" },
  failed: { text: "Failed", tone: "danger" },
  cancelled: { text: "Cancelled", tone: "" },
  active: { text: "Sending", tone: "" },
};

export interface NewerWatch {
  equalities: LiveWhere[];
  since: number;
  until: number | null;
  /** Where "show the newest" leads: the first page of the same filters. */
  firstPageHref: string;
}

function merge(row: TrackerRowView, live: LiveJob | undefined): TrackerRowView {
  if (!live) return row;
  const failedAt = live.state === "failed" || live.state === "retry" ? live.lastError?.providerId ?? null : null;
  return {
    ...row,
    state: live.state,
    attempts: live.attempts,
    simulated: live.simulated,
    providerId: live.sentBy ?? failedAt ?? row.providerId,
    updatedAt: live.updatedAt,
    waitingReason: live.waitingReason,
    lastError: live.lastError ? { errorClass: live.lastError.errorClass, message: live.lastError.message } : null,
  };
}

/**
 * The page of emails, kept live by one listener on exactly these rows (a changed row costs one read) and one on
 * the oldest newer email matching the filters (one read however many arrive), which offers the newest view
 * instead of pushing rows around under the operator's finger.
 */
export function TrackerTable({ rows, config, newer, backQuery, providerNames }: {
  rows: TrackerRowView[];
  config: PublicFirebaseConfig;
  newer: NewerWatch | null;
  backQuery: string;
  providerNames: Record<string, string>;
}) {
  const [live, setLive] = useState<Map<string, LiveJob>>(new Map());
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [newerAt, setNewerAt] = useState<number | null>(null);
  const ids = useMemo(() => rows.map((r) => r.id), [rows]);
  const key = ids.join(",");

  useEffect(() => {
    if (ids.length === 0) {
      setStatus("live");
      return;
    }
    return subscribeJobs(config, ids, (jobs) => setLive(new Map(jobs.map((j) => [j.id, j]))), setStatus);
  }, [config, key]); // the key names the ids: a new array with the same ids keeps the listener
  useEffect(() => {
    if (!newer) return;
    return subscribeNewerJobs(config, newer.equalities, newer.since, newer.until, setNewerAt);
  }, [config, newer]);
  useEffect(() => markShown(), [live, newerAt]);

  const shown = rows.map((r) => merge(r, live.get(r.id)));
  return (
    <div className="stack">
      <div className={styles.pill}>
        <LiveStatusNote status={status} />
        {newerAt !== null && newer ? (
          <p className="banner ok" role="status" data-testid="tracker-newer" style={{ margin: 0 }}>
            Newer emails have been queued since you opened this view. <a href={newer.firstPageHref}>Show the newest</a>
          </p>
        ) : null}
      </div>
      {shown.length === 0 ? (
        <p className="muted" data-testid="tracker-empty">
          No email matches these filters.
        </p>
      ) : (
        <table className={styles.table} data-testid="tracker-rows">
          <caption className="visually-hidden">Emails, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Recipient</th>
              <th scope="col">State</th>
              <th scope="col">Kind</th>
              <th scope="col">Event</th>
              <th scope="col">Provider</th>
              <th scope="col">Attempts</th>
              <th scope="col">Queued</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r, i) => {
              const state = STATE[r.state] ?? { text: r.state, tone: "" };
              return (
                <tr key={r.id} data-testid="tracker-row" data-job-id={r.id} data-state={r.state} data-changed={r.updatedAt !== rows[i]!.updatedAt ? "true" : undefined}>
                  <th scope="row" data-label="Recipient" className={styles.recipient}>
                    <span>
                      <Link href={`/admin/tracker/${r.invitationId}?back=${encodeURIComponent(backQuery)}`}>{r.email}</Link>
                      {r.name ? <span className={styles.small}> {r.name}</span> : null}
                    </span>
                  </th>
                  <td data-label="State">
                    <span>
                      <span className={`badge ${state.tone} ${styles.state}`}>{state.text}</span>
                      {r.simulated ? <span className={styles.small}> simulated</span> : null}
                      {r.lastError && r.state !== "completed" ? (
                        <span className={styles.error}>
                          {" "}
                          {r.lastError.errorClass}: {r.lastError.message}
                        </span>
                      ) : null}
                    </span>
                  </td>
                  <td data-label="Kind">{r.kind}</td>
                  <td data-label="Event">{r.eventTitle ?? <span className="muted">(deleted event)</span>}</td>
                  <td data-label="Provider">{r.providerId ? (providerNames[r.providerId] ?? r.providerId) : <span className="muted">–</span>}</td>
                  <td data-label="Attempts">{r.attempts}</td>
                  <td data-label="Queued">
                    <LocalTime at={r.createdAt} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
