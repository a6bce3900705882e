import type { InvitationStatus } from "@/lib/domain/invitations/status";
import type { RememberedColumns } from "@/lib/domain/invitations/columns";
import type { InviteRowInput } from "@/lib/domain/invitations/upload";
import type { ActionResult } from "@/components/events/types";

/** One row of the invitations table. Times are epoch milliseconds. */
export interface InvitationRowView {
  id: string;
  email: string;
  name: string;
  /** What the admin sees (an unanswered, run-out link shows "expired"). */
  status: InvitationStatus;
  /** The current link's email went through simulation mode: nothing actually left. */
  simulated: boolean;
  /** Why the email failed or bounced (the provider's words, or the suppression list's), shown under the status. */
  problem: string | null;
  /** The provider reported the email delivered to the guest's mail server. */
  delivered: boolean;
  linkExpiresAt: number;
  answeredAt: number | null;
}

export interface InvitationPage {
  rows: InvitationRowView[];
  /** Cursor for "Load more", or null at the end. */
  next: string | null;
}

export interface InvitationQuery {
  status?: InvitationStatus;
  search?: string;
  after?: string;
}

export type ListInvitationsAction = (eventId: string, query: InvitationQuery) => Promise<ActionResult<InvitationPage>>;

/** The server's verdict on one uploaded row. */
export type UploadRowOutcome =
  | { row: number; email: string; outcome: "invited" | "reinvited"; invitationId: string }
  | { row: number; email: string; outcome: "duplicate" | "rejected"; reason: string };

export interface InviteChunkView {
  invited: number;
  reinvited: number;
  duplicates: number;
  rejected: number;
  rows: UploadRowOutcome[];
}

export type InviteAction = (eventId: string, rows: InviteRowInput[]) => Promise<ActionResult<InviteChunkView>>;

/** Which of these addresses (keys) are on the suppression list, with the reason an organiser reads. */
export type CheckSuppressedAction = (emailKeys: string[]) => Promise<ActionResult<{ suppressed: { emailKey: string; reason: string }[] }>>;

export type RememberColumnsAction = (eventId: string, columns: RememberedColumns) => Promise<ActionResult>;

export interface BulkOutcomeView {
  id: string;
  ok: boolean;
  message: string;
}

export type BulkAction = (eventId: string, ids: string[]) => Promise<ActionResult<{ results: BulkOutcomeView[] }>>;
