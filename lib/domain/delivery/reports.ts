/**
 * What providers tell Herald after a send (SendGrid's event webhook, Resend's signed webhooks), normalised, and
 * how each report changes an invitation's delivery.
 *
 * Webhooks arrive late, out of order and more than once, so the merge is a join: every report can only make a
 * delivery "stronger" (sent < failed < bounced for the state; deferred < delivered < soft bounce < hard bounce <
 * complaint for the strongest report seen). Applying the same reports in any order, any number of times, gives
 * the same delivery: a late "delivered" never overwrites a "bounced", and a replay changes nothing.
 */

export const REPORT_KINDS = ["deferred", "delivered", "soft_bounce", "hard_bounce", "complaint"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const WEBHOOK_PROVIDERS = ["sendgrid", "resend"] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/** One provider event about one email Herald sent. */
export interface ProviderReport {
  provider: WebhookProvider;
  /** The provider's own id of this event (SendGrid sg_event_id, Resend's svix-id): replays carry the same one. */
  eventId: string;
  /** The queue job whose email this is: Herald sends it as SendGrid custom arg and as a Resend tag. */
  jobId: string;
  kind: ReportKind;
  /** When the provider says it happened. */
  at: Date;
  /** The provider's words (bounce reason, SMTP response), cut to a readable length. */
  detail: string | null;
  /** The recipient as the provider reports it, for a bounce whose invitation no longer exists. */
  email: string | null;
}

export type DeliveredState = "sent" | "failed" | "bounced";

const STATE_STRENGTH: Record<DeliveredState, number> = { sent: 0, failed: 1, bounced: 2 };
const REPORT_STRENGTH: Record<ReportKind, number> = { deferred: 1, delivered: 2, soft_bounce: 3, hard_bounce: 4, complaint: 5 };

/** The state a report says the email is in. */
const IMPLIED_STATE: Record<ReportKind, DeliveredState> = {
  deferred: "sent",
  delivered: "sent",
  soft_bounce: "failed",
  hard_bounce: "bounced",
  complaint: "bounced",
};

export const REPORT_LABELS: Record<ReportKind, string> = {
  deferred: "Deferred",
  delivered: "Delivered",
  soft_bounce: "Soft bounce",
  hard_bounce: "Hard bounce",
  complaint: "Spam complaint",
};

export const PROVIDER_LABELS: Record<WebhookProvider, string> = { sendgrid: "SendGrid", resend: "Resend" };

/** Hard bounces and complaints say the address must not be mailed again: it goes on the suppression list. */
export function suppresses(kind: ReportKind): kind is "hard_bounce" | "complaint" {
  return kind === "hard_bounce" || kind === "complaint";
}

export interface DeliveryFacts {
  state: DeliveredState;
  reported: ReportKind | null;
  error: string | null;
}

/** What the organiser reads next to a failed or bounced guest. */
export function reportMessage(report: Pick<ProviderReport, "provider" | "kind" | "detail">): string {
  const what =
    report.kind === "complaint"
      ? "The guest marked the email as spam"
      : `${REPORT_LABELS[report.kind]} reported by ${PROVIDER_LABELS[report.provider]}`;
  return report.detail ? `${what}: ${report.detail}` : what;
}

/**
 * The delivery after `report`, for the email carrying the invitation's current link once the queue has recorded
 * its outcome (a delivery still "queued" is not merged into: the caller waits for the queue). Null when nothing
 * changes.
 */
export function mergeReport(current: DeliveryFacts, report: Pick<ProviderReport, "provider" | "kind" | "detail">): DeliveryFacts | null {
  const implied = IMPLIED_STATE[report.kind];
  const state = STATE_STRENGTH[implied] > STATE_STRENGTH[current.state] ? implied : current.state;
  const stronger = current.reported === null || REPORT_STRENGTH[report.kind] > REPORT_STRENGTH[current.reported];
  const reported = stronger ? report.kind : current.reported;
  if (state === current.state && reported === current.reported) return null;
  // The reason shown is the report that made the state what it is; a report that only confirms a delivery
  // leaves the drain's own message (if any) alone.
  const error = state !== current.state || (stronger && implied === state && state !== "sent") ? reportMessage(report) : current.error;
  return { state, reported, error };
}

/** A provider's text as Herald stores it: one line, bounded. */
export function reportDetail(...parts: (string | null | undefined)[]): string | null {
  const text = parts
    .filter((p): p is string => typeof p === "string" && p.trim() !== "")
    .join(" ")
    // eslint-disable-next-line no-control-regex -- control characters in a provider's text would break the one-line display.
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .trim();
  if (text === "") return null;
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}

export const MAX_DETAIL = 200;

/** Reports kept on an invitation (newest last): enough for its timeline and to recognise replays. */
export const KEPT_REPORTS = 20;

/**
 * The invitation a job belongs to. Every job id starts with its invitation's id (identity.ts: "<id>-<n>",
 * confirmations "<id>-c<n>", and kinds to come follow the pattern); anything else (a provider test email, mail another app sent through the same
 * account) is not an invitation's.
 */
export function invitationIdOfJob(jobId: string): string | null {
  return /^([0-9a-f]{32})-[0-9a-z-]{1,40}$/.exec(jobId)?.[1] ?? null;
}
