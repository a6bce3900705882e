import type { InvitationStatus } from "@/lib/domain/invitations/status";
import { StatusBadge } from "./status-badge";
import styles from "./invitations.module.css";
import eventStyles from "@/components/events/events.module.css";

export interface InvitationDetailView {
  email: string;
  name: string;
  status: InvitationStatus;
  fields: Record<string, string>;
  delivery: { state: string; at: number | null; providerId: string | null; simulated: boolean; error: string | null };
  linkNumber: number;
  linkExpiresAt: number;
  answeredAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** One provider webhook report about one of the invitation's emails. */
export interface ReportView {
  at: number;
  /** "Delivered", "Hard bounce" … */
  kind: string;
  /** "SendGrid", "Resend". */
  provider: string;
  /** Which email: the current link's, an older one's, or a confirmation. */
  email: string;
  detail: string | null;
  danger: boolean;
}

export interface AttemptView {
  /** Which email of the invitation: its invitation, a confirmation, a reminder (or a test send). */
  kind: string;
  at: number;
  outcome: string;
  providerId: string | null;
  attempt: number;
  latencyMs: number | null;
  errorClass: string | null;
  message: string | null;
  simulated: boolean;
}

/** One reminder of the guest, as the timeline shows it. */
export interface ReminderView {
  /** "3 days before the RSVP deadline", "Remind now, 2026-12-01". */
  label: string;
  state: string;
  createdAt: number;
  completedAt: number | null;
  /** Why it was cancelled or failed. */
  reason: string | null;
}

const KIND_LABELS: Record<string, string> = { invitation: "Invitation", confirmation: "Confirmation", reminder: "Reminder", test: "Test send" };
const REMINDER_STATES: Record<string, string> = {
  pending: "waiting to go out",
  retry: "waiting to be retried",
  completed: "sent",
  failed: "failed",
  cancelled: "not sent",
};

const when = (ms: number) => new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" }).format(ms) + " UTC";

export function InvitationDetails({ invitation: i }: { invitation: InvitationDetailView }) {
  const fields = Object.entries(i.fields);
  return (
    <dl className={`card ${eventStyles.details}`}>
      <dt>Email</dt>
      <dd>{i.email}</dd>
      <dt>Name</dt>
      <dd>{i.name || <span className="muted">(none)</span>}</dd>
      <dt>Status</dt>
      <dd>
        <StatusBadge status={i.status} />
      </dd>
      <dt>Delivery</dt>
      <dd>
        {i.delivery.state}
        {i.delivery.simulated ? " (simulated)" : ""}
        {i.delivery.providerId ? ` via ${i.delivery.providerId}` : ""}
        {i.delivery.at !== null ? `, ${when(i.delivery.at)}` : ""}
        {i.delivery.error ? <div className="error-text">{i.delivery.error}</div> : null}
      </dd>
      <dt>Link</dt>
      <dd>
        Link no. {i.linkNumber}, works until {when(i.linkExpiresAt)}
      </dd>
      <dt>Answered</dt>
      <dd>{i.answeredAt === null ? "Not yet" : when(i.answeredAt)}</dd>
      <dt>Invited</dt>
      <dd>{when(i.createdAt)}</dd>
      <dt>Last change</dt>
      <dd>{when(i.updatedAt)}</dd>
      {fields.map(([key, value]) => (
        <FieldRow key={key} name={key} value={value} />
      ))}
    </dl>
  );
}

function FieldRow({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>
        <code>{name}</code>
      </dt>
      <dd>{value}</dd>
    </>
  );
}

/** A plain record of what the queue did, newest first. */
export function AttemptList({ attempts }: { attempts: AttemptView[] }) {
  if (attempts.length === 0) return <p className="muted">No delivery attempts yet.</p>;
  return (
    <ol className={styles.attempts} data-testid="attempts">
      {attempts.map((a, index) => (
        <li key={`${a.at}-${a.attempt}-${index}`}>
          <strong>{a.outcome}</strong> · {KIND_LABELS[a.kind] ?? a.kind}
          {a.simulated && a.outcome !== "simulated" ? " (simulated)" : ""} · attempt {a.attempt}
          {a.providerId ? ` · ${a.providerId}` : ""}
          {a.latencyMs !== null ? ` · ${a.latencyMs} ms` : ""}
          <div className="muted">{when(a.at)}</div>
          {a.message ? (
            <div className={a.outcome === "sent" || a.outcome === "simulated" ? "muted" : "error-text"}>
              {a.errorClass ? `${a.errorClass}: ` : ""}
              {a.message}
            </div>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

/** The guest's reminders, newest first: which rule or "remind now", and what became of each. */
export function ReminderList({ reminders }: { reminders: ReminderView[] }) {
  if (reminders.length === 0) return <p className="muted">No reminders for this guest.</p>;
  return (
    <ol className={styles.attempts} data-testid="reminders">
      {reminders.map((r, index) => (
        <li key={`${r.createdAt}-${index}`}>
          <strong>{r.label}</strong> · {REMINDER_STATES[r.state] ?? r.state}
          <div className="muted">
            Queued {when(r.createdAt)}
            {r.completedAt !== null && r.state === "completed" ? `, sent ${when(r.completedAt)}` : ""}
          </div>
          {r.reason ? <div className="muted">{r.reason}</div> : null}
        </li>
      ))}
    </ol>
  );
}

/** What providers reported after the send, newest first. */
export function ReportList({ reports }: { reports: ReportView[] }) {
  if (reports.length === 0) return <p className="muted">No report from a provider yet.</p>;
  return (
    <ol className={styles.attempts} data-testid="reports">
      {reports.map((r, index) => (
        <li key={`${r.at}-${index}`}>
          <strong className={r.danger ? "error-text" : undefined}>{r.kind}</strong> · {r.provider} · {r.email}
          <div className="muted">{when(r.at)}</div>
          {r.detail ? <div className={r.danger ? "error-text" : "muted"}>{r.detail}</div> : null}
        </li>
      ))}
    </ol>
  );
}
