import { isNotFound } from "@/lib/adapters/firestore/db";
import type { RememberedColumns } from "@/lib/domain/invitations/columns";
import type { Result, ServiceContext } from "./context";
import { eventRef } from "./events";

/**
 * Keeps the column mapping an organiser confirmed on the event, so the next upload of the same export needs no
 * change. One write, no read; not an edit of the event (its calendar sequence and updatedAt stay).
 */
export async function rememberGuestColumns(
  ctx: ServiceContext,
  eventId: string,
  columns: RememberedColumns,
): Promise<Result<object, "not_found">> {
  try {
    await ctx.db.update("event.guestColumns", eventRef(eventId), { guestColumns: columns });
    return { ok: true };
  } catch (error) {
    if (isNotFound(error)) return { ok: false, code: "not_found", message: "This event no longer exists" };
    throw error;
  }
}
