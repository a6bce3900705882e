import type { Metadata } from "next";
import Link from "next/link";
import { EventsList } from "@/components/events/events-list";
import { listEvents } from "@/lib/services/events";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { publicFirebaseConfig, toLiveEvent } from "./server";

export const metadata: Metadata = { title: "Events · Herald" };

export default async function EventsPage() {
  await requireAdminPage();
  const events = await listEvents(serviceContext());
  return (
    <section className="stack" aria-labelledby="section-title">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1 id="section-title">Events</h1>
        <Link className="button primary" href="/admin/events/new">
          New event
        </Link>
      </div>
      <EventsList initial={events.map((e) => toLiveEvent(e.id, e.data))} config={publicFirebaseConfig()} />
    </section>
  );
}
