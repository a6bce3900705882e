import { z } from "zod";
import { INVITATION_STATUSES } from "@/lib/domain/invitations/status";
import { JOB_STATES } from "@/lib/domain/delivery/job";
import { JOB_KINDS } from "@/lib/domain/delivery/job-kinds";
import { providerHealthSchema } from "@/lib/domain/delivery/provider-health";
import { hourlyStatsSchema } from "@/lib/domain/delivery/provider-hourly";
import { autoHaltSchema, burnBudgetSchema, BURN_THRESHOLDS } from "@/lib/domain/monitor/burn";
import { defineCollection } from "./collection";

/**
 * Every collection Herald stores, declared once. Ids that carry meaning:
 * - invitations/<hash(eventId, email)>: deterministic, so two uploads of one address collide on create();
 * - participants/<invitationId>: at most one per invitation, whatever number of concurrent accepts;
 * - jobs/<invitationId>-<sendSeq> (invitations) and -c<seq> (confirmations): a retry reuses its job, a resend
 *   makes a new one;
 * - burn/<day>_<shard>, settings/runtime, queue/registry, burnHistory/daily: single documents with a known name.
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
export const ZERO_COUNTERS: EventCounters = {
  invited: 0,
  pending: 0,
  delivered: 0,
  accepted: 0,
  declined: 0,
  failed: 0,
  revoked: 0,
};

export const personSchema = z.object({ name: z.string(), email: z.string() });

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
  host: personSchema,
  lifecycle: z.enum(["active", "deleting"]),
  /** Bumped on every edit: calendar clients replace an entry only when SEQUENCE grows. */
  sequence: z.number().int().nonnegative(),
  counters: eventCountersSchema,
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
});
export type Delivery = z.infer<typeof deliverySchema>;
export const QUEUED_DELIVERY: Delivery = { state: "queued", at: null, providerId: null, simulated: false, error: null };

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
  /**
   * The first time the invitation page was opened (any link of this invitation). Written once, conditionally,
   * by the page's GET: a mail scanner opening the link sets it too, which is why it says "opened", not "read".
   */
  openedAt: z.date().nullable().optional(),
  /** Every answer in order, so the tracker can show "accepted, then declined". Appended by the answer itself. */
  answers: z.array(z.object({ status: z.enum(["accepted", "declined"]), at: z.date() })).optional(),
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
  expiresAt: z.date(),
  jobIds: z.array(z.string()),
});

/**
 * The queue's claim registry: which jobs are in flight, under which drain's lease. Claiming writes this one
 * document per chunk instead of one lease write per job, which is what keeps delivery at about two writes per
 * email. Only drains write it, a few times a second at most.
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
  health: providerHealthSchema,
  /** Sends per UTC hour over the last day (the burn monitor's sparkline), persisted with health. */
  hourly: hourlyStatsSchema.optional(),
  usage: z.object({ periodKey: z.string(), sent: z.number() }).nullable().default(null),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type ProviderDoc = z.infer<typeof providerDocSchema>;

export const TEMPLATE_KINDS = ["invitation", "reminder", "acceptance"] as const;
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
   * Events being deleted and invitations revoked recently, by id with the time. A drain holding a claimed job
   * checks these (through its listener on this document) right before sending, so a deletion stops even an
   * email already in flight. Entries older than a lease are pruned.
   */
  cancelledEvents: z.record(z.string(), z.date()).default({}),
  cancelledInvitations: z.record(z.string(), z.date()).default({}),
  updatedAt: z.date().optional(),
});
export type RuntimeSettings = z.infer<typeof runtimeSettingsSchema>;

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
  settingChanges: defineCollection("settingChanges", settingChangeSchema),
  burnHistory: defineCollection("burnHistory", burnHistorySchema),
};
