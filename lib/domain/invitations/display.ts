import { INVITATION_STATUSES, type InvitationStatus } from "./status";

// What the admin pages show for each status; which status an invitation shows is decided on the server.

export const STATUS_LABELS: Record<InvitationStatus, string> = {
  queued: "Queued",
  sent: "Sent",
  failed: "Failed",
  bounced: "Bounced",
  accepted: "Accepted",
  declined: "Declined",
  expired: "Expired",
  revoked: "Revoked",
};

export type StatusTone = "ok" | "warn" | "danger" | "neutral";

export function statusTone(status: InvitationStatus): StatusTone {
  switch (status) {
    case "accepted":
    case "sent":
      return "ok";
    case "failed":
    case "bounced":
      return "danger";
    case "expired":
    case "revoked":
    case "declined":
      return "warn";
    case "queued":
      return "neutral";
  }
}

export function isInvitationStatus(value: unknown): value is InvitationStatus {
  return typeof value === "string" && (INVITATION_STATUSES as readonly string[]).includes(value);
}

export interface AnswerShares {
  accepted: number;
  declined: number;
  pending: number;
}

/**
 * Percentages (whole numbers summing to exactly 100, or all 0 with nothing to show) for the accepted / declined /
 * pending bar. Largest remainder, so three equal parts read 34/33/33 rather than 33/33/33 with a gap.
 */
export function answerShares(counts: AnswerShares): AnswerShares {
  const keys = ["accepted", "declined", "pending"] as const;
  const values = keys.map((k) => Math.max(0, counts[k]));
  const total = values.reduce((a, b) => a + b, 0);
  if (total === 0) return { accepted: 0, declined: 0, pending: 0 };
  const exact = values.map((v) => (v * 100) / total);
  const floors = exact.map(Math.floor);
  let left = 100 - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i] = floors[i]! + 1;
    left -= 1;
  }
  return { accepted: floors[0]!, declined: floors[1]!, pending: floors[2]! };
}
