"use client";
import Link from "next/link";
import { useEffect, useState } from "react";
import { subscribeEvent, type LiveEvent, type LiveStatus, type PublicFirebaseConfig } from "@/lib/client/live";
import { CounterStats } from "./counters";
import { LiveStatusNote } from "./live-status";

interface Props {
  initial: LiveEvent;
  config: PublicFirebaseConfig;
}

/** The event page's counters, kept live by one document listener. */
export function EventLivePanel({ initial, config }: Props) {
  const [event, setEvent] = useState<LiveEvent | null>(initial);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  useEffect(() => subscribeEvent(config, initial.id, setEvent, setStatus), [config, initial.id]);

  if (!event) {
    return (
      <div className="banner warn" role="status">
        This event has been deleted. <Link href="/admin/events">Back to events</Link>
      </div>
    );
  }
  return (
    <section className="stack" aria-labelledby="counters-title">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 id="counters-title">Guests</h2>
        <LiveStatusNote status={status} />
      </div>
      {event.lifecycle === "deleting" && initial.lifecycle !== "deleting" ? (
        <p className="banner warn" role="status">
          This event is being deleted.
        </p>
      ) : null}
      <CounterStats counters={event.counters} />
    </section>
  );
}
