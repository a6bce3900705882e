"use client";
import Link from "next/link";
import { useEffect, useState } from "react";
import { subscribeEvents, type LiveEvent, type LiveStatus, type PublicFirebaseConfig } from "@/lib/client/live";
import { MiniCounters } from "./counters";
import { LiveStatusNote } from "./live-status";
import { EventWhen } from "./when";
import styles from "./events.module.css";

interface Props {
  initial: LiveEvent[];
  config: PublicFirebaseConfig;
}

/** The server rendered the list; one listener keeps it current, and the list still works without it. */
export function EventsList({ initial, config }: Props) {
  const [events, setEvents] = useState(initial);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  useEffect(() => subscribeEvents(config, setEvents, setStatus), [config]);

  return (
    <div className="stack">
      <LiveStatusNote status={status} />
      {events.length === 0 ? (
        <p className="muted">No events yet. Create one to start inviting guests.</p>
      ) : (
        <ul className={styles.list} aria-label="Events">
          {events.map((e) => (
            <li key={e.id} className={`card ${styles.card}`} data-testid="event-card" data-event-id={e.id}>
              <div className={styles.cardHead}>
                <h2 className={styles.title}>
                  <Link href={`/admin/events/${e.id}`}>{e.title}</Link>
                </h2>
                {e.lifecycle === "deleting" ? <span className="badge warn">Deleting…</span> : null}
              </div>
              <p className={styles.when}>
                <EventWhen startsAt={e.startsAt} endsAt={e.endsAt} timezone={e.timezone} />
              </p>
              <MiniCounters counters={e.counters} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
