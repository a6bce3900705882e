import { docRef, type CollectionDef, type Snapshot } from "@/lib/adapters/firestore/collection";
import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections, type EventDoc, type InvitationDoc, type JobDoc, type ParticipantDoc } from "@/lib/adapters/firestore/schemas";
import { isWaiting, WAITING_JOB_STATES } from "@/lib/domain/delivery/job";
import { ALL_REGISTRY_SHARDS, leasedJobIds, leaseExpired } from "@/lib/domain/delivery/lease";
import { COUNTER_KEYS, sumCounts } from "@/lib/domain/invitations/counters";
import { ALL_SUPPRESSION_SHARDS, suppressionSlot, type SuppressionEntry } from "@/lib/domain/suppression";
import type { Clock } from "@/lib/ports/clock";
import { countable } from "./invitations";
import { RUNTIME_SETTINGS } from "./settings";
import { suppressionKeyOf, suppressionShardRef } from "./suppression";

/**
 * The invariant checker behind `npm run doctor` and the fault suite: reads what the queue and the answers
 * wrote and reports every place where Herald's promises do not hold. Read-only, and bounded: it stops at
 * `maxReads` documents and says the report is partial.
 *
 * The invariants:
 * - counters: each event's counters equal the sum over its invitations (lib/domain/invitations/counters.ts);
 * - delivery: each invitation's delivery agrees with its current job (sent ⇔ completed, failed/bounced ⇔
 *   failed, queued ⇔ waiting; a completed job's email may since have been reported bounced by the provider),
 *   and the current job exists;
 * - no waiting job to a suppressed address: the drain fails such a job the first time it is due, so one still
 *   waiting well after both its due time and the suppression means the rule was bypassed (or no drain runs);
 * - no waiting job that must never be sent: a replaced link, a revoked invitation, a deleted event, a
 *   confirmation for an answer that no longer stands;
 * - every waiting job visibly waits: due now, or later with a reason; jobs in a dead drain's lease are reported;
 * - participants: exactly the accepted invitations have one;
 * - reminders: at most one per guest per rule (made through its deterministic id), and none sent after the guest
 *   had answered or been revoked. A reminder still waiting for a guest who has since answered is a warning, not a
 *   violation: answering does not cancel reminders, the drain's last check before sending does.
 */

export interface Finding {
  check:
    | "counters"
    | "delivery"
    | "current-job"
    | "waiting-job"
    | "participant"
    | "confirmation"
    | "reminder"
    | "waiting-reason"
    | "stuck"
    | "lease"
    | "suppressed"
    | "suppression-size"
    | "webhook-inbox";
  path: string;
  detail: string;
}

export interface DoctorReport {
  violations: Finding[];
  /** Worth a look, not broken by themselves (a halted queue leaves jobs overdue, say). */
  warnings: Finding[];
  checked: { events: number; invitations: number; jobs: number; participants: number };
  reads: number;
  /** True when maxReads stopped the check before it read everything. */
  partial: boolean;
}

/** A due job nobody has claimed for this long suggests no drain is running. */
const OVERDUE_MS = 10 * 60_000;
/**
 * Longer than any send takes. The drain checks a reminder against the invitation right before sending it, so a
 * reminder may complete after an answer that came while it was on its way, never this long after one.
 */
const SEND_WINDOW_MS = 5 * 60_000;

/** Entries per suppression shard past which the 1 MiB document limit comes into view (about 4,000 fit). */
const SUPPRESSION_SHARD_WARN = 3_000;
const PAGE = 500;

class ReadBudget extends Error {}

export async function checkInvariants(
  db: MeteredFirestore,
  clock: Clock,
  options: { maxReads?: number; eventIds?: string[] } = {},
): Promise<DoctorReport> {
  const maxReads = options.maxReads ?? 50_000;
  const startReads = db.meter.lifetimeTotals().reads;
  const reads = () => db.meter.lifetimeTotals().reads - startReads;
  const report: DoctorReport = { violations: [], warnings: [], checked: { events: 0, invitations: 0, jobs: 0, participants: 0 }, reads: 0, partial: false };
  const violation = (f: Finding) => report.violations.push(f);
  const warning = (f: Finding) => report.warnings.push(f);
  const now = clock.now();

  /** Every document of a collection matching `where`, a page at a time, within the read budget. */
  async function all<T>(collection: CollectionDef<T>, where: [string, "==" | "in", unknown][]): Promise<Snapshot<T>[]> {
    const out: Snapshot<T>[] = [];
    for (let after: string | undefined; ; ) {
      if (reads() + PAGE > maxReads) throw new ReadBudget();
      const page = await db.query("doctor.read", collection, { where, orderBy: [["__name__", "asc"]], startAfter: after ? [after] : undefined, limit: PAGE });
      out.push(...page);
      if (page.length < PAGE) return out;
      after = page[page.length - 1]!.id;
    }
  }

  try {
    const shards = await db.getAll("doctor.read", ALL_REGISTRY_SHARDS.map((id) => docRef(collections.queue, id)));
    const views = shards.map((s, i) => ({ id: ALL_REGISTRY_SHARDS[i]!, leases: s?.data.leases ?? {}, drains: s?.data.drains ?? {} }));
    const leased = leasedJobIds(views);
    const [suppressionShards, runtime] = await Promise.all([
      db.getAll("doctor.read", ALL_SUPPRESSION_SHARDS.map(suppressionShardRef)),
      db.get("doctor.read", RUNTIME_SETTINGS),
    ]);
    const suppressionEntries = new Map(suppressionShards.map((snap, i) => [ALL_SUPPRESSION_SHARDS[i]!, snap?.data.entries ?? {}]));
    for (const [shard, entries] of suppressionEntries) {
      const n = Object.keys(entries).length;
      if (n > SUPPRESSION_SHARD_WARN) {
        warning({ check: "suppression-size", path: `suppressions/${shard}`, detail: `${n} entries: near the 1 MiB a document holds; new bounces will fail to record beyond about 4,000` });
      }
    }
    const suppressed = (email: string): SuppressionEntry | null => {
      const { shard, field } = suppressionSlot(suppressionKeyOf(email));
      return suppressionEntries.get(shard)?.[field] ?? null;
    };
    const halted = runtime?.data.halted ?? false;
    // Provider reports the scheduled run has not applied: it applies the inbox first thing in every run.
    const unapplied = await db.query("doctor.read", collections.webhookInbox, {
      where: [["receivedAt", "<=", new Date(now.getTime() - OVERDUE_MS)]],
      orderBy: [["receivedAt", "asc"]],
      limit: 20,
    });
    for (const doc of unapplied) {
      warning({
        check: "webhook-inbox",
        path: `webhookInbox/${doc.id}`,
        detail: `${doc.data.reports.length} ${doc.data.provider} reports received at ${doc.data.receivedAt.toISOString()} and not applied: is the worker or the scheduled function running? (A report about an email whose outcome was never recorded waits up to a day.)`,
      });
    }
    for (const view of views) {
      for (const [leaseId, lease] of Object.entries(view.leases)) {
        if (leaseExpired(lease, now, OVERDUE_MS)) {
          warning({ check: "lease", path: `queue/${view.id}`, detail: `lease ${leaseId} of ${lease.owner} expired at ${lease.expiresAt.toISOString()} holding ${Object.keys(lease.jobs).length} jobs: no drain has taken them over` });
        }
      }
    }

    const events: Snapshot<EventDoc>[] = options.eventIds
      ? (await db.getAll("doctor.read", options.eventIds.map((id) => docRef(collections.events, id)))).flatMap((e) => (e ? [e] : []))
      : await all(collections.events, []);
    const eventIds = new Set(events.map((e) => e.id));
    for (const event of events) {
      const [invitations, jobs, participants] = [
        await all(collections.invitations, [["eventId", "==", event.id]]),
        await all(collections.jobs, [["eventId", "==", event.id]]),
        await all(collections.participants, [["eventId", "==", event.id]]),
      ];
      checkEvent(event, invitations, jobs, participants, { now, leased, suppressed, halted, violation, warning });
      report.checked.events++;
      report.checked.invitations += invitations.length;
      report.checked.jobs += jobs.length;
      report.checked.participants += participants.length;
    }
    if (!options.eventIds) {
      // Jobs still waiting for an event that no longer exists would be sent for nothing (or never finish).
      for (const job of await all(collections.jobs, [["state", "in", [...WAITING_JOB_STATES]]])) {
        if (!eventIds.has(job.data.eventId)) {
          violation({ check: "waiting-job", path: `jobs/${job.id}`, detail: `waiting, but its event ${job.data.eventId} no longer exists` });
        }
      }
    }
  } catch (error) {
    if (!(error instanceof ReadBudget)) throw error;
    report.partial = true;
  }
  report.reads = reads();
  return report;
}

function checkEvent(
  event: Snapshot<EventDoc>,
  invitations: Snapshot<InvitationDoc>[],
  jobs: Snapshot<JobDoc>[],
  participants: Snapshot<ParticipantDoc>[],
  ctx: {
    now: Date;
    leased: ReadonlySet<string>;
    suppressed: (email: string) => SuppressionEntry | null;
    halted: boolean;
    violation: (f: Finding) => void;
    warning: (f: Finding) => void;
  },
) {
  const { violation, warning, now } = ctx;
  const live = event.data.lifecycle === "active";
  const expected = sumCounts(invitations.map((i) => countable(i.data)));
  const wrong = COUNTER_KEYS.filter((k) => expected[k] !== event.data.counters[k]);
  if (wrong.length > 0) {
    violation({ check: "counters", path: `events/${event.id}`, detail: wrong.map((k) => `${k} is ${event.data.counters[k]}, its invitations say ${expected[k]}`).join("; ") });
  }

  const jobById = new Map(jobs.map((j) => [j.id, j.data]));
  const invitationById = new Map(invitations.map((i) => [i.id, i.data]));
  const participantIds = new Set(participants.map((p) => p.id));

  for (const { id, data: inv } of invitations) {
    const path = `invitations/${id}`;
    const job = jobById.get(inv.jobId);
    if (!job) {
      violation({ check: "current-job", path, detail: `its current job ${inv.jobId} does not exist` });
    } else if (inv.status !== "revoked") {
      // A provider's webhook may report a sent email bounced (or failed) later: then the delivery says so.
      const reportedFailure = inv.delivery.reported === "soft_bounce" || inv.delivery.reported === "hard_bounce" || inv.delivery.reported === "complaint";
      const expectedDelivery =
        job.state === "completed"
          ? reportedFailure
            ? ["failed", "bounced"]
            : ["sent"]
          : job.state === "failed"
            ? ["failed", "bounced"]
            : isWaiting(job.state)
              ? ["queued"]
              : [];
      if (job.state === "cancelled" && live) {
        violation({ check: "delivery", path, detail: `its current job ${inv.jobId} was cancelled, so its link is never mailed` });
      } else if (job.state !== "cancelled" && !expectedDelivery.includes(inv.delivery.state)) {
        violation({ check: "delivery", path, detail: `delivery says ${inv.delivery.state} but its current job ${inv.jobId} is ${job.state}` });
      }
    }
    const going = inv.status === "accepted";
    if (going !== participantIds.has(id)) {
      violation({ check: "participant", path, detail: going ? "accepted but has no participant record" : `${inv.status} but still has a participant record` });
    }
  }
  for (const p of participants) {
    if (!invitationById.has(p.id)) violation({ check: "participant", path: `participants/${p.id}`, detail: "no invitation for this participant" });
  }

  const waitingConfirmations = new Map<string, string[]>();
  for (const { id, data: job } of jobs) {
    if (!isWaiting(job.state)) continue;
    const path = `jobs/${id}`;
    const inv = invitationById.get(job.invitationId);
    if (!live) {
      // A deletion in progress removes these next; only a live event's jobs must be right.
      continue;
    }
    if (!inv) {
      violation({ check: "waiting-job", path, detail: "waiting, but its invitation no longer exists" });
      continue;
    }
    if (job.kind === "reminder") {
      const stale = staleReminder(job, inv);
      if (stale) warning({ check: "reminder", path, detail: `waiting, but ${stale}: the drain cancels it when it comes due` });
    } else if (inv.status === "revoked") {
      violation({ check: "waiting-job", path, detail: "waiting, but its invitation was revoked" });
    }
    if (job.kind === "invitation" && inv.jobId !== id) violation({ check: "waiting-job", path, detail: `waiting, but a newer link (${inv.jobId}) replaced it` });
    if (job.kind === "confirmation") {
      waitingConfirmations.set(job.invitationId, [...(waitingConfirmations.get(job.invitationId) ?? []), id]);
      if (inv.status !== job.answer || inv.confirmationJobId !== id) {
        violation({ check: "confirmation", path, detail: `confirms "${job.answer}" but the guest's answer is now ${inv.status}` });
      }
    }
    if (job.state === "retry" && !job.waitingReason) violation({ check: "waiting-reason", path, detail: "waiting to retry with no reason shown" });
    const entry = ctx.suppressed(job.to.email);
    // The drain fails such a job at its first send; the grace covers the minute between runs (and a halt stops them).
    if (entry && !ctx.halted && !ctx.leased.has(id) && Math.max(entry.at.getTime(), job.dueAt.getTime()) < now.getTime() - OVERDUE_MS) {
      violation({ check: "suppressed", path, detail: `waiting to mail ${job.to.email}, suppressed since ${entry.at.toISOString()}` });
    }
    if (job.dueAt.getTime() < now.getTime() - OVERDUE_MS && !ctx.leased.has(id)) {
      warning({ check: "stuck", path, detail: `due since ${job.dueAt.toISOString()} and no drain has it: is the worker or the scheduled function running, or sending halted?` });
    }
  }
  for (const [invitationId, ids] of waitingConfirmations) {
    if (ids.length > 1) violation({ check: "confirmation", path: `invitations/${invitationId}`, detail: `${ids.length} confirmations pending at once: ${ids.join(", ")}` });
  }
  checkReminders(jobs, invitationById, violation);
}

function staleReminder(job: JobDoc, inv: InvitationDoc): string | null {
  if (inv.status === "accepted" || inv.status === "declined") return "the guest has answered";
  if (inv.status === "revoked") return "the invitation was revoked";
  if (inv.tokenVersion !== job.tokenVersion) return "a newer link replaced the one it carries";
  return null;
}

/** At most one reminder per guest per rule, and none sent to a guest who had answered or been revoked. */
function checkReminders(jobs: Snapshot<JobDoc>[], invitationById: ReadonlyMap<string, InvitationDoc>, violation: (f: Finding) => void) {
  const perRule = new Map<string, string[]>();
  for (const { id, data: job } of jobs) {
    if (job.kind !== "reminder") continue;
    const path = `jobs/${id}`;
    if (!job.reminderKey || id !== `${job.invitationId}-${job.reminderKey}`) {
      violation({ check: "reminder", path, detail: "not made under its deterministic id (<invitation>-<rule>), so nothing stops a second one" });
    }
    if (job.state !== "cancelled" && job.state !== "failed") {
      const key = `${job.invitationId}/${job.reminderKey}`;
      perRule.set(key, [...(perRule.get(key) ?? []), id]);
    }
    const inv = invitationById.get(job.invitationId);
    if (job.state !== "completed" || !job.completedAt || !inv) continue;
    const stoppedAt = inv.status === "accepted" || inv.status === "declined" ? inv.answeredAt : inv.status === "revoked" ? inv.updatedAt : null;
    if (stoppedAt && stoppedAt.getTime() < job.completedAt.getTime() - SEND_WINDOW_MS) {
      violation({ check: "reminder", path, detail: `sent at ${job.completedAt.toISOString()}, after the guest was ${inv.status} at ${stoppedAt.toISOString()}` });
    }
  }
  for (const [key, ids] of perRule) {
    if (ids.length > 1) violation({ check: "reminder", path: `invitations/${key.split("/")[0]}`, detail: `${ids.length} reminders for one rule: ${ids.join(", ")}` });
  }
}

/** The report as an operator reads it. */
export function formatReport(report: DoctorReport): string {
  const lines: string[] = [];
  const { checked } = report;
  lines.push(
    `Checked ${checked.events} events, ${checked.invitations} invitations, ${checked.jobs} queue jobs and ${checked.participants} participants (${report.reads} reads).`,
  );
  if (report.partial) lines.push("PARTIAL: the read limit was reached before everything was checked (raise --max-reads).");
  lines.push(report.violations.length === 0 ? "No violations." : `${report.violations.length} violation(s):`);
  for (const v of report.violations) lines.push(`  ✗ [${v.check}] ${v.path}: ${v.detail}`);
  if (report.warnings.length > 0) lines.push(`${report.warnings.length} warning(s):`);
  for (const w of report.warnings) lines.push(`  ! [${w.check}] ${w.path}: ${w.detail}`);
  return lines.join("\n");
}
