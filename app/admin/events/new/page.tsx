import type { Metadata } from "next";
import Link from "next/link";
import { EventForm } from "@/components/events/event-form";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { saveEventAction } from "../actions";
import { emptyEventForm, invitationTemplates, timeZoneOptions } from "../form-data";

export const metadata: Metadata = { title: "New event · Herald" };

export default async function NewEventPage() {
  await requireAdminPage();
  const templates = await invitationTemplates(serviceContext());
  return (
    <section className="stack" aria-labelledby="new-event-title">
      <p>
        <Link href="/admin/events">← Events</Link>
      </p>
      <h1 id="new-event-title">New event</h1>
      <EventForm eventId={null} initial={emptyEventForm(templates)} templates={templates} timeZones={timeZoneOptions()} save={saveEventAction} />
    </section>
  );
}
