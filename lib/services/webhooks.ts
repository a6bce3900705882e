import { createHash } from "node:crypto";
import { docRef, type Snapshot } from "@/lib/adapters/firestore/collection";
import { isAlreadyExists, isFailedPrecondition, type MeteredFirestore, type WriteSet } from "@/lib/adapters/firestore/db";
import { collections, type DeliveryReportDoc, type InvitationDoc, type WebhookInboxDoc } from "@/lib/adapters/firestore/schemas";
import {
  invitationIdOfJob,
  KEPT_REPORTS,
  mergeReport,
  suppresses,
  type DeliveryFacts,
  type ProviderReport,
  type WebhookProvider,
} from "@/lib/domain/delivery/reports";
import { addDeltas, counterDeltas, type Counters } from "@/lib/domain/invitations/counters";
import type { SuppressionEntry } from "@/lib/domain/suppression";
import type { Clock } from "@/lib/ports/clock";
import type { WebhookReader, WebhookRequest } from "@/lib/ports/webhooks";
import type { Result, ServiceContext } from "./context";
import { eventRef } from "./events";
import { countable, counterUpdate, invitationRef } from "./invitations";
import { loadProviders, openWebhookKey } from "./provider-config";
import { suppressionKeyOf, writeSuppressions } from "./suppression";

/**
 * Provider webhooks in two steps: receive (the route) and apply (the scheduled run, like the queue).
 *
 * Receiving verifies the signature, parses, and stores the reports about Herald's emails in the webhook inbox:
 * one write per delivery and no read, so a provider's burst is answered at the speed of one write, and a large
 * SendGrid batch never waits on hundreds of invitations. The inbox document's id is a hash of the reports'
 * event ids, so the same delivery received twice (a provider retry, two at once) is stored once.
 *
 * Applying (applyWebhookInbox, run by the Cloud Function and the local worker before the drain) reads the due
 * inbox documents, the invitations they are about (one read each, however many reports), and records the
 * reports: each invitation's delivery and report history in one write conditional on the version read, the
 * events' counters once per batch, hard bounces and complaints on the suppression list, then deletes what it
 * applied. A write that loses a race (a drain's outcome, an answer, a second applier) is merged again from a
 * fresh read, so nothing is overwritten unseen; replays are recognised by the provider's event id in the
 * invitation's report history, so a report is recorded once however often it arrives or is applied.
 *
 * A report about an email whose outcome the queue has not recorded yet (its invitation still says "queued":
 * the webhook outran the drain's outcome batch) stays in the inbox and is looked at again a little later:
 * recording it now would let the drain's "sent", written without reading the invitation, overwrite a bounce.
 * The merge itself (lib/domain/delivery/reports.ts) makes the order of reports irrelevant.
 */

/** What a webhook request was answered with: its reports stored for the applier, or recognised as stored. */
export interface WebhookReceipt {
  received: number;
  /** Reports of a delivery already in the inbox (the same webhook delivered again). */
  replayed: number;
  /** Events Herald has no use for, or about mail that is not an invitation's (a provider test email). */
  ignored: number;
}

/** What one applier run did with the inbox. */
export interface WebhookSummary {
  applied: number;
  replayed: number;
  ignored: number;
  /** Reports that arrived before the queue recorded their email's outcome: kept for a later run. */
  pending: number;
}

export type WebhookFailureCode = "unauthenticated" | "invalid_input";

/** Reports per inbox document: a SendGrid batch of thousands is split, so no document nears Firestore's 1 MiB. */
const REPORTS_PER_INBOX_DOC = 500;
/** Inbox documents one applier query takes. */
const INBOX_PAGE = 100;
/** Invitations recorded per batch: each costs one write, with room left for counters and suppression shards. */
const INVITATIONS_PER_BATCH = 200;
/** How soon a report that outran its email's outcome is looked at again. */
const PENDING_RETRY_MS = 30_000;
/**
 * A report still waiting after this long is recorded as history only: its email's outcome is not coming (the
 * drain gave the job up in a way that never wrote a delivery), and the report must not wait forever.
 */
const PENDING_GIVE_UP_MS = 24 * 60 * 60_000;
/** How often an invitation's reports are read and merged again when it changed between the read and the write. */
const MAX_ATTEMPTS = 10;
/** Keys are re-read this often, so a key saved in the provider form is used within a minute. */
const KEYS_FRESH_MS = 60_000;
/** A request that verifies with no cached key re-reads the keys, but not more often than this. */
const KEYS_RECHECK_MS = 5_000;

interface WebhookKey {
  providerId: string;
  key: string;
}

/**
 * The webhook keys of every provider, decrypted and kept in memory for a minute: verifying a request then costs
 * no read. A request no cached key verifies (a key saved a moment ago) re-reads them at most every few seconds,
 * so a flood of forged requests costs at most one providers query per interval.
 */
export class WebhookKeyring {
  private loaded: { at: number; keys: Map<WebhookProvider, WebhookKey[]> } | null = null;
  private loading: Promise<Map<WebhookProvider, WebhookKey[]>> | null = null;

  constructor(
    private readonly db: MeteredFirestore,
    private readonly credentialsKey: string,
    private readonly clock: Clock,
    private readonly log: (message: string, fields?: Record<string, unknown>) => void,
  ) {}

  async keys(provider: WebhookProvider, maxAgeMs = KEYS_FRESH_MS): Promise<WebhookKey[]> {
    const now = this.clock.now().getTime();
    if (!this.loaded || now - this.loaded.at > maxAgeMs) {
      this.loading ??= this.load().finally(() => (this.loading = null));
      this.loaded = { at: now, keys: await this.loading };
    }
    return this.loaded.keys.get(provider) ?? [];
  }

  /** Whether the cache is old enough to be worth re-reading for a request it could not verify. */
  mayRecheck(): boolean {
    return !this.loaded || this.clock.now().getTime() - this.loaded.at > KEYS_RECHECK_MS;
  }

  private async load(): Promise<Map<WebhookProvider, WebhookKey[]>> {
    const keys = new Map<WebhookProvider, WebhookKey[]>();
    for (const { id, data } of await loadProviders(this.db, "webhook.keys")) {
      if (data.kind === "smtp") continue;
      try {
        const key = openWebhookKey(this.credentialsKey, id, data);
        if (key) keys.set(data.kind, [...(keys.get(data.kind) ?? []), { providerId: id, key }]);
      } catch {
        // Sealed with another credentials key: the provider form asks for it again.
        this.log("a provider's webhook key cannot be decrypted; its webhooks are refused until it is entered again", { providerId: id });
      }
    }
    return keys;
  }
}

const inboxRef = (id: string) => docRef(collections.webhookInbox, id);

/**
 * The same reports always get the same id: a delivery received again (a provider retry, or two at once) finds
 * its document there, and is stored once.
 */
function inboxIdOf(provider: WebhookProvider, reports: readonly ProviderReport[]): string {
  const ids = reports.map((r) => r.eventId).sort();
  return createHash("sha256").update(`${provider}\n${ids.join("\n")}`).digest("hex").slice(0, 40);
}

export async function receiveWebhook(
  ctx: Pick<ServiceContext, "db" | "clock">,
  deps: { keyring: WebhookKeyring; reader: WebhookReader },
  provider: WebhookProvider,
  request: WebhookRequest,
): Promise<Result<WebhookReceipt, WebhookFailureCode>> {
  const signedWith = async (maxAgeMs?: number) =>
    (await deps.keyring.keys(provider, maxAgeMs)).find((k) => deps.reader.verify(provider, k.key, request)) ?? null;
  const key = (await signedWith()) ?? (deps.keyring.mayRecheck() ? await signedWith(0) : null);
  if (!key) return { ok: false, code: "unauthenticated", message: "The webhook signature does not verify with any key configured for this provider" };

  const parsed = deps.reader.parse(provider, request);
  if (!parsed) return { ok: false, code: "invalid_input", message: "The body is not this provider's webhook format" };

  const ours = parsed.reports.filter((r) => invitationIdOfJob(r.jobId) !== null);
  const receipt: WebhookReceipt = { received: 0, replayed: 0, ignored: parsed.ignored + parsed.reports.length - ours.length };
  const now = ctx.clock.now();
  const slices: ProviderReport[][] = [];
  for (let i = 0; i < ours.length; i += REPORTS_PER_INBOX_DOC) slices.push(ours.slice(i, i + REPORTS_PER_INBOX_DOC));
  // Each slice on its own: a slice already stored is a replay, and must not make the others count as one.
  await Promise.all(
    slices.map(async (slice) => {
      const doc: WebhookInboxDoc = {
        provider,
        reports: slice.map(({ eventId, jobId, kind, at, detail, email }) => ({ eventId, jobId, kind, at, detail, email })),
        receivedAt: now,
        dueAt: now,
      };
      try {
        await ctx.db.create("webhook.receive", inboxRef(inboxIdOf(provider, slice)), doc);
        receipt.received += slice.length;
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        receipt.replayed += slice.length;
      }
    }),
  );
  return { ok: true, ...receipt };
}

/** A report as the applier sees it: which inbox document it came in, and since when it has been waiting. */
interface Inboxed {
  report: ProviderReport;
  inboxId: string;
  receivedAt: Date;
}

/**
 * Applies the due inbox documents, a page at a time, until none is left or the budget is spent. Costs one read
 * per inbox document and per invitation its reports are about (an empty inbox: the one query, one read).
 */
export async function applyWebhookInbox(ctx: Pick<ServiceContext, "db" | "clock">, options: { budgetMs: number }): Promise<WebhookSummary> {
  const summary: WebhookSummary = { applied: 0, replayed: 0, ignored: 0, pending: 0 };
  const endAt = ctx.clock.now().getTime() + options.budgetMs;
  while (ctx.clock.now().getTime() < endAt) {
    const due = await ctx.db.query("webhook.inbox", collections.webhookInbox, {
      where: [["dueAt", "<=", ctx.clock.now()]],
      orderBy: [["dueAt", "asc"]],
      limit: INBOX_PAGE,
    });
    if (due.length === 0) break;
    await applyPage(ctx, due, summary);
    if (due.length < INBOX_PAGE) break;
  }
  return summary;
}

async function applyPage(ctx: Pick<ServiceContext, "db" | "clock">, due: readonly Snapshot<WebhookInboxDoc>[], summary: WebhookSummary) {
  const byInvitation = new Map<string, Inboxed[]>();
  for (const doc of due) {
    for (const r of doc.data.reports) {
      const invitationId = invitationIdOfJob(r.jobId);
      if (!invitationId) continue;
      const item = { report: { ...r, provider: doc.data.provider }, inboxId: doc.id, receivedAt: doc.data.receivedAt };
      byInvitation.set(invitationId, [...(byInvitation.get(invitationId) ?? []), item]);
    }
  }
  const pendingByInbox = new Map<string, Inboxed[]>();
  const tally = (counted: WebhookSummary, pending: readonly Inboxed[]) => {
    summary.applied += counted.applied;
    summary.replayed += counted.replayed;
    summary.ignored += counted.ignored;
    summary.pending += counted.pending;
    for (const p of pending) pendingByInbox.set(p.inboxId, [...(pendingByInbox.get(p.inboxId) ?? []), p]);
  };

  const ids = [...byInvitation.keys()];
  for (let i = 0; i < ids.length; i += INVITATIONS_PER_BATCH) {
    const group = ids.slice(i, i + INVITATIONS_PER_BATCH);
    try {
      const snaps = await ctx.db.getAll("webhook.apply", group.map((id) => invitationRef(id)));
      const now = ctx.clock.now();
      const plans = group.map((id, n) => planReports(now, id, snaps[n] ?? null, byInvitation.get(id)!));
      const batch = ctx.db.batch("webhook.apply");
      writePlans(batch, plans);
      if (batch.size > 0) await batch.commit();
      for (const plan of plans) tally(plan.counted, plan.pending);
    } catch {
      // Some invitation changed since it was read (or one cannot be read or written at all): each on its own,
      // from a fresh read, so that one cannot hold up the rest of the inbox run after run. One that still fails
      // stays in the inbox and is looked at again later, and the doctor reports it if it stays.
      for (const id of group) {
        const items = byInvitation.get(id)!;
        const plan = await applyOne(ctx, id, items).catch(() => null);
        if (plan) tally(plan.counted, plan.pending);
        else tally({ applied: 0, replayed: 0, ignored: 0, pending: items.length }, items);
      }
    }
  }

  // Only now that every report is recorded: a crash before this point leaves them to be applied again, as replays.
  const done = ctx.db.batch("webhook.done");
  const now = ctx.clock.now();
  for (const doc of due) {
    const pending = pendingByInbox.get(doc.id);
    if (!pending) done.delete(inboxRef(doc.id));
    else {
      const keep = new Set(pending.map((p) => p.report.eventId));
      done.update(inboxRef(doc.id), {
        reports: doc.data.reports.filter((r) => keep.has(r.eventId)),
        dueAt: new Date(now.getTime() + PENDING_RETRY_MS),
      });
    }
  }
  await done.commit();
}

/** One invitation's reports, written on their own; read again and merged again as long as the write loses a race. */
async function applyOne(ctx: Pick<ServiceContext, "db" | "clock">, invitationId: string, items: readonly Inboxed[]): Promise<Plan> {
  for (let attempt = 1; ; attempt++) {
    const snap = await ctx.db.get("webhook.apply", invitationRef(invitationId));
    const plan = planReports(ctx.clock.now(), invitationId, snap, items);
    const batch = ctx.db.batch("webhook.apply");
    writePlans(batch, [plan]);
    if (batch.size === 0) return plan;
    try {
      await batch.commit();
      return plan;
    } catch (error) {
      if (!isFailedPrecondition(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

function suppressionEntry(report: ProviderReport, invitationId: string | null, email: string): SuppressionEntry {
  return {
    email,
    emailKey: suppressionKeyOf(email),
    kind: report.kind === "complaint" ? "complaint" : "hard_bounce",
    source: report.provider,
    detail: report.detail,
    at: report.at,
    invitationId,
  };
}

/** What one invitation's reports change: decided from one read, written by writePlans. */
interface Plan {
  invitationId: string;
  /** The invitation's new delivery and report history, conditional on the version read; null: nothing to write. */
  update: { data: Record<string, unknown>; ifVersion: string } | null;
  eventId: string | null;
  deltas: Partial<Counters>;
  suppressed: SuppressionEntry[];
  counted: WebhookSummary;
  /** Reports that outran their email's outcome: to stay in the inbox. */
  pending: Inboxed[];
}

function planReports(now: Date, invitationId: string, snap: Snapshot<InvitationDoc> | null, items: readonly Inboxed[]): Plan {
  const plan: Plan = {
    invitationId,
    update: null,
    eventId: null,
    deltas: {},
    suppressed: [],
    counted: { applied: 0, replayed: 0, pending: 0, ignored: 0 },
    pending: [],
  };
  if (!snap) {
    // Deleted with its event: nothing to record it on, but a dead address is dead for every event.
    const dead = items.filter((i) => suppresses(i.report.kind) && i.report.email);
    plan.suppressed = dead.map((i) => suppressionEntry(i.report, null, i.report.email!));
    plan.counted.applied = dead.length;
    plan.counted.ignored = items.length - dead.length;
    return plan;
  }
  const inv = snap.data;
  const seen = new Set(inv.deliveryReports.map((r) => r.id));
  const history: DeliveryReportDoc[] = [...inv.deliveryReports];
  let delivery: DeliveryFacts | null =
    inv.delivery.state === "queued" ? null : { state: inv.delivery.state, reported: inv.delivery.reported, error: inv.delivery.error };
  let moved = false;
  for (const item of [...items].sort((a, b) => a.report.at.getTime() - b.report.at.getTime())) {
    const { report } = item;
    const id = `${report.provider}:${report.eventId}`;
    if (seen.has(id)) {
      plan.counted.replayed++;
      continue;
    }
    // Only the email carrying the current link speaks for the invitation's delivery; an older link's email, a
    // confirmation or a revoked invitation's report is history (and a dead address all the same).
    const current = report.jobId === inv.jobId && inv.status !== "revoked";
    if (current && delivery === null && now.getTime() - item.receivedAt.getTime() < PENDING_GIVE_UP_MS) {
      plan.counted.pending++;
      plan.pending.push(item);
      continue;
    }
    seen.add(id);
    history.push({ id, provider: report.provider, jobId: report.jobId, kind: report.kind, at: report.at, receivedAt: item.receivedAt, detail: report.detail });
    plan.counted.applied++;
    if (current && delivery) {
      const merged = mergeReport(delivery, report);
      if (merged) {
        delivery = merged;
        moved = true;
      }
    }
    if (suppresses(report.kind)) plan.suppressed.push(suppressionEntry(report, invitationId, inv.email));
  }
  if (plan.counted.applied === 0) return plan;

  plan.update = {
    data: { deliveryReports: history.slice(-KEPT_REPORTS), ...(moved && delivery ? deliveryUpdate(delivery, now) : {}), updatedAt: now },
    ifVersion: snap.version,
  };
  if (moved && delivery) {
    plan.eventId = inv.eventId;
    plan.deltas = counterDeltas(countable(inv), { status: inv.status, deliveryState: delivery.state });
  }
  return plan;
}

/** Plans into one batch: each invitation's write with its precondition, each event's counters added up once. */
function writePlans(w: WriteSet, plans: readonly Plan[]): void {
  const counters = new Map<string, Partial<Counters>>();
  for (const plan of plans) {
    if (plan.update) w.update(invitationRef(plan.invitationId), plan.update.data, { ifVersion: plan.update.ifVersion });
    if (plan.eventId) counters.set(plan.eventId, addDeltas(counters.get(plan.eventId) ?? {}, plan.deltas));
  }
  for (const [eventId, deltas] of counters) {
    const update = counterUpdate(deltas);
    if (Object.keys(update).length > 0) w.update(eventRef(eventId), update);
  }
  writeSuppressions(w, plans.flatMap((p) => p.suppressed));
}

function deliveryUpdate(delivery: DeliveryFacts, now: Date): Record<string, unknown> {
  return {
    "delivery.state": delivery.state satisfies InvitationDoc["delivery"]["state"],
    "delivery.reported": delivery.reported,
    "delivery.reportedAt": now,
    "delivery.error": delivery.error,
  };
}
