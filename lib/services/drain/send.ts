import { docRef } from "@/lib/adapters/firestore/collection";
import { collections, type EventDoc, type JobDoc, type ProviderDoc, type RuntimeSettings, type TemplateDoc } from "@/lib/adapters/firestore/schemas";
import { decideAfterAttempt, type BackoffPolicy, type Decision } from "@/lib/domain/delivery/job";
import { maySend, maySendByRuntime, type AddressStanding, type InvitationFacts, type RuntimeView, type SendVerdict } from "@/lib/domain/delivery/may-send";
import { attemptsSpent, type Resolution } from "@/lib/domain/delivery/outcome";
import { invitationLinkPath } from "@/lib/domain/invitations/token";
import { renderTemplate } from "@/lib/domain/templates/render";
import { buildTemplateData } from "@/lib/domain/templates/variables";
import type { Mailer, OutgoingEmail, SendResult } from "@/lib/ports/mailer";
import { eventCalendar } from "../rsvp";
import { CONFIRMATION_TEMPLATE_ID, DECLINE_NOTICE_TEMPLATE_ID, REMINDER_TEMPLATE_ID } from "../templates";
import { countsAgainstQuota, SHORT_PAUSE_MS, type ProviderPool } from "./providers";
import type { ClaimedJob, DrainPorts } from "./types";

/**
 * Sending one claimed job: the rule, a provider, the rendered email, the provider's rate limit, the lease, the
 * rule again at the last moment, the send, and the decision that follows. Nothing here writes to Firestore
 * except the reads the rule needs; the outcome is returned for the outcome writer.
 */

/** A failure that was the provider's fault is retried this soon when another provider can take the email. */
const REROUTE_MS = 1_000;
/** The simulated mailer answers at once; this only bounds how long a simulated send may keep the lease. */
const SIMULATED_SEND_MS = 1_000;

export interface SendContext {
  ports: DrainPorts;
  providers: ProviderPool;
  events: ReadonlyMap<string, EventDoc | null>;
  templates: ReadonlyMap<string, TemplateDoc | null>;
  runtime: () => RuntimeSettings;
  /** Where the job's recipient stands on the suppression list, from the drain's listener (no read). */
  recipient: (job: JobDoc) => AddressStanding;
  /** This drain's share of every provider's rate limit. */
  share: () => number;
  backoff: BackoffPolicy;
  rateLimitWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  /** True when the job's lease still covers a send of this length started now (renewing it if need be). */
  leaseCovers: (sendMs: number) => Promise<boolean>;
}

export type SendStep = { kind: "outcome"; resolution: Resolution; at: Date } | { kind: "released"; reason: string };

export function templateIdFor(job: Pick<JobDoc, "kind" | "answer">, event: Pick<EventDoc, "templateId">): string {
  if (job.kind === "confirmation") return job.answer === "declined" ? DECLINE_NOTICE_TEMPLATE_ID : CONFIRMATION_TEMPLATE_ID;
  if (job.kind === "reminder") return REMINDER_TEMPLATE_ID;
  return event.templateId;
}

function runtimeView(settings: RuntimeSettings): RuntimeView {
  return { halted: settings.halted, cancelledEvents: settings.cancelledEvents, cancelledJobs: settings.cancelledJobs };
}

/** Guest-triggered mail is checked against the invitation itself, read right before the send. */
async function invitationFacts(ports: DrainPorts, job: JobDoc): Promise<InvitationFacts | null | undefined> {
  if (job.kind !== "confirmation" && job.kind !== "reminder") return undefined;
  const snap = await ports.db.get("drain.answerCheck", docRef(collections.invitations, job.invitationId));
  if (!snap) return null;
  const i = snap.data;
  return {
    status: i.status,
    jobId: i.jobId,
    tokenVersion: i.tokenVersion,
    linkExpiresAt: i.linkExpiresAt,
    deliveryState: i.delivery.state,
    confirmationJobId: i.confirmationJobId,
    confirmationsSent: i.confirmationsSent,
  };
}

/** One read, for resumed jobs only (rare): the job is still the version its takeover read. */
async function stillAsClaimed(ports: DrainPorts, claimed: ClaimedJob): Promise<boolean> {
  const snap = await ports.db.get("drain.resumeCheck", docRef(collections.jobs, claimed.id));
  return snap?.version === claimed.version;
}

function refused(verdict: Exclude<SendVerdict, { send: true }>, at: Date): SendStep {
  switch (verdict.action) {
    case "hold":
      return { kind: "released", reason: verdict.reason };
    case "cancel":
      return { kind: "outcome", resolution: { kind: "cancelled", reason: verdict.reason }, at };
    case "fail":
      // A suppressed address: the email fails as a bounce would, without a provider ever seeing it.
      return {
        kind: "outcome",
        resolution: { kind: "failed", bounce: true, providerId: null, errorClass: "suppressed", message: verdict.reason, latencyMs: null, attempted: false },
        at,
      };
  }
}

export async function sendOne(ctx: SendContext, claimed: ClaimedJob): Promise<SendStep> {
  const { ports, providers } = ctx;
  const { id, job } = claimed;
  const now = () => ports.clock.now();
  const event = ctx.events.get(job.eventId) ?? null;
  const early = maySendByRuntime({ job: { id, eventId: job.eventId, kind: job.kind }, event, runtime: runtimeView(ctx.runtime()), recipient: ctx.recipient(job) });
  if (!early.send) return refused(early, now());

  const failed = (message: string): SendStep => ({
    kind: "outcome",
    resolution: { kind: "failed", bounce: false, providerId: null, errorClass: "permanent", message, latencyMs: null, attempted: false },
    at: now(),
  });
  const templateId = templateIdFor(job, event!);
  const template = ctx.templates.get(templateId);
  if (!template) return failed(`Template "${templateId}" is missing`);
  const spent = attemptsSpent({ attempts: job.attempts, resumed: claimed.resumed });
  if (spent >= ctx.backoff.maxAttempts) {
    return failed(`Gave up after ${spent} attempts; the last one was interrupted before its outcome was recorded`);
  }

  const simulated = ctx.runtime().simulation;
  const uncarried = simulated ? null : providers.cannotCarry(job.to.email);
  if (uncarried) return failed(uncarried);
  let providerId: string | null = null;
  let probe = false;
  let mailer: Mailer = ports.simulatedMailer;
  if (!simulated) {
    const tried = new Set<string>();
    /** Providers passed over while this drain's grant on them is being topped up. */
    const refilling: string[] = [];
    let waited = false;
    let waitedForProbe = false;
    for (;;) {
      let choice = providers.pick(job, now(), tried);
      let mayWaitForGrant = false;
      if (!choice && refilling.length > 0) {
        // Nothing else can carry it now: wait for a grant after all.
        const id = refilling.shift()!;
        choice = providers.rank(now()).usable.find((r) => r.id === id && !r.probe) ?? null;
        if (!choice) continue;
        mayWaitForGrant = true;
      }
      const pause = choice ? null : providers.rank(now());
      if (pause && pause.usable.length === 0 && pause.nextUsableAt && !waited && pause.nextUsableAt.getTime() - now().getTime() <= SHORT_PAUSE_MS) {
        // Every provider pauses for a moment: wait it out (the lease is checked before the send).
        waited = true;
        await ctx.sleep(pause.nextUsableAt.getTime() - now().getTime() + 1);
        continue;
      }
      const probing = choice || waitedForProbe ? null : providers.ownProbes(ctx.sleep);
      if (probing) {
        // This drain's probe of a half-open provider is out, and its answer (within the provider's timeout)
        // says whether the provider is back. Put off instead, the email waited for the probe's two-minute
        // timeout after an outage had ended (the fault suite's "every provider down": 2 minutes for 2 emails).
        waitedForProbe = true;
        for (const id of probing.ids) tried.delete(id);
        await probing.answered;
        continue;
      }
      if (!choice) {
        // Nothing usable right now (quota spent, circuits open): wait for the earliest comeback, do not fail.
        const at = providers.rank(now()).nextUsableAt ?? new Date(now().getTime() + 60_000);
        return {
          kind: "outcome",
          resolution: { kind: "retry", decision: { kind: "retry", at, spendsAttempt: false, reason: "quota_exhausted" }, providerId: null, result: null },
          at: now(),
        };
      }
      tried.add(choice.id);
      try {
        mailer = providers.mailer(choice.id);
      } catch {
        // The stored secret no longer decrypts (the credentials key changed): out of rotation, like bad
        // credentials, and this email goes through the next provider right away.
        providers.disable(choice.id, now());
        continue;
      }
      if (choice.probe && !(await providers.claimProbe(choice.id, now()))) continue;
      // Quota is taken before the rate-limit wait, so sends waiting together cannot all spend the last unit.
      // A claimed probe waits for its grant: passing it over would leave the circuit half-open until the
      // claim times out.
      const quota = await providers.takeQuota(choice.id, now(), { wait: mayWaitForGrant || choice.probe });
      if (quota === "refilling") refilling.push(choice.id);
      if (quota !== "taken") {
        if (choice.probe) providers.probeOver(choice.id);
        continue;
      }
      providerId = choice.id;
      probe = choice.probe;
      break;
    }
  }
  const giveBack = () => {
    if (providerId) providers.refundQuota(providerId);
    // A probe not sent after all: sends waiting on its answer go on now.
    if (providerId && probe) providers.probeOver(providerId);
  };

  let email: OutgoingEmail;
  try {
    email = compose(ports, id, job, event!, template, providerId ? providers.doc(providerId) : null);
  } catch (error) {
    giveBack();
    return failed(`Template could not be rendered: ${(error as Error).message}`);
  }

  if (providerId) await providers.pace(providerId, ctx.share(), now(), ctx.sleep);
  if (!(await ctx.leaseCovers(providerId ? providers.sendTimeoutMs(providerId) : SIMULATED_SEND_MS))) {
    giveBack();
    return { kind: "released", reason: "Its lease could not cover another send" };
  }
  // The last check before anything leaves: a halt, a deletion, a revoke or a changed answer a moment ago
  // still stops this email.
  const last = maySend({
    job: { id, kind: job.kind, eventId: job.eventId, invitationId: job.invitationId, tokenVersion: job.tokenVersion, answer: job.answer, reminderKey: job.reminderKey },
    event,
    runtime: runtimeView(ctx.runtime()),
    recipient: ctx.recipient(job),
    invitation: await invitationFacts(ports, job),
    now: now(),
  });
  if (!last.send) {
    giveBack();
    return refused(last, now());
  }
  if (claimed.resumed && !(await stillAsClaimed(ports, claimed))) {
    // Taken over from a lease that expired while its drain was only slow: that drain's outcome has landed since
    // (it sent this email), and sending again would be a second email under the same key.
    giveBack();
    return { kind: "released", reason: "Its previous drain recorded it after all" };
  }

  const result = await mailer.send(email).catch(
    (error: Error): SendResult => ({ ok: false, errorClass: "transient", message: `Send failed: ${error.message}`, latencyMs: 0 }),
  );
  if (providerId) {
    providers.record(providerId, result, now());
    if (!countsAgainstQuota(result)) giveBack();
  }
  return decided(ctx, claimed, providerId, result, simulated, probe);
}

function decided(ctx: SendContext, claimed: ClaimedJob, providerId: string | null, result: SendResult, simulated: boolean, probe: boolean): SendStep {
  const at = ctx.ports.clock.now();
  let decision: Decision = decideAfterAttempt({
    outcome: result,
    attemptsSpent: attemptsSpent({ attempts: claimed.job.attempts, resumed: claimed.resumed }),
    deferrals: claimed.job.deferrals,
    ...(providerId ? { providerId } : {}),
    policy: ctx.backoff,
    rateLimitWaitMs: ctx.rateLimitWaitMs,
    now: at,
    random: ctx.ports.random,
    // A failed probe says the provider is still down, nothing about the email: over a long outage the probe
    // job must not use up its attempts and fail while every other job waits.
    ...(probe ? { maxAttempts: Number.MAX_SAFE_INTEGER } : {}),
  });
  if (decision.kind === "retry" && probe && decision.spendsAttempt) decision = { ...decision, spendsAttempt: false };
  // The provider failed, not the email: when another provider can take it now, or once its short pause is over,
  // do not make the guest wait out a backoff meant for a struggling provider. A transient failure still spends
  // its attempt.
  if (decision.kind === "retry" && providerId && decision.reason !== "quota_exhausted") {
    const elsewhere = ctx.providers.alternativeAt(claimed.job, providerId, at);
    if (elsewhere) decision = { ...decision, at: new Date(Math.min(decision.at.getTime(), elsewhere.getTime() + REROUTE_MS)) };
  }
  switch (decision.kind) {
    case "complete":
      return { kind: "outcome", resolution: { kind: "sent", providerId, simulated, latencyMs: result.latencyMs }, at };
    case "retry":
      return { kind: "outcome", resolution: { kind: "retry", decision, providerId, result }, at };
    case "fail":
      return {
        kind: "outcome",
        resolution: {
          kind: "failed",
          bounce: decision.bounce,
          providerId,
          errorClass: result.ok ? "permanent" : result.errorClass,
          message: result.ok ? decision.reason : result.message,
          latencyMs: result.latencyMs,
          attempted: true,
        },
        at,
      };
  }
}

function compose(ports: DrainPorts, id: string, job: JobDoc, event: EventDoc, template: TemplateDoc, fromProvider: ProviderDoc | null): OutgoingEmail {
  const link = `${ports.baseUrl.replace(/\/$/, "")}${invitationLinkPath(ports.tokenSecret, job.invitationId, job.tokenVersion)}`;
  const rendered = renderTemplate(
    { subject: template.subject, html: template.html, text: template.text },
    buildTemplateData({
      invitee: { name: job.to.name, email: job.to.email, fields: job.fields },
      event,
      host: event.host,
      links: { invitation: link, accept: `${link}?intent=accept`, decline: `${link}?intent=decline` },
    }),
  );
  const email: OutgoingEmail = {
    from: { email: fromProvider?.fromEmail ?? "events@herald.local", name: fromProvider?.fromName ?? event.host.name },
    to: { email: job.to.email, name: job.to.name || undefined },
    replyTo: event.host.email,
    ...rendered,
    idempotencyKey: id,
    messageId: `<${id}@herald>`,
  };
  if (job.kind === "confirmation" && job.answer !== "declined") {
    const cal = eventCalendar({ db: ports.db, clock: ports.clock, tokenSecret: ports.tokenSecret, baseUrl: ports.baseUrl }, job.invitationId, event);
    email.attachments = [{ filename: cal.filename, contentType: "text/calendar; charset=utf-8; method=PUBLISH", content: cal.ics }];
  }
  return email;
}
