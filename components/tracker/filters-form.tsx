"use client";
import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { TRACKER_KINDS, TRACKER_STATES, trackerQueryString, type TrackerFilters } from "@/lib/domain/tracker/filters";
import styles from "./tracker.module.css";
import type { TrackerOption } from "./types";

const STATE_LABELS: Record<string, string> = { pending: "Waiting", retry: "Retrying", completed: "Sent", failed: "Failed", cancelled: "Cancelled" };

/**
 * The filters live in the URL: applying them navigates, so back and forward step through earlier views and a
 * view can be bookmarked. Without JavaScript the form still submits as a plain GET.
 */
export function TrackerFiltersForm({ filters, events, providers }: { filters: TrackerFilters; events: TrackerOption[]; providers: TrackerOption[] }) {
  const router = useRouter();
  const [tz, setTz] = useState(filters.tz);
  useEffect(() => setTz(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"), []);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const value = (name: string) => {
      const v = String(data.get(name) ?? "").trim();
      return v === "" ? undefined : v;
    };
    const next = {
      tz,
      eventId: value("event"),
      kind: value("kind"),
      state: value("state"),
      providerId: value("provider"),
      from: value("from"),
      to: value("to"),
      mode: value("mode"),
      q: value("q")?.toLowerCase(),
    } as TrackerFilters;
    router.push(`/admin/tracker${trackerQueryString(next)}`);
  }

  return (
    <form className={`card ${styles.filters}`} method="get" action="/admin/tracker" onSubmit={onSubmit} aria-label="Filter emails" role="search">
      <div className={`field ${styles.wide}`}>
        <label htmlFor="tracker-q">Recipient</label>
        <input id="tracker-q" name="q" type="search" inputMode="email" autoComplete="off" placeholder="Start of an address, e.g. ada@" defaultValue={filters.q ?? ""} aria-describedby="tracker-q-hint" />
        <span className="hint" id="tracker-q-hint">
          A search looks through every kind, state and date (the event filter still applies).
        </span>
      </div>
      <div className="field">
        <label htmlFor="tracker-event">Event</label>
        <select id="tracker-event" name="event" defaultValue={filters.eventId ?? ""}>
          <option value="">All events</option>
          {events.map((e) => (
            <option key={e.id} value={e.id}>
              {e.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="tracker-kind">Kind</label>
        <select id="tracker-kind" name="kind" defaultValue={filters.kind ?? ""}>
          <option value="">All kinds</option>
          {TRACKER_KINDS.map((k) => (
            <option key={k} value={k}>
              {k[0]!.toUpperCase() + k.slice(1)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="tracker-state">State</label>
        <select id="tracker-state" name="state" defaultValue={filters.state ?? ""}>
          <option value="">All states</option>
          {TRACKER_STATES.map((s) => (
            <option key={s} value={s}>
              {STATE_LABELS[s] ?? s}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="tracker-provider">Provider</label>
        <select id="tracker-provider" name="provider" defaultValue={filters.providerId ?? ""}>
          <option value="">All providers</option>
          {providers.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="tracker-mode">Sending</label>
        <select id="tracker-mode" name="mode" defaultValue={filters.mode ?? ""}>
          <option value="">Real and simulated</option>
          <option value="real">Real only</option>
          <option value="simulated">Simulated only</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="tracker-from">Queued from</label>
        <input id="tracker-from" name="from" type="date" defaultValue={filters.from ?? ""} />
      </div>
      <div className="field">
        <label htmlFor="tracker-to">Queued until</label>
        <input id="tracker-to" name="to" type="date" defaultValue={filters.to ?? ""} />
      </div>
      <input type="hidden" name="tz" value={tz} />
      <div className={`${styles.actions} ${styles.wide}`}>
        <button className="button primary" type="submit">
          Apply filters
        </button>
        <a className="button" href="/admin/tracker">
          Clear
        </a>
        <span className="muted">Dates are read in your time zone ({tz}).</span>
      </div>
    </form>
  );
}
