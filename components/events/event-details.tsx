import { EventWhen } from "./when";
import styles from "./events.module.css";

export interface EventDetailsView {
  startsAt: number;
  endsAt: number;
  timezone: string;
  location?: string;
  onlineUrl?: string;
  capacity: number | null;
  rsvpDeadline: number | null;
  linkLifetimeDays: number;
  host: { name: string; email: string };
  description?: string;
}

function at(ms: number, timeZone: string) {
  return `${new Intl.DateTimeFormat("en-GB", { timeZone, dateStyle: "medium", timeStyle: "short" }).format(ms)} (${timeZone})`;
}

/** The event's facts, times as the venue's clocks read them. */
export function EventDetails({ event: e }: { event: EventDetailsView }) {
  return (
    <dl className={`card ${styles.details}`}>
      <dt>When</dt>
      <dd>
        <EventWhen startsAt={e.startsAt} endsAt={e.endsAt} timezone={e.timezone} />
      </dd>
      {e.location ? (
        <>
          <dt>Where</dt>
          <dd>{e.location}</dd>
        </>
      ) : null}
      {e.onlineUrl ? (
        <>
          <dt>Online</dt>
          <dd>
            <a href={e.onlineUrl} rel="noopener noreferrer" target="_blank">
              {e.onlineUrl}
            </a>
          </dd>
        </>
      ) : null}
      <dt>Capacity</dt>
      <dd>{e.capacity === null ? "No limit" : e.capacity.toLocaleString("en")}</dd>
      <dt>RSVP by</dt>
      <dd suppressHydrationWarning>{e.rsvpDeadline === null ? "Until the event ends" : at(e.rsvpDeadline, e.timezone)}</dd>
      <dt>Links last</dt>
      <dd>
        {e.linkLifetimeDays} {e.linkLifetimeDays === 1 ? "day" : "days"}
      </dd>
      <dt>Host</dt>
      <dd>{e.host.name === e.host.email || !e.host.name ? e.host.email : `${e.host.name} (${e.host.email})`}</dd>
      {e.description ? (
        <>
          <dt>Description</dt>
          <dd style={{ whiteSpace: "pre-wrap" }}>{e.description}</dd>
        </>
      ) : null}
    </dl>
  );
}
