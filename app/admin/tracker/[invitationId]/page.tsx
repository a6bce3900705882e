import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Timeline, type TimelineItem } from "@/components/tracker/timeline";
import type { TimelineEntry } from "@/lib/domain/tracker/timeline";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { displayStatus } from "@/lib/services/invitations";
import { loadGuestTimeline, providerNames } from "@/lib/services/tracker";
import { isInvitationId } from "../../events/server";

export const metadata: Metadata = { title: "Guest timeline · Herald" };

function toItem(e: TimelineEntry, providerName: (id: string | null) => string | null): TimelineItem {
  const at = e.at.getTime();
  switch (e.type) {
    case "queued":
      return { type: "queued", at, kind: e.job.kind, jobId: e.job.id, link: e.job.tokenVersion };
    case "attempt":
      return {
        type: "attempt",
        at,
        kind: e.jobKind,
        attempt: e.attempt.attempt,
        outcome: e.attempt.outcome,
        provider: providerName(e.attempt.providerId),
        latencyMs: e.attempt.latencyMs,
        errorClass: e.attempt.errorClass,
        message: e.attempt.message,
        idempotencyKey: e.attempt.idempotencyKey,
        resumed: e.attempt.resumed,
      };
    case "sent":
      return { type: "sent", at, kind: e.job.kind, provider: providerName(e.job.sentBy), simulated: e.job.simulated };
    case "failed":
      return { type: "failed", at, kind: e.job.kind, bounced: e.bounced, message: e.job.lastError?.message ?? null };
    case "cancelled":
      return { type: "cancelled", at, kind: e.job.kind, reason: e.job.waitingReason };
    case "waiting":
      return { type: "waiting", at, kind: e.job.kind, reason: e.job.waitingReason };
    case "opened":
      return { type: "opened", at };
    case "answered":
      return { type: "answered", at, status: e.status, changed: e.changed };
  }
}

/** Where "back" goes: the tracker view the operator came from, if the link carried one that looks like it. */
function backHref(back: string | string[] | undefined): string {
  const q = typeof back === "string" ? back : "";
  return q.startsWith("?") && q.length < 2_000 && !q.includes("#") ? `/admin/tracker${q}` : "/admin/tracker";
}

/** One guest's whole story at one event, built on demand (a handful of reads plus one per audit batch). */
export default async function GuestTimelinePage({ params, searchParams }: { params: Promise<{ invitationId: string }>; searchParams: Promise<{ back?: string | string[] }> }) {
  await requireAdminPage();
  const { invitationId } = await params;
  if (!isInvitationId(invitationId)) notFound();
  const ctx = serviceContext();
  const [timeline, names] = await Promise.all([loadGuestTimeline(ctx, invitationId), providerNames(ctx)]);
  if (!timeline) notFound();
  const providerName = (id: string | null) => (id === null ? null : (names.get(id) ?? id));
  const i = timeline.invitation.data;
  return (
    <div className="stack">
      <p>
        <Link href={backHref((await searchParams).back)}>← Sent Tracker</Link>
      </p>
      <section className="stack" aria-labelledby="guest-title">
        <h1 id="guest-title" style={{ overflowWrap: "anywhere" }}>
          {i.email}
        </h1>
        <p className="muted" style={{ margin: 0 }}>
          {i.name ? `${i.name} · ` : ""}
          {timeline.eventTitle ? (
            <Link href={`/admin/events/${i.eventId}`}>{timeline.eventTitle}</Link>
          ) : (
            "a deleted event"
          )}{" "}
          · now <strong>{displayStatus(i, ctx.clock.now())}</strong>
        </p>
        <Timeline items={timeline.entries.map((e) => toItem(e, providerName))} />
      </section>
    </div>
  );
}
