import type { Snapshot } from "@/lib/adapters/firestore/collection";
import { isFailedPrecondition, type MeteredFirestore, type WriteSet } from "@/lib/adapters/firestore/db";
import type { DeliveryReportDoc, InvitationDoc } from "@/lib/adapters/firestore/schemas";
import {
  invitationIdOfJob,
  KEPT_REPORTS,
  mergeReport,
  suppresses,
  type DeliveryFacts,
  type ProviderReport,
  type WebhookProvider,
} from "@/lib/domain/delivery/reports";
import { counterDeltas } from "@/lib/domain/invitations/counters";
import type { SuppressionEntry } from "@/lib/domain/suppression";
import type { Clock } from "@/lib/ports/clock";
import type { WebhookReader, WebhookRequest } from "@/lib/ports/webhooks";
import type { Result, ServiceContext } from "./context";
import { eventRef } from "./events";
import { countable, counterUpdate, invitationRef } from "./invitations";
import { loadProviders, openWebhookKey } from "./provider-config";
import { suppressionKeyOf, writeSuppressions } from "./suppression";

/**
 * Provider webhooks in: verify, parse, and record each report on its invitation, once.
 *
 * Cost per event: one read (the invitation) and one write (the invitation: its delivery and the report in its
 * history); a report that moves the counters writes the event too, and a hard bounce or complaint the suppression
 * list's shard. A replay costs the read only. Reports about one invitation in one request share the read and the
 * write.
 *
 * Replays are recognised by the provider's event id kept in the invitation's report history, checked against
 * the version the write is conditional on (see applyReports), so two deliveries of one webhook at once apply it
 * once. The merge itself (lib/domain/delivery/reports.ts) makes the order of reports irrelevant.
 *
 * A report about an email whose outcome the queue has not recorded yet (the invitation's delivery still says
 * "queued": the webhook outran the drain's outcome batch) is left for later: the request answers 503 and the
 * provider delivers it again, by which time the outcome is there. Recording it now would let the drain's
 * "sent", written without reading the invitation, overwrite a bounce.
 */

export interface WebhookSummary {
  applied: number;
  replayed: number;
  /** Events Herald has no use for, or about mail that is not an invitation's (a provider test email). */
  ignored: number;
  /** Reports that arrived before the queue recorded their email's outcome: to be delivered again. */
  pending: number;
}

export type WebhookFailureCode = "unauthenticated" | "invalid_input";

/** Reports for different invitations are recorded this many at a time (SendGrid posts hundreds at once). */
const PARALLEL_INVITATIONS = 16;
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

export async function receiveWebhook(
  ctx: Pick<ServiceContext, "db" | "clock">,
  deps: { keyring: WebhookKeyring; reader: WebhookReader },
  provider: WebhookProvider,
  request: WebhookRequest,
): Promise<Result<WebhookSummary, WebhookFailureCode>> {
  const signedWith = async (maxAgeMs?: number) =>
    (await deps.keyring.keys(provider, maxAgeMs)).find((k) => deps.reader.verify(provider, k.key, request)) ?? null;
  const key = (await signedWith()) ?? (deps.keyring.mayRecheck() ? await signedWith(0) : null);
  if (!key) return { ok: false, code: "unauthenticated", message: "The webhook signature does not verify with any key configured for this provider" };

  const parsed = deps.reader.parse(provider, request);
  if (!parsed) return { ok: false, code: "invalid_input", message: "The body is not this provider's webhook format" };

  const summary: WebhookSummary = { applied: 0, replayed: 0, ignored: parsed.ignored, pending: 0 };
  const byInvitation = new Map<string, ProviderReport[]>();
  for (const report of parsed.reports) {
    const invitationId = invitationIdOfJob(report.jobId);
    if (!invitationId) {
      summary.ignored++;
      continue;
    }
    byInvitation.set(invitationId, [...(byInvitation.get(invitationId) ?? []), report]);
  }
  const groups = [...byInvitation];
  const worker = async () => {
    for (let next = groups.shift(); next; next = groups.shift()) {
      const [invitationId, reports] = next;
      const counted = await applyReports(ctx.db, ctx.clock, invitationId, reports);
      summary.applied += counted.applied;
      summary.replayed += counted.replayed;
      summary.pending += counted.pending;
      summary.ignored += counted.ignored;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_INVITATIONS, groups.length) }, worker));
  return { ok: true, ...summary };
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

/** How often a report is re-read and merged again when its invitation changed between the read and the write. */
const MAX_ATTEMPTS = 10;

/**
 * One invitation's reports from one request: read, merge, write once, with the invitation's update time as the
 * write's precondition. A write that loses a race (another report, a replay of this one, the drain's outcome,
 * an answer) fails as a whole and is merged again from a fresh read, so a replay is still applied once and no
 * write overwrites one it did not see. Not a transaction: nothing is locked while the request is answered, so
 * 50 reports at once do not queue behind each other (on the emulator they did, a p99 of 6.7 s).
 */
async function applyReports(db: MeteredFirestore, clock: Clock, invitationId: string, reports: readonly ProviderReport[]) {
  for (let attempt = 1; ; attempt++) {
    const inv = await db.get("webhook.apply", invitationRef(invitationId));
    const batch = db.batch("webhook.apply");
    const counted = planReports(batch, clock.now(), invitationId, inv, reports);
    if (batch.size === 0) return counted;
    try {
      await batch.commit();
      return counted;
    } catch (error) {
      if (!isFailedPrecondition(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/** What one invitation's reports change, as writes into `w` (the invitation's conditional on the version read). */
function planReports(
  w: WriteSet,
  now: Date,
  invitationId: string,
  snap: Snapshot<InvitationDoc> | null,
  reports: readonly ProviderReport[],
): Omit<WebhookSummary, "ignored"> & { ignored: number } {
  const counted = { applied: 0, replayed: 0, pending: 0, ignored: 0 };
  if (!snap) {
    // Deleted with its event: nothing to record it on, but a dead address is dead for every event.
    const dead = reports.filter((r) => suppresses(r.kind) && r.email);
    writeSuppressions(w, dead.map((r) => suppressionEntry(r, null, r.email!)));
    counted.applied = dead.length;
    counted.ignored = reports.length - dead.length;
    return counted;
  }
  const inv = snap.data;
  const seen = new Set(inv.deliveryReports.map((r) => r.id));
  const history: DeliveryReportDoc[] = [...inv.deliveryReports];
  const suppressed: SuppressionEntry[] = [];
  let delivery: DeliveryFacts | null =
    inv.delivery.state === "queued" ? null : { state: inv.delivery.state, reported: inv.delivery.reported, error: inv.delivery.error };
  let moved = false;
  for (const report of [...reports].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const id = `${report.provider}:${report.eventId}`;
    if (seen.has(id)) {
      counted.replayed++;
      continue;
    }
    // Only the email carrying the current link speaks for the invitation's delivery; an older link's email, a
    // confirmation or a revoked invitation's report is history (and a dead address all the same).
    const current = report.jobId === inv.jobId && inv.status !== "revoked";
    if (current && delivery === null) {
      counted.pending++;
      continue;
    }
    seen.add(id);
    history.push({ id, provider: report.provider, jobId: report.jobId, kind: report.kind, at: report.at, receivedAt: now, detail: report.detail });
    counted.applied++;
    if (current && delivery) {
      const merged = mergeReport(delivery, report);
      if (merged) {
        delivery = merged;
        moved = true;
      }
    }
    if (suppresses(report.kind)) suppressed.push(suppressionEntry(report, invitationId, inv.email));
  }
  if (counted.applied === 0) return counted;

  w.update(
    invitationRef(invitationId),
    {
      deliveryReports: history.slice(-KEPT_REPORTS),
      ...(moved && delivery ? deliveryUpdate(delivery, now) : {}),
      updatedAt: now,
    },
    { ifVersion: snap.version },
  );
  if (moved && delivery) {
    const deltas = counterDeltas(countable(inv), { status: inv.status, deliveryState: delivery.state });
    if (Object.keys(deltas).length > 0) w.update(eventRef(inv.eventId), counterUpdate(deltas));
  }
  writeSuppressions(w, suppressed);
  return counted;
}

function deliveryUpdate(delivery: DeliveryFacts, now: Date): Record<string, unknown> {
  return {
    "delivery.state": delivery.state satisfies InvitationDoc["delivery"]["state"],
    "delivery.reported": delivery.reported,
    "delivery.reportedAt": now,
    "delivery.error": delivery.error,
  };
}
