import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { EventForm } from "@/components/events/event-form";
import { getEvent } from "@/lib/services/events";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { saveEventAction } from "../../actions";
import { eventToForm, invitationTemplates, timeZoneOptions } from "../../form-data";
import { isEventId } from "../../server";

export const metadata: Metadata = { title: "Edit event · Herald" };

export default async function EditEventPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdminPage();
  const { id } = await params;
  if (!isEventId(id)) notFound();
  const ctx = serviceContext();
  const [event, templates] = await Promise.all([getEvent(ctx, id), invitationTemplates(ctx)]);
  if (!event) notFound();
  return (
    <section className="stack" aria-labelledby="edit-event-title">
      <p>
        <Link href={`/admin/events/${id}`}>← {event.data.title}</Link>
      </p>
      <h1 id="edit-event-title">Edit event</h1>
      {event.data.lifecycle === "deleting" ? (
        <p className="banner warn">This event is being deleted and can no longer be edited.</p>
      ) : (
        <EventForm eventId={id} initial={eventToForm(event.data)} templates={templates} timeZones={timeZoneOptions()} save={saveEventAction} />
      )}
    </section>
  );
}
