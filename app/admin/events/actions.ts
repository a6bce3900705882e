"use server";
import { z } from "zod";
import type { ActionResult, DeleteStepView, EventFormState } from "@/components/events/types";
import type { BulkOutcomeView, InvitationPage, InviteChunkView } from "@/components/invitations/types";
import { eventFieldErrors, eventInputSchema } from "@/lib/domain/events/schema";
import { rememberedColumnsSchema } from "@/lib/domain/invitations/columns";
import { INVITATION_STATUSES } from "@/lib/domain/invitations/status";
import { revalidateInviteRows } from "@/lib/domain/invitations/upload";
import { suppressionReason } from "@/lib/domain/suppression";
import { countEventDocuments, createEvent, deleteEventStep, updateEvent } from "@/lib/services/events";
import { rememberGuestColumns } from "@/lib/services/guest-columns";
import { remindInvitations } from "@/lib/services/reminders/remind-now";
import { inviteGuests, resendInvitations, revokeInvitations } from "@/lib/services/invitations";
import { findSuppressed } from "@/lib/services/suppression";
import { adminAction } from "@/lib/server/admin-action";
import { serviceContext } from "@/lib/server/services";
import type { ServiceContext } from "@/lib/services/context";
import { hostOf, loadInvitationPage } from "./server";

/*
 * Every action here is a public POST endpoint: adminAction checks the session first and turns anything thrown
 * into a logged, generic failure; each action validates every argument with zod (the browser already did, but
 * anything can call these) and returns expected outcomes as values.
 */

const eventIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const invitationIdsSchema = z.array(z.string().regex(/^[0-9a-f]{32}$/)).min(1).max(200);
const querySchema = z.strictObject({
  status: z.enum(INVITATION_STATUSES).optional(),
  search: z.string().max(254).optional(),
  after: z.string().max(300).optional(),
});

const refused = (message: string): ActionResult<never> => ({ ok: false, code: "invalid_input", message });

export async function saveEventAction(eventId: string | null, values: EventFormState): Promise<ActionResult<{ id: string }>> {
  return adminAction("event.save", async (admin) => {
    const id = eventId === null ? null : eventIdSchema.safeParse(eventId);
    if (id && !id.success) return refused("Unknown event");
    const parsed = eventInputSchema.safeParse(values);
    if (!parsed.success) {
      return {
        ok: false,
        code: "invalid_input",
        message: "Some fields need attention.",
        fieldErrors: eventFieldErrors(parsed.error) as Record<string, string>,
      };
    }
    const ctx = serviceContext();
    if (!id) return createEvent(ctx, parsed.data, hostOf(admin));
    const updated = await updateEvent(ctx, id.data, parsed.data);
    return updated.ok ? { ok: true, id: id.data } : updated;
  });
}

export async function inviteAction(eventId: string, rows: unknown): Promise<ActionResult<InviteChunkView>> {
  return adminAction("invite.upload", async () => {
    const id = eventIdSchema.safeParse(eventId);
    if (!id.success) return refused("Unknown event");
    const checked = revalidateInviteRows(rows);
    if (!checked.ok) return refused(checked.message);
    const result = await inviteGuests(serviceContext(), id.data, checked.rows);
    if (!result.ok) return result;
    const { invited, reinvited, duplicates, rejected } = result;
    return { ok: true, invited, reinvited, duplicates, rejected, rows: result.rows };
  }, { bulk: true });
}

const emailKeysSchema = z.array(z.string().min(3).max(320)).max(5_000);

/**
 * The invite preview's question: which of these addresses are on the suppression list? Costs a read per shard
 * of the list the addresses fall in (eight at most), whatever their number.
 */
export async function checkSuppressedAction(emailKeys: unknown): Promise<ActionResult<{ suppressed: { emailKey: string; reason: string }[] }>> {
  return adminAction("invite.checkSuppressed", async () => {
    const keys = emailKeysSchema.safeParse(emailKeys);
    if (!keys.success) return refused("Those addresses could not be read");
    const found = await findSuppressed(serviceContext().db, "invite.suppressions", keys.data);
    return { ok: true, suppressed: [...found].map(([emailKey, entry]) => ({ emailKey, reason: suppressionReason(entry) })) };
  });
}

/** The column mapping an organiser confirmed, kept on the event for its next upload. */
export async function rememberGuestColumnsAction(eventId: string, columns: unknown): Promise<ActionResult> {
  return adminAction("event.guestColumns", async () => {
    const id = eventIdSchema.safeParse(eventId);
    const parsed = rememberedColumnsSchema.safeParse(columns);
    if (!id.success || !parsed.success) return refused("Those columns could not be read");
    return rememberGuestColumns(serviceContext(), id.data, parsed.data);
  });
}

export async function listInvitationsAction(eventId: string, query: unknown): Promise<ActionResult<InvitationPage>> {
  return adminAction("invite.list", async () => {
    const id = eventIdSchema.safeParse(eventId);
    const q = querySchema.safeParse(query);
    if (!id.success || !q.success) return refused("That search could not be read");
    return { ok: true, ...(await loadInvitationPage(serviceContext(), id.data, q.data)) };
  });
}

async function bulk(
  operation: string,
  eventId: string,
  ids: unknown,
  run: (ctx: ServiceContext, ids: string[]) => Promise<BulkOutcomeView[]>,
): Promise<ActionResult<{ results: BulkOutcomeView[] }>> {
  return adminAction(operation, async () => {
    const id = eventIdSchema.safeParse(eventId);
    const parsed = invitationIdsSchema.safeParse(ids);
    if (!id.success || !parsed.success) return refused("Select between 1 and 200 invitations");
    return { ok: true, results: await run(serviceContext(), [...new Set(parsed.data)]) };
  }, { bulk: true });
}

export async function resendAction(eventId: string, ids: string[]): Promise<ActionResult<{ results: BulkOutcomeView[] }>> {
  return bulk("invite.resend", eventId, ids, resendInvitations);
}

/** "Remind now" for the selected guests: a reminder each, for those who may still be reminded. */
export async function remindAction(eventId: string, ids: string[]): Promise<ActionResult<{ results: BulkOutcomeView[] }>> {
  return bulk("invite.remind", eventId, ids, remindInvitations);
}

export async function revokeAction(eventId: string, ids: string[]): Promise<ActionResult<{ results: BulkOutcomeView[] }>> {
  return bulk("invite.revoke", eventId, ids, revokeInvitations);
}

/** Documents deleted per call: one batch, so each call returns within a second or two and progress moves. */
const DELETE_PER_CALL = 500;

export async function deleteStepAction(eventId: string, first: boolean): Promise<ActionResult<DeleteStepView>> {
  return adminAction("event.delete", async () => {
    const id = eventIdSchema.safeParse(eventId);
    if (!id.success || typeof first !== "boolean") return refused("Unknown event");
    const ctx = serviceContext();
    const total = first ? await countEventDocuments(ctx, id.data) : null;
    const step = await deleteEventStep(ctx, id.data, DELETE_PER_CALL, { announce: first });
    if (step.ok) return { ok: true, done: step.done, deleted: step.deleted, total };
    // A later call finding nothing means another tab finished the job.
    if (!first && step.code === "not_found") return { ok: true, done: true, deleted: 0, total };
    return step;
  }, { bulk: true });
}
