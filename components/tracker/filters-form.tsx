"use client";
import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { TRACKER_KINDS, TRACKER_STATES, trackerQueryString, type TrackerFilters } from "@/lib/domain/tracker/filters";
import styles from "./tracker.module.css";
import type { TrackerOption } from "./types";

const STATE_LABELS: Record<string, string> = { pending: "Waiting", retry: "Retrying", completed: "Sent", failed: "Failed", cancelled: "Cancelled" };

/** One filter menu; its first option, "all", is the empty value that leaves the filter out of the URL. */
function Choice({ name, label, value, blank, options }: { name: string; label: string; value: string | undefined; blank: string; options: { value: string; label: string }[] }) {
  return (
    <div className="field">
      <label htmlFor={`tracker-${name}`}>{label}</label>
      <select id={`tracker-${name}`} name={name} defaultValue={value ?? ""}>
        <option value="">{blank}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * The filters live in the URL: applying them navigates, so back and forward step through earlier views and a
 * view can be bookmarked. Without JavaScript the form still submits as a plain GET.
 */
export function TrackerFiltersForm({ filters, events, providers }: { filters: TrackerFilters; events: TrackerOption[]; providers: TrackerOption[] }) {
  const router = useRouter();
  const [tz, setTz] = useState(filters.tz);
  const active = (["eventId", "kind", "state", "providerId", "from", "to", "mode"] as const).filter((k) => filters[k] !== undefined).length;
  // On a phone the menus fold away so the emails start on the first screen; on a wide screen there is room.
  const [open, setOpen] = useState(active > 0);
  useEffect(() => {
    setTz(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
    if (window.matchMedia("(min-width: 900px)").matches) setOpen(true);
  }, []);

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
      <details
        className={styles.wide}
        open={open}
        onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}
      >
        <summary className={styles.more}>More filters{active > 0 ? ` (${active} on)` : ""}</summary>
        <div className={styles.filters} style={{ padding: "0.5rem 0 0" }}>
          <Choice name="event" label="Event" value={filters.eventId} blank="All events" options={events.map((e) => ({ value: e.id, label: e.label }))} />
          <Choice name="kind" label="Kind" value={filters.kind} blank="All kinds" options={TRACKER_KINDS.map((k) => ({ value: k, label: k[0]!.toUpperCase() + k.slice(1) }))} />
          <Choice name="state" label="State" value={filters.state} blank="All states" options={TRACKER_STATES.map((v) => ({ value: v, label: STATE_LABELS[v] ?? v }))} />
          <Choice name="provider" label="Provider" value={filters.providerId} blank="All providers" options={providers.map((p) => ({ value: p.id, label: p.label }))} />
          <Choice
            name="mode"
            label="Sending"
            value={filters.mode}
            blank="Real and simulated"
            options={[
              { value: "real", label: "Real only" },
              { value: "simulated", label: "Simulated only" },
            ]}
          />
          <div className="field">
            <label htmlFor="tracker-from">Queued from</label>
            <input id="tracker-from" name="from" type="date" defaultValue={filters.from ?? ""} />
          </div>
          <div className="field">
            <label htmlFor="tracker-to">Queued until</label>
            <input id="tracker-to" name="to" type="date" defaultValue={filters.to ?? ""} />
          </div>
        </div>
      </details>
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
