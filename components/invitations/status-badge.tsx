import { STATUS_LABELS, statusTone } from "@/lib/domain/invitations/display";
import type { InvitationStatus } from "@/lib/domain/invitations/status";

export function StatusBadge({ status }: { status: InvitationStatus }) {
  const tone = statusTone(status);
  return (
    <span className={`badge${tone === "neutral" ? "" : ` ${tone}`}`} data-status={status}>
      {STATUS_LABELS[status]}
    </span>
  );
}
