import type { ActionResult } from "@/components/events/types";

/** One entry of the suppression list as the admin page shows it. Times are epoch milliseconds. */
export interface SuppressionView {
  email: string;
  emailKey: string;
  /** "Hard bounce", "Spam complaint", "Refused". */
  kind: string;
  /** "SendGrid", "Resend", "the receiving server". */
  source: string;
  detail: string | null;
  at: number;
}

export interface RemovalView {
  email: string;
  kind: string;
  removedBy: string;
  removedAt: number;
}

export type RemoveSuppressionAction = (emailKey: string) => Promise<ActionResult<{ email: string }>>;
