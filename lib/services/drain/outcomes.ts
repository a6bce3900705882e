import { randomBytes } from "node:crypto";
import { docRef } from "@/lib/adapters/firestore/collection";
import { fieldOps, isFailedPrecondition, isNotFound, type MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections } from "@/lib/adapters/firestore/schemas";
import { supersede, type OutcomePlan } from "@/lib/domain/delivery/outcome";
import { reportDetail } from "@/lib/domain/delivery/reports";
import { hasUtf8LocalPart } from "@/lib/domain/email-address";
import { addDeltas, type Counters } from "@/lib/domain/invitations/counters";
import type { SuppressionEntry } from "@/lib/domain/suppression";
import { counterUpdate } from "../invitations";
import { suppressionKeyOf, writeSuppressions } from "../suppression";
import type { ClaimedJob, DrainSummary } from "./types";

/**
 * Records outcomes in batches: the jobs' new states, the invitations' deliveries, the events' counters and
 * one audit document per batch, atomically. Each job write carries a precondition on the version the drain
 * claimed, so a job cancelled or replaced while its email was on the way is never resurrected, and the
 * invitation and counters move only for a job that is still current. Such outcomes are kept in the audit as
 * superseded.
 *
 * Batches are written when full, or at the latest `flushEveryMs` after their first outcome: one write per
 * flush lands on each event touched, and a drain's outcomes reach Firestore within seconds rather than at the
 * end of a chunk. Flushes run one after another.
 */

export interface Recorded {
  claimed: ClaimedJob;
  plan: OutcomePlan;
  /** Called once the outcome is in Firestore (or, after every retry failed, given up on). */
  settled: () => void;
}

/** Transient write failures (the connection dropped) are retried for this long before the batch is given up. */
const WRITE_RETRY_FOR_MS = 60_000;

export class OutcomeWriter {
  private buffer: Recorded[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: MeteredFirestore,
    private readonly drainId: string,
    private readonly summary: DrainSummary,
    /** `giveUpAt` (epoch ms): past it, a failed write is not retried, so a run ends before its function's timeout. */
    private readonly options: { batchMax: number; flushEveryMs: number; giveUpAt: number },
    private readonly log: (message: string, fields?: Record<string, unknown>) => void,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  add(item: Recorded): void {
    this.buffer.push(item);
    if (this.buffer.length >= this.options.batchMax) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushEveryMs);
  }

  /** Writes everything buffered so far; resolves when it (and every earlier flush) is in Firestore. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.options.batchMax);
      this.chain = this.chain.then(() => this.write(batch));
    }
    return this.chain;
  }

  private async write(items: Recorded[]): Promise<void> {
    const started = Date.now();
    let current = items;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.commit(current);
        break;
      } catch (error) {
        if (isFailedPrecondition(error) || isNotFound(error)) {
          // Some job changed since it was claimed (cancelled, replaced, deleted with its event): find which,
          // keep those as history only, and write the rest.
          current = await this.withStaleSuperseded(current).catch(() => current);
          if (attempt < 3) continue;
          await this.writeOneByOne(current);
          break;
        }
        if (Date.now() - started > WRITE_RETRY_FOR_MS || Date.now() > this.options.giveUpAt) {
          // The jobs are still waiting as claimed: released with the lease, a later claim resends them under the
          // same idempotency keys.
          this.log("could not record outcomes; their jobs will be sent again under the same idempotency keys", {
            error: (error as Error).message,
            jobs: current.length,
          });
          break;
        }
        await this.sleep(Math.min(4_000, 250 * 2 ** Math.min(attempt, 4)));
      }
    }
    for (const item of items) item.settled();
  }

  private async withStaleSuperseded(items: Recorded[]): Promise<Recorded[]> {
    const live = items.filter((i) => !i.plan.audit.superseded);
    const snaps = await this.db.getAll("queue.complete", live.map((i) => docRef(collections.jobs, i.claimed.id)));
    const stale = new Set(live.filter((item, n) => snaps[n]?.version !== item.claimed.version).map((i) => i.claimed.id));
    return items.map((i) => (stale.has(i.claimed.id) ? { ...i, plan: supersede(i.plan) } : i));
  }

  /** Last resort when a batch keeps failing: each outcome on its own, a failing one kept as history only. */
  private async writeOneByOne(items: Recorded[]): Promise<void> {
    for (const item of items) {
      await this.commit([item]).catch(() => this.commit([{ ...item, plan: supersede(item.plan) }]).catch(() => undefined));
    }
  }

  private async commit(items: Recorded[]): Promise<void> {
    if (items.length === 0) return;
    const batch = this.db.batch("queue.complete");
    const counters = new Map<string, Partial<Counters>>();
    const suppressed: SuppressionEntry[] = [];
    for (const { claimed, plan } of items) {
      if (plan.audit.superseded) continue;
      batch.update(docRef(collections.jobs, claimed.id), plan.job, { ifVersion: claimed.version });
      const invitation = docRef(collections.invitations, claimed.job.invitationId);
      if (plan.delivery) {
        batch.update(invitation, {
          "delivery.state": plan.delivery.state,
          "delivery.at": plan.delivery.at,
          "delivery.providerId": plan.delivery.providerId,
          "delivery.simulated": plan.delivery.simulated,
          "delivery.error": plan.delivery.error,
        });
      }
      if (plan.confirmationSentAt) batch.update(invitation, { confirmationsSent: fieldOps.arrayUnion(plan.confirmationSentAt) });
      // A non-ASCII local part may have been refused only because a relay lacks SMTPUTF8: not the address's fault.
      if (plan.suppress && !hasUtf8LocalPart(claimed.job.to.email)) {
        suppressed.push({
          email: claimed.job.to.email,
          emailKey: suppressionKeyOf(claimed.job.to.email),
          kind: "rejected",
          source: "send",
          detail: reportDetail(plan.audit.message),
          at: plan.audit.at,
          invitationId: claimed.job.invitationId,
        });
      }
      counters.set(claimed.job.eventId, addDeltas(counters.get(claimed.job.eventId) ?? {}, plan.counters));
    }
    writeSuppressions(batch, suppressed);
    for (const [eventId, deltas] of counters) {
      const update = counterUpdate(deltas);
      if (Object.keys(update).length > 0) batch.update(docRef(collections.events, eventId), update);
    }
    const entries = items.map((i) => i.plan.audit);
    const at = entries[entries.length - 1]!.at;
    batch.create(docRef(collections.audit, `${this.drainId}-${at.getTime()}-${randomBytes(3).toString("hex")}`), {
      at,
      drainId: this.drainId,
      entries,
      invitationIds: [...new Set(entries.map((e) => e.invitationId))],
      eventIds: [...new Set(entries.map((e) => e.eventId))],
    });
    await batch.commit();
    for (const { plan } of items) {
      // An email that left counts as sent even when its job had been cancelled meanwhile: it did go out.
      if (plan.tally === "sent" || plan.tally === "simulated") this.summary[plan.tally]++;
      else if (!plan.audit.superseded) this.summary[plan.tally]++;
      if (plan.audit.superseded) this.summary.superseded++;
    }
  }
}
