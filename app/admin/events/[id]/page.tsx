import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DeleteEvent } from "@/components/events/delete-event";
import { EventLivePanel } from "@/components/events/event-live-panel";
import { EventDetails } from "@/components/events/event-details";
import { RemindersCard } from "@/components/events/reminders-card";
import { EventInvitations } from "@/components/invitations/event-invitations";
import { getEvent } from "@/lib/services/events";
import { reminderOverview } from "@/lib/services/reminders/overview";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import {
  checkSuppressedAction,
  deleteStepAction,
  inviteAction,
  listInvitationsAction,
  rememberGuestColumnsAction,
  remindAction,
  resendAction,
  revokeAction,
} from "../actions";
import { isEventId, loadInvitationPage, publicFirebaseConfig, toLiveEvent, toReminderView } from "../server";

export const metadata: Metadata = { title: "Event · Herald" };

export default async function EventPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdminPage();
  const { id } = await params;
  if (!isEventId(id)) notFound();
  const ctx = serviceContext();
  const event = await getEvent(ctx, id);
  if (!event) notFound();
  const e = event.data;
  const [firstPage, reminders] = await Promise.all([loadInvitationPage(ctx, id, {}), reminderOverview(ctx, id, e)]);
  const deleting = e.lifecycle === "deleting";

  return (
    <div className="stack">
      <p>
        <Link href="/admin/events">← Events</Link>
      </p>
      <section className="stack" aria-labelledby="event-title">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h1 id="event-title">{e.title}</h1>
          {deleting ? (
            <span className="badge warn">Deleting…</span>
          ) : (
            <Link className="button" href={`/admin/events/${id}/edit`}>
              Edit
            </Link>
          )}
        </div>
        <EventDetails
          event={{
            startsAt: e.startsAt.getTime(),
            endsAt: e.endsAt.getTime(),
            timezone: e.timezone,
            location: e.location,
            onlineUrl: e.onlineUrl,
            capacity: e.capacity,
            rsvpDeadline: e.rsvpDeadline?.getTime() ?? null,
            linkLifetimeDays: e.linkLifetimeDays,
            host: e.host,
            description: e.description,
          }}
        />
      </section>

      <EventLivePanel initial={toLiveEvent(id, e)} config={publicFirebaseConfig()} />

      <RemindersCard overview={toReminderView(e, reminders)} />

      <EventInvitations
        eventId={id}
        canInvite={!deleting}
        initialPage={firstPage}
        invite={inviteAction}
        rememberedColumns={e.guestColumns ?? null}
        saveColumns={rememberGuestColumnsAction}
        checkSuppressed={checkSuppressedAction}
        list={listInvitationsAction}
        resend={resendAction}
        remind={remindAction}
        revoke={revokeAction}
      />

      <DeleteEvent eventId={id} title={e.title} deleting={deleting} deleteStep={deleteStepAction} />
    </div>
  );
}
