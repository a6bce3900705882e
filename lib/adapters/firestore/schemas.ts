import { z } from "zod";
import { INVITATION_STATUSES } from "@/lib/domain/invitations/status";
import { JOB_STATES } from "@/lib/domain/delivery/job";
import { rememberedColumnsSchema } from "@/lib/domain/invitations/columns";
import { REMINDER_LIMITS } from "@/lib/domain/events/reminders";
import { providerHealthSchema } from "@/lib/domain/delivery/provider-health";
import { REPORT_KINDS, WEBHOOK_PROVIDERS } from "@/lib/domain/delivery/reports";
import { SUPPRESSION_KINDS, SUPPRESSION_SOURCES } from "@/lib/domain/suppression";
import { JOB_KINDS } from "@/lib/domain/delivery/job-kinds";
import { hourlyStatsSchema } from "@/lib/domain/delivery/provider-hourly";
import { autoHaltSchema, burnBudgetSchema, BURN_THRESHOLDS } from "@/lib/domain/monitor/burn";
import { defineCollection } from "./collection";

/**
 * Every collection Herald stores, declared once. Ids that carry meaning:
 * - invitations/<hash(eventId, email)>: deterministic, so two uploads of one address collide on create();
 * - participants/<invitationId>: at most one per invitation, whatever number of concurrent accepts;
 * - jobs/<invitationId>-<sendSeq> (invitations), -c<seq> (confirmations) and -r<days>d / -m<yyyymmdd>
 *   (reminders of a rule / of a "remind now" day): a retry reuses its job, a resend makes a new one;
 * - burn/<day>_<shard>, settings/runtime, queue/registry, burnHistory/daily: single documents with a known name;
 * - suppressions/shard-<n>: the suppression list, entries keyed by a hash of the address (lib/domain/suppression.ts).
 *
 * Fields added after a collection first shipped are optional rather than defaulted: documents written before
 * lack them, and so do literals built by code that predates them.
 */

const thresholdSchema = z.union(BURN_THRESHOLDS.map((t) => z.literal(t)));

const counts = z.object({
  reads: z.number().default(0),
  writes: z.number().default(0),
  deletes: z.number().default(0),
});

export const burnShardSchema = z.object({
  day: z.string(),
  shard: z.number(),
  reads: z.number().default(0),
  writes: z.number().default(0),
  deletes: z.number().default(0),
  ops: z.record(z.string(), counts).default({}),
  /** The same counts by UTC hour ("2026-06-01T17"), for the monitor's hourly chart and the day's forecast. */
  hours: z.record(z.string(), counts).default({}),
  updatedAt: z.date().optional(),
});
export type BurnShardDoc = z.infer<typeof burnShardSchema>;

/** What each counter counts, and how every write keeps it exact, is lib/domain/invitations/counters.ts. */
export const eventCountersSchema = z.object({
  invited: z.number().default(0),
  pending: z.number().default(0),
  delivered: z.number().default(0),
  accepted: z.number().default(0),
  declined: z.number().default(0),
  failed: z.number().default(0),
  revoked: z.number().default(0),
});
export type EventCounters = z.infer<typeof eventCountersSchema>;
export { ZERO_COUNTERS } from "@/lib/domain/invitations/counters";

export const personSchema = z.object({ name: z.string(), email: z.string() });

const reminderRuleSchema = z.object({ daysBefore: z.number().int().positive(), addedAt: z.date() });
/** Every field defaults, because the scheduler writes them one dotted path at a time. */
const reminderRunSchema = z.object({
  claimedBy: z.string().nullable().default(null),
  claimedUntil: z.date().nullable().default(null),
  after: z.object({ linkExpiresAt: z.date(), id: z.string() }).nullable().default(null),
  queued: z.number().int().nonnegative().default(0),
  doneAt: z.date().nullable().default(null),
});

export const eventDocSchema = z.object({
  title: z.string(),
  description: z.string().optional(),
  startsAt: z.date(),
  endsAt: z.date(),
  timezone: z.string(),
  location: z.string().optional(),
  onlineUrl: z.string().optional(),
  capacity: z.number().int().positive().nullable().default(null),
  rsvpDeadline: z.date().nullable().default(null),
  linkLifetimeDays: z.number().int().positive(),
  templateId: z.string(),
  /** Send a "sorry you can't make it" email when a guest declines (off: a decline sends nothing). */
  declineNotice: z.boolean().default(false),
  host: personSchema,
  lifecycle: z.enum(["active", "deleting"]),
  /** Bumped on every edit: calendar clients replace an entry only when SEQUENCE grows. */
  sequence: z.number().int().nonnegative(),
  counters: eventCountersSchema,
  /** How the organiser last mapped a guest list's columns, offered again for the next upload. */
  guestColumns: rememberedColumnsSchema.optional(),
  /** "Remind guests who haven't answered N days before" rules (lib/domain/events/reminders.ts); the organiser's. */
  reminderRules: z.array(reminderRuleSchema).max(REMINDER_LIMITS.maxRules).default([]),
  /**
   * The scheduler's progress per rule key, written field by field (never the whole map), so it never clobbers an
   * organiser's concurrent edit of the rules. Entries of removed rules stay: re-adding a rule does not re-send it.
   */
  reminderRuns: z.record(z.string(), reminderRunSchema).default({}),
  /** The earliest rule still to queue, or null: the scheduler's one query finds events with `nextReminderAt <= now`. */
  nextReminderAt: z.date().nullable().default(null),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type EventDoc = z.infer<typeof eventDocSchema>;

export const DELIVERY_STATES = ["queued", "sent", "failed", "bounced"] as const;
export const deliverySchema = z.object({
  state: z.enum(DELIVERY_STATES),
  at: z.date().nullable(),
  providerId: z.string().nullable(),
  simulated: z.boolean(),
  error: z.string().nullable(),
  /**
   * The strongest report a provider's webhook made about this email (lib/domain/delivery/reports.ts): a
   * "delivered" confirms a send, a bounce or complaint moved `state` to failed or bounced.
   */
  reported: z.enum(REPORT_KINDS).nullable().default(null),
  reportedAt: z.date().nullable().default(null),
});
export type Delivery = z.infer<typeof deliverySchema>;
export const QUEUED_DELIVERY: Delivery = {
  state: "queued",
  at: null,
  providerId: null,
  simulated: false,
  error: null,
  reported: null,
  reportedAt: null,
};

/** One provider webhook event about one of the invitation's emails, as recorded (newest last, a bounded few). */
export const deliveryReportSchema = z.object({
  /** "<provider>:<provider's event id>": a replayed webhook carries the same and is applied once. */
  id: z.string(),
  provider: z.enum(WEBHOOK_PROVIDERS),
  jobId: z.string(),
  kind: z.enum(REPORT_KINDS),
  at: z.date(),
  receivedAt: z.date(),
  detail: z.string().nullable(),
});
export type DeliveryReportDoc = z.infer<typeof deliveryReportSchema>;

/**
 * Provider webhook reports received and not yet applied (lib/services/webhooks.ts): one document per delivery
 * (or per slice of a large SendGrid batch), written when the request is answered and deleted once applied.
 */
export const webhookInboxSchema = z.object({
  provider: z.enum(WEBHOOK_PROVIDERS),
  reports: z.array(
    z.object({
      eventId: z.string(),
      jobId: z.string(),
      kind: z.enum(REPORT_KINDS),
      at: z.date(),
      detail: z.string().nullable(),
      email: z.string().nullable(),
    }),
  ),
  receivedAt: z.date(),
  /** When an applier should look at it next: its arrival, or later while its email's outcome is not recorded yet. */
  dueAt: z.date(),
});
export type WebhookInboxDoc = z.infer<typeof webhookInboxSchema>;

export const invitationDocSchema = z.object({
  eventId: z.string(),
  email: z.string(),
  emailKey: z.string(),
  name: z.string().default(""),
  fields: z.record(z.string(), z.string()).default({}),
  status: z.enum(INVITATION_STATUSES),
  /** HMAC of the link token; the token itself is derived at send time and never stored. */
  tokenHash: z.string(),
  tokenVersion: z.number().int().nonnegative(),
  linkExpiresAt: z.date(),
  /** The queue job that carries the current link. */
  jobId: z.string(),
  sendSeq: z.number().int().nonnegative(),
  /**
   * What the queue did with the current link's email. Kept apart from `status` (the guest's answer, or
   * revoked) so the drain can record a delivery without reading the invitation first and without ever
   * overwriting an answer that arrived meanwhile.
   */
  delivery: deliverySchema,
  answeredAt: z.date().nullable().default(null),
  /** Bumped on every change of answer; a confirmation job confirms one answerSeq. */
  answerSeq: z.number().int().nonnegative().default(0),
  /** The confirmation job of the answer that stands, while it may still be sent; null when there is none. */
  confirmationJobId: z.string().nullable().default(null),
  /** When confirmations were sent (the last day's worth): the per-guest daily limit counts these. */
  confirmationsSent: z.array(z.date()).default([]),
  /** What providers reported about this invitation's emails: its timeline, and how replays are recognised. */
  deliveryReports: z.array(deliveryReportSchema).default([]),
  /**
   * The first time the invitation page was opened (any link of this invitation). Written once, conditionally,
   * by the page's GET: a mail scanner opening the link sets it too, which is why it says "opened", not "read".
   */
  openedAt: z.date().nullable().optional(),
  /** Every answer in order, so the tracker can show "accepted, then declined". Appended by the answer itself. */
  answers: z.array(z.object({ status: z.enum(["accepted", "declined"]), at: z.date() })).optional(),
  /**
   * The request that wrote the standing answer, and what it was told. A transaction whose commit landed but whose
   * reply was lost is run again by the client library; finding its own request here, it tells the guest what the
   * commit did ("accepted"), not "already accepted".
   */
  lastAnswer: z.object({ request: z.string(), outcome: z.enum(["accepted", "declined", "changed"]) }).nullable().optional(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type InvitationDoc = z.infer<typeof invitationDocSchema>;

export const participantDocSchema = z.object({
  eventId: z.string(),
  invitationId: z.string(),
  email: z.string(),
  name: z.string(),
  acceptedAt: z.date(),
});
export type ParticipantDoc = z.infer<typeof participantDocSchema>;

export { JOB_KINDS, type JobKind } from "@/lib/domain/delivery/job-kinds";

export const jobDocSchema = z.object({
  kind: z.enum(JOB_KINDS),
  priority: z.enum(["high", "normal", "low"]),
  /** Numeric rank of the priority (0 = high) so one composite index orders the queue. */
  rank: z.number().int(),
  /** The queue partition the job is claimed from (lib/domain/delivery/lease.ts): all of an invitation's jobs share one. */
  shard: z.number().int().nonnegative().default(0),
  state: z.enum(JOB_STATES),
  eventId: z.string(),
  invitationId: z.string(),
  to: personSchema,
  /**
   * The lower-cased recipient address, so the Sent Tracker's search is a prefix range on one indexed field.
   * Jobs queued before it existed lack it and are not found by a search.
   */
  recipientKey: z.string().optional(),
  /** The guest's template variables (CSV columns), copied here so sending needs no invitation read. */
  fields: z.record(z.string(), z.string()).default({}),
  tokenVersion: z.number().int().nonnegative(),
  /** Confirmations: the answer this email confirms; it is sent only while that answer stands. */
  answer: z.enum(["accepted", "declined"]).nullable().default(null),
  /** Reminders: the rule (`r7d`) or the day of a "remind now" (`m20261201`) it belongs to; the id ends with it. */
  reminderKey: z.string().nullable().default(null),
  /** For test sends: which provider to use; otherwise the engine picks. */
  providerId: z.string().nullable().default(null),
  attempts: z.number().int().nonnegative(),
  deferrals: z.number().int().nonnegative().default(0),
  dueAt: z.date(),
  /** Why a job that is not terminal is not being sent right now (shown to admins). */
  waitingReason: z.string().nullable().default(null),
  lastError: z
    .object({ errorClass: z.string(), message: z.string(), providerId: z.string().nullable() })
    .nullable()
    .default(null),
  avoidProviderId: z.string().nullable().default(null),
  sentBy: z.string().nullable().default(null),
  simulated: z.boolean().default(false),
  createdAt: z.date(),
  updatedAt: z.date(),
  completedAt: z.date().nullable().default(null),
});
export type JobDoc = z.infer<typeof jobDocSchema>;

export const leaseSchema = z.object({
  owner: z.string(),
  claimedAt: z.date(),
  expiresAt: z.date(),
  /**
   * Job id → the job's version when it was claimed. A job whose version is unchanged when the lease has
   * expired was never recorded by its drain, so the next drain resumes it; any write since means it was.
   */
  jobs: z.record(z.string(), z.string()),
  /** Per priority rank, the last job this claim took: later claims start after it instead of re-reading. */
  cursor: z.record(z.string(), z.object({ dueAt: z.date(), id: z.string() })).default({}),
});
export type StoredLease = z.infer<typeof leaseSchema>;

/**
 * One partition's claim registry (queue/registry-<n>): which of its jobs are in flight, under which drain's
 * lease. Claiming writes one registry document per chunk instead of one lease write per job, which keeps
 * delivery at about two writes per email; with the claims spread over the partitions, each document stays
 * well under Firestore's sustained one write per second, and drains on different partitions never contend.
 */
export const queueRegistrySchema = z.object({
  leases: z.record(z.string(), leaseSchema).default({}),
  /** Drains seen recently, so each takes an even share of every provider's rate limit. */
  drains: z.record(z.string(), z.date()).default({}),
});
export type QueueRegistry = z.infer<typeof queueRegistrySchema>;

export const auditEntrySchema = z.object({
  at: z.date(),
  jobId: z.string(),
  invitationId: z.string(),
  eventId: z.string(),
  kind: z.enum(JOB_KINDS),
  providerId: z.string().nullable(),
  outcome: z.enum(["sent", "simulated", "retry", "failed", "bounced", "cancelled", "waiting"]),
  errorClass: z.string().nullable(),
  message: z.string().nullable(),
  latencyMs: z.number().nullable(),
  attempt: z.number().int(),
  /** The key the provider saw; the same across a crash and its re-send. */
  idempotencyKey: z.string(),
  resumed: z.boolean().default(false),
  /**
   * The job changed while this attempt was under way (cancelled, replaced, deleted), so the attempt is kept
   * here as history but not recorded on the job, the invitation or the counters.
   */
  superseded: z.boolean().default(false),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/**
 * Append-only. One document per outcome batch of a drain (up to ~100 attempts), with the ids repeated in
 * arrays so "every attempt of this invitation" is one array-contains query.
 */
export const auditDocSchema = z.object({
  at: z.date(),
  drainId: z.string(),
  entries: z.array(auditEntrySchema),
  invitationIds: z.array(z.string()),
  eventIds: z.array(z.string()),
});
export type AuditDoc = z.infer<typeof auditDocSchema>;

export const encryptedSchema = z.object({ iv: z.string(), tag: z.string(), data: z.string() });
export type Encrypted = z.infer<typeof encryptedSchema>;

export const providerDocSchema = z.object({
  name: z.string(),
  kind: z.enum(["smtp", "sendgrid", "resend"]),
  enabled: z.boolean(),
  priority: z.number().int(),
  fromEmail: z.string(),
  fromName: z.string().default("Herald"),
  dailyQuota: z.number().int().positive().nullable(),
  resetTime: z.string(),
  timezone: z.string(),
  ratePerSecond: z.number().positive().nullable().default(null),
  ratePerMinute: z.number().positive().nullable().default(null),
  /** Non-secret connection settings (host, port, TLS options, base URL). */
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** Password or API key, AES-256-GCM encrypted with HERALD_CREDENTIALS_KEY. */
  secret: encryptedSchema.nullable(),
  /**
   * What verifies this provider's webhooks, encrypted like the secret: SendGrid's verification key (public,
   * but it decides what Herald believes), Resend's signing secret.
   */
  webhookKey: encryptedSchema.nullable().default(null),
  health: providerHealthSchema,
  /** Sends per UTC hour over the last day (the burn monitor's sparkline), persisted with health. */
  hourly: hourlyStatsSchema.optional(),
  usage: z
    .object({
      periodKey: z.string(),
      sent: z.number(),
      /** Quota units reserved by running drains, so drains running at once never spend the same units. */
      grants: z.record(z.string(), z.object({ units: z.number().int().nonnegative(), expiresAt: z.date() })).default({}),
    })
    .nullable()
    .default(null),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type ProviderDoc = z.infer<typeof providerDocSchema>;

export const TEMPLATE_KINDS = ["invitation", "reminder", "acceptance", "decline"] as const;
export const templateDocSchema = z.object({
  name: z.string(),
  kind: z.enum(TEMPLATE_KINDS),
  subject: z.string(),
  html: z.string(),
  text: z.string().optional(),
  builtIn: z.boolean().default(false),
  updatedAt: z.date(),
});
export type TemplateDoc = z.infer<typeof templateDocSchema>;

export const runtimeSettingsSchema = z.object({
  halted: z.boolean().default(false),
  haltedAt: z.date().nullable().default(null),
  haltedBy: z.string().nullable().default(null),
  /** Why sending is halted, in words for the banner (an operator's halt has none). */
  haltedReason: z.string().nullable().optional(),
  /** Set when the burn guard halted: resuming then snoozes that level for the rest of the quota day. */
  autoHaltLevel: z.object({ day: z.string(), level: thresholdSchema }).nullable().optional(),
  /** The level an operator resumed past today: the guard halts again only at a higher one. */
  autoHaltSnooze: z.object({ day: z.string(), level: thresholdSchema }).nullable().optional(),
  /** A paid plan's daily Firestore budget; null means the free tier's. */
  burnBudget: burnBudgetSchema.nullable().optional(),
  /** Absent means DEFAULT_AUTO_HALT. */
  autoHalt: autoHaltSchema.optional(),
  simulation: z.boolean().default(false),
  /**
   * Events being deleted, and queue jobs cancelled (revoked or replaced links), recently, by id with the time.
   * A drain holding a claimed job checks these (through its listener on this document) right before sending,
   * so a cancellation stops even an email already claimed. Scoped to job ids, so a cancellation never stops a
   * newer job of the same invitation. Entries older than any lease are pruned.
   */
  cancelledEvents: z.record(z.string(), z.date()).default({}),
  cancelledJobs: z.record(z.string(), z.date()).default({}),
  updatedAt: z.date().optional(),
});
export type RuntimeSettings = z.infer<typeof runtimeSettingsSchema>;

export const suppressionEntrySchema = z.object({
  email: z.string(),
  emailKey: z.string(),
  kind: z.enum(SUPPRESSION_KINDS),
  source: z.enum(SUPPRESSION_SOURCES),
  detail: z.string().nullable(),
  at: z.date(),
  invitationId: z.string().nullable(),
});

/** One shard of the suppression list: entries by the hash of their address (see lib/domain/suppression.ts). */
export const suppressionShardSchema = z.object({
  entries: z.record(z.string(), suppressionEntrySchema).default({}),
});
export type SuppressionShardDoc = z.infer<typeof suppressionShardSchema>;

/** An entry an admin removed, kept so the removal is on record: who, when, and what the entry said. */
export const suppressionRemovalSchema = z.object({
  entry: suppressionEntrySchema,
  removedAt: z.date(),
  removedBy: z.string(),
});
export type SuppressionRemovalDoc = z.infer<typeof suppressionRemovalSchema>;

export const SETTING_NAMES = ["halt", "simulation", "budget", "autoHalt"] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/** Append-only: one document per change of an operator setting, or an automatic halt. */
export const settingChangeSchema = z.object({
  at: z.date(),
  setting: z.enum(SETTING_NAMES),
  /** The admin's email, or "Burn guard (automatic)". */
  by: z.string(),
  from: z.string(),
  to: z.string(),
  reason: z.string().nullable().default(null),
});
export type SettingChange = z.infer<typeof settingChangeSchema>;

/**
 * Final totals of past quota days, one map entry per day. Rolled up from the day's shards once the day is over,
 * so the monitor's 30-day chart is one read instead of one per shard per day.
 */
export const burnHistorySchema = z.object({
  days: z.record(z.string(), counts).default({}),
  updatedAt: z.date().optional(),
});
export type BurnHistoryDoc = z.infer<typeof burnHistorySchema>;

export const collections = {
  burn: defineCollection("burn", burnShardSchema),
  events: defineCollection("events", eventDocSchema),
  invitations: defineCollection("invitations", invitationDocSchema),
  participants: defineCollection("participants", participantDocSchema),
  jobs: defineCollection("jobs", jobDocSchema),
  queue: defineCollection("queue", queueRegistrySchema),
  audit: defineCollection("audit", auditDocSchema),
  providers: defineCollection("providers", providerDocSchema),
  templates: defineCollection("templates", templateDocSchema),
  settings: defineCollection("settings", runtimeSettingsSchema),
  suppressions: defineCollection("suppressions", suppressionShardSchema),
  suppressionRemovals: defineCollection("suppressionRemovals", suppressionRemovalSchema),
  settingChanges: defineCollection("settingChanges", settingChangeSchema),
  burnHistory: defineCollection("burnHistory", burnHistorySchema),
  webhookInbox: defineCollection("webhookInbox", webhookInboxSchema),
};
