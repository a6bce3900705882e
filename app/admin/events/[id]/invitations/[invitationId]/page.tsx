import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AttemptList, InvitationDetails, ReminderList, ReportList } from "@/components/invitations/invitation-detail";
import { PROVIDER_LABELS, REPORT_LABELS, suppresses } from "@/lib/domain/delivery/reports";
import { parseReminderKey } from "@/lib/domain/events/reminders";
import { getEvent } from "@/lib/services/events";
import { listReminders } from "@/lib/services/reminders/overview";
import { displayStatus, getInvitation, listAttempts } from "@/lib/services/invitations";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { isEventId, isInvitationId } from "../../../server";

export const metadata: Metadata = { title: "Invitation · Herald" };

function reminderLabel(key: string | null, anchor: string): string {
  const parsed = key ? parseReminderKey(key) : null;
  if (!parsed) return "Reminder";
  if ("day" in parsed) return `Remind now, ${parsed.day}`;
  return `${parsed.rule} ${parsed.rule === 1 ? "day" : "days"} before ${anchor}`;
}

export default async function InvitationPage({ params }: { params: Promise<{ id: string; invitationId: string }> }) {
  await requireAdminPage();
  const { id, invitationId } = await params;
  if (!isEventId(id) || !isInvitationId(invitationId)) notFound();
  const ctx = serviceContext();
  const [invitation, attempts, reminders, event] = await Promise.all([
    getInvitation(ctx, invitationId),
    listAttempts(ctx, invitationId),
    listReminders(ctx, invitationId),
    getEvent(ctx, id),
  ]);
  if (!invitation || invitation.data.eventId !== id) notFound();
  const anchor = event?.data.rsvpDeadline ? "the RSVP deadline" : "the start";
  const i = invitation.data;
  return (
    <div className="stack">
      <p>
        <Link href={`/admin/events/${id}`}>← Event</Link>
      </p>
      <section className="stack" aria-labelledby="invitation-title">
        <h1 id="invitation-title" style={{ overflowWrap: "anywhere" }}>
          {i.email}
        </h1>
        <InvitationDetails
          invitation={{
            email: i.email,
            name: i.name,
            status: displayStatus(i, ctx.clock.now()),
            fields: i.fields,
            delivery: { ...i.delivery, at: i.delivery.at?.getTime() ?? null },
            linkNumber: i.tokenVersion,
            linkExpiresAt: i.linkExpiresAt.getTime(),
            answeredAt: i.answeredAt?.getTime() ?? null,
            createdAt: i.createdAt.getTime(),
            updatedAt: i.updatedAt.getTime(),
          }}
        />
      </section>
      <section className="stack" aria-labelledby="reminders-title">
        <h2 id="reminders-title">Reminders</h2>
        <ReminderList
          reminders={reminders.map((r) => ({
            label: reminderLabel(r.reminderKey, anchor),
            state: r.state,
            createdAt: r.createdAt.getTime(),
            completedAt: r.completedAt?.getTime() ?? null,
            reason: r.state === "cancelled" ? r.waitingReason : r.state === "failed" ? (r.lastError?.message ?? null) : null,
          }))}
        />
      </section>
      <section className="stack" aria-labelledby="reports-title">
        <h2 id="reports-title">Reported by the provider</h2>
        <ReportList
          reports={[...i.deliveryReports].reverse().map((r) => ({
            at: r.at.getTime(),
            kind: REPORT_LABELS[r.kind],
            provider: PROVIDER_LABELS[r.provider],
            email: r.jobId === i.jobId ? "the current link’s email" : /-c\d+$/.test(r.jobId) ? "a confirmation" : /-(r\d+d|m\d{8})$/.test(r.jobId) ? "a reminder" : "an earlier link’s email",
            detail: r.detail,
            danger: suppresses(r.kind) || r.kind === "soft_bounce",
          }))}
        />
      </section>
      <section className="stack" aria-labelledby="attempts-title">
        <h2 id="attempts-title">Delivery attempts</h2>
        <AttemptList
          attempts={attempts.map((a) => ({
            kind: a.kind,
            at: a.at.getTime(),
            outcome: a.outcome,
            providerId: a.providerId,
            attempt: a.attempt,
            latencyMs: a.latencyMs,
            errorClass: a.errorClass,
            message: a.message,
            simulated: a.outcome === "simulated",
          }))}
        />
      </section>
    </div>
  );
}
