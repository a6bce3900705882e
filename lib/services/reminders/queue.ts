import { isAlreadyExists, type MeteredFirestore, type WriteSet } from "@/lib/adapters/firestore/db";
import type { InvitationDoc, JobDoc } from "@/lib/adapters/firestore/schemas";
import { reminderJobIdFor } from "@/lib/domain/events/reminders";
import { jobRef, newJob } from "../invitations";

/** A reminder job ready to create: its deterministic id and the job. */
export interface ReminderToQueue {
  id: string;
  job: JobDoc;
}

/**
 * The reminder of one rule (or "remind now" day) for one guest. It carries the guest's current link version, so
 * the email holds the link they already have (a reminder rotates nothing), and waits behind invitations.
 */
export function reminderFor(invitationId: string, invitation: InvitationDoc, key: string, now: Date): ReminderToQueue {
  return {
    id: reminderJobIdFor(invitationId, key),
    job: newJob({
      kind: "reminder",
      eventId: invitation.eventId,
      invitationId,
      to: { email: invitation.email, name: invitation.name },
      fields: invitation.fields,
      tokenVersion: invitation.tokenVersion,
      reminderKey: key,
      now,
    }),
  };
}

/** A second scheduler racing for the same reminders can make one more conflict after ours; then we give up. */
const ATTEMPTS = 3;

/**
 * Creates the reminders that do not exist yet, in one batch together with the caller's bookkeeping (`also`,
 * told how many jobs the batch creates). The ids are deterministic and written with create(), so a reminder that
 * exists (another scheduler run, a double click) makes the batch fail instead of doubling it; only then are the
 * ids read, to write the rest. The common case costs no read at all.
 */
export async function createReminders(
  db: MeteredFirestore,
  op: string,
  reminders: readonly ReminderToQueue[],
  also?: (batch: WriteSet, creating: number) => void,
): Promise<{ created: string[]; existing: string[] }> {
  let pending = reminders;
  const existing: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const batch = db.batch(op);
    for (const r of pending) batch.create(jobRef(r.id), r.job);
    also?.(batch, pending.length);
    try {
      await batch.commit();
      return { created: pending.map((r) => r.id), existing };
    } catch (error) {
      if (!isAlreadyExists(error) || attempt >= ATTEMPTS) throw error;
    }
    const found = await db.getAll(op, pending.map((r) => jobRef(r.id)));
    const exists = new Set(found.flatMap((snap) => (snap ? [snap.id] : [])));
    existing.push(...pending.filter((r) => exists.has(r.id)).map((r) => r.id));
    pending = pending.filter((r) => !exists.has(r.id));
  }
}
