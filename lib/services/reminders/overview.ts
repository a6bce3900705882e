import { collections, type EventDoc, type JobDoc } from "@/lib/adapters/firestore/schemas";
import { describeRules, type RuleStatus } from "@/lib/domain/events/reminders";
import type { ServiceContext } from "../context";

export interface ReminderOverview {
  rules: RuleStatus[];
  /** The next rule still to go out, and how many guests it would reach if nothing changed from now. */
  next: { rule: RuleStatus; guests: number } | null;
}

/**
 * What the event page shows about reminders. The count is one aggregation (a read per 1,000 guests): guests who
 * have not answered, whose invitation is delivered or on its way, and whose link still works at the reminder's
 * moment (a reminder carries the guest's link and never a new one).
 */
export async function reminderOverview(ctx: ServiceContext, eventId: string, event: EventDoc): Promise<ReminderOverview> {
  const now = ctx.clock.now();
  const rules = describeRules(event, now);
  const rule = rules.find((r) => r.state === "scheduled" || r.state === "due");
  if (!rule || event.lifecycle !== "active") return { rules, next: null };
  const at = new Date(Math.max(rule.dueAt.getTime(), now.getTime()));
  const guests = await ctx.db.count("remind.overview", collections.invitations, {
    where: [
      ["eventId", "==", eventId],
      ["status", "==", "queued"],
      ["delivery.state", "in", ["queued", "sent"]],
      ["linkExpiresAt", ">", at],
    ],
  });
  return { rules, next: { rule, guests } };
}

/** The reminders of one invitation, newest first, for the guest's timeline: one query, a read per reminder. */
export async function listReminders(ctx: ServiceContext, invitationId: string): Promise<JobDoc[]> {
  const jobs = await ctx.db.query("remind.list", collections.jobs, {
    where: [
      ["invitationId", "==", invitationId],
      ["kind", "==", "reminder"],
    ],
    limit: 50,
  });
  return jobs.map((j) => j.data).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}
