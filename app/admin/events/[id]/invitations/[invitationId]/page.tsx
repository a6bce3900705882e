import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AttemptList, InvitationDetails, ReportList } from "@/components/invitations/invitation-detail";
import { PROVIDER_LABELS, REPORT_LABELS, suppresses } from "@/lib/domain/delivery/reports";
import { displayStatus, getInvitation, listAttempts } from "@/lib/services/invitations";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { isEventId, isInvitationId } from "../../../server";

export const metadata: Metadata = { title: "Invitation · Herald" };

export default async function InvitationPage({ params }: { params: Promise<{ id: string; invitationId: string }> }) {
  await requireAdminPage();
  const { id, invitationId } = await params;
  if (!isEventId(id) || !isInvitationId(invitationId)) notFound();
  const ctx = serviceContext();
  const [invitation, attempts] = await Promise.all([getInvitation(ctx, invitationId), listAttempts(ctx, invitationId)]);
  if (!invitation || invitation.data.eventId !== id) notFound();
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
      <section className="stack" aria-labelledby="reports-title">
        <h2 id="reports-title">Reported by the provider</h2>
        <ReportList
          reports={[...i.deliveryReports].reverse().map((r) => ({
            at: r.at.getTime(),
            kind: REPORT_LABELS[r.kind],
            provider: PROVIDER_LABELS[r.provider],
            email: r.jobId === i.jobId ? "the current link’s email" : r.jobId.includes("-c") ? "a confirmation" : "an earlier link’s email",
            detail: r.detail,
            danger: suppresses(r.kind) || r.kind === "soft_bounce",
          }))}
        />
      </section>
      <section className="stack" aria-labelledby="attempts-title">
        <h2 id="attempts-title">Delivery attempts</h2>
        <AttemptList
          attempts={attempts.map((a) => ({
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
