import type { ActionResult } from "@/components/events/types";

/** The Sent Tracker's rows and menus as its client components take them: plain data, times in epoch ms. */
export interface TrackerRowView {
  id: string;
  invitationId: string;
  eventId: string;
  eventTitle: string | null;
  kind: string;
  state: string;
  email: string;
  name: string;
  /** Who sent it (sent) or where its last attempt failed (failed, retrying). */
  providerId: string | null;
  attempts: number;
  simulated: boolean;
  createdAt: number;
  updatedAt: number;
  waitingReason: string | null;
  lastError: { errorClass: string; message: string } | null;
}

export interface TrackerOption {
  id: string;
  label: string;
}

export type RetryFailedAction = (query: string) => Promise<ActionResult<{ requeued: number; skipped: number }>>;
