import type { JobState } from "../delivery/job";
import type { JobKind } from "../delivery/job-kinds";

/**
 * One guest's story at one event, in the order it happened: each email queued (invitation, resends,
 * confirmations), every attempt at it, what became of it, the first time the link was opened, and every
 * answer. Built from documents Herald keeps anyway (the invitation, its jobs, the drain's audit entries), so
 * the timeline costs reads only when an operator opens it.
 */

export interface TimelineInvitation {
  createdAt: Date;
  openedAt: Date | null;
  answers: { status: "accepted" | "declined"; at: Date }[];
  /** For invitations answered before answers were recorded one by one. */
  status: string;
  answeredAt: Date | null;
}

export interface TimelineJob {
  id: string;
  kind: JobKind;
  state: JobState;
  tokenVersion: number;
  createdAt: Date;
  completedAt: Date | null;
  updatedAt: Date;
  sentBy: string | null;
  simulated: boolean;
  waitingReason: string | null;
  lastError: { errorClass: string; message: string; providerId: string | null } | null;
}

export interface TimelineAttempt {
  at: Date;
  jobId: string;
  providerId: string | null;
  outcome: string;
  errorClass: string | null;
  message: string | null;
  latencyMs: number | null;
  attempt: number;
  idempotencyKey: string;
  resumed: boolean;
}

export type TimelineEntry =
  | { type: "queued"; at: Date; job: TimelineJob }
  | { type: "attempt"; at: Date; jobKind: JobKind; attempt: TimelineAttempt }
  | { type: "sent"; at: Date; job: TimelineJob }
  | { type: "failed"; at: Date; job: TimelineJob; bounced: boolean }
  | { type: "cancelled"; at: Date; job: TimelineJob }
  | { type: "waiting"; at: Date; job: TimelineJob }
  | { type: "opened"; at: Date }
  | { type: "answered"; at: Date; status: "accepted" | "declined"; changed: boolean };

/** Within one instant, the natural order of a story: queued, tried, settled, opened, answered. */
const ORDER: Record<TimelineEntry["type"], number> = { queued: 0, attempt: 1, sent: 2, failed: 2, cancelled: 2, waiting: 3, opened: 4, answered: 5 };

export function buildTimeline(input: {
  invitation: TimelineInvitation;
  jobs: readonly TimelineJob[];
  attempts: readonly TimelineAttempt[];
}): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const kindOf = new Map(input.jobs.map((j) => [j.id, j.kind]));
  for (const job of input.jobs) {
    entries.push({ type: "queued", at: job.createdAt, job });
    const bounced = input.attempts.some((a) => a.jobId === job.id && a.outcome === "bounced");
    switch (job.state) {
      case "completed":
        entries.push({ type: "sent", at: job.completedAt ?? job.updatedAt, job });
        break;
      case "failed":
        entries.push({ type: "failed", at: job.completedAt ?? job.updatedAt, job, bounced });
        break;
      case "cancelled":
        entries.push({ type: "cancelled", at: job.updatedAt, job });
        break;
      default:
        entries.push({ type: "waiting", at: job.updatedAt, job });
    }
  }
  for (const attempt of input.attempts) {
    entries.push({ type: "attempt", at: attempt.at, jobKind: kindOf.get(attempt.jobId) ?? "invitation", attempt });
  }
  const { invitation } = input;
  if (invitation.openedAt) entries.push({ type: "opened", at: invitation.openedAt });
  const stored: "accepted" | "declined" | null =
    invitation.status === "accepted" ? "accepted" : invitation.status === "declined" ? "declined" : null;
  const answers =
    invitation.answers.length > 0
      ? invitation.answers
      : invitation.answeredAt && stored
        ? [{ status: stored, at: invitation.answeredAt }]
        : [];
  [...answers]
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .forEach((a, i) => entries.push({ type: "answered", at: a.at, status: a.status, changed: i > 0 }));
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime() || ORDER[a.type] - ORDER[b.type]);
}
