import { remindNowKey, reminderRefusal } from "@/lib/domain/events/reminders";
import type { ServiceContext } from "../context";
import { eventRef } from "../events";
import { invitationRef, type BulkOutcome } from "../invitations";
import { createReminders, reminderFor, type ReminderToQueue } from "./queue";

/**
 * "Remind now" for guests an organiser selected: a reminder each, today, for those the reminder rule allows
 * (open, delivered, link still working, answers still open), and a reason for the others. One per guest per day
 * in the event's zone (the job id holds the day), so a double click, a retried request or two admins at once
 * queue it once. Costs a read per invitation and one per event; the jobs are one batch.
 */
export async function remindInvitations(ctx: ServiceContext, ids: readonly string[]): Promise<BulkOutcome[]> {
  const now = ctx.clock.now();
  const invitations = await ctx.db.getAll("remind.now", ids.map(invitationRef));
  const eventIds = [...new Set(invitations.flatMap((s) => (s ? [s.data.eventId] : [])))];
  const events = await ctx.db.getAll("remind.now", eventIds.map((id) => eventRef(id)));
  const eventById = new Map(eventIds.map((id, i) => [id, events[i]?.data ?? null]));

  const refused = new Map<string, string>();
  const reminders: ReminderToQueue[] = [];
  ids.forEach((id, i) => {
    const invitation = invitations[i]?.data;
    if (!invitation) {
      refused.set(id, "Not found");
      return;
    }
    const event = eventById.get(invitation.eventId) ?? null;
    const refusal = reminderRefusal(
      { status: invitation.status, deliveryState: invitation.delivery.state, linkExpiresAt: invitation.linkExpiresAt },
      event,
      now,
    );
    if (refusal || !event) refused.set(id, refusal ?? "Not found");
    else reminders.push(reminderFor(id, invitation, remindNowKey(now, event.timezone), now));
  });

  const { existing } = await createReminders(ctx.db, "remind.now", reminders);
  const already = new Set(existing);
  const jobOf = new Map(reminders.map((r) => [r.job.invitationId, r.id]));
  return ids.map((id): BulkOutcome => {
    const reason = refused.get(id);
    if (reason) return { id, ok: false, message: reason };
    return already.has(jobOf.get(id)!) ? { id, ok: false, message: "Already reminded today" } : { id, ok: true, message: "Reminder queued" };
  });
}
