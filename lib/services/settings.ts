import { randomBytes } from "node:crypto";
import { docRef } from "@/lib/adapters/firestore/collection";
import type { MeteredFirestore, UpdateData } from "@/lib/adapters/firestore/db";
import { collections, runtimeSettingsSchema, type RuntimeSettings, type SettingChange } from "@/lib/adapters/firestore/schemas";
import {
  DEFAULT_AUTO_HALT,
  SPARK_DAILY_BUDGET,
  type AutoHalt,
  type BurnCounts,
  type GuardDecision,
} from "@/lib/domain/monitor/burn";
import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import type { Clock } from "@/lib/ports/clock";

export type { RuntimeSettings, SettingChange } from "@/lib/adapters/firestore/schemas";

export const RUNTIME_SETTINGS = docRef(collections.settings, "runtime");

/** How long a cancellation stays in the runtime document: longer than any drain's lease. */
export const CANCELLATION_MEMORY_MS = 15 * 60 * 1000;

export async function readRuntimeSettings(db: MeteredFirestore, op = "settings.read"): Promise<RuntimeSettings> {
  const snap = await db.get(op, RUNTIME_SETTINGS);
  return snap?.data ?? runtimeSettingsSchema.parse({});
}

/** Who an automatic halt is recorded as, in the banner and the settings history. */
export const BURN_GUARD = "Burn guard (automatic)";

function changeRef(at: Date) {
  return docRef(collections.settingChanges, `${at.getTime()}-${randomBytes(4).toString("hex")}`);
}

/**
 * Changes operator settings and records the change in the settings history, in one transaction: the history
 * cannot miss a change, nor show one that did not happen. Nothing is written when nothing changes. The
 * runtime document is merged, never replaced, so cancellations recorded meanwhile stay.
 */
async function changeSettings(
  db: MeteredFirestore,
  clock: Clock,
  op: string,
  change: (current: RuntimeSettings, now: Date) => { update: UpdateData; record: Omit<SettingChange, "at"> } | null,
): Promise<boolean> {
  return db.transaction(op, async (tx) => {
    const current = (await tx.get(RUNTIME_SETTINGS)) ?? runtimeSettingsSchema.parse({});
    const now = clock.now();
    const decided = change(current, now);
    if (!decided) return false;
    tx.merge(RUNTIME_SETTINGS, { ...decided.update, updatedAt: now });
    tx.create(changeRef(now), { ...decided.record, at: now });
    return true;
  });
}

/**
 * The operator's halt switch. Resuming after an automatic halt snoozes that level for the rest of the quota
 * day, so the guard does not halt again a second later for the same reason.
 */
export async function setHalted(db: MeteredFirestore, clock: Clock, halted: boolean, by: string): Promise<void> {
  await changeSettings(db, clock, "settings.halt", (current, now) => {
    if (current.halted === halted) return null;
    const auto = current.autoHaltLevel ?? null;
    const update: UpdateData = halted
      ? { halted: true, haltedAt: now, haltedBy: by, haltedReason: null, autoHaltLevel: null }
      : {
          halted: false,
          haltedAt: null,
          haltedBy: null,
          haltedReason: null,
          autoHaltLevel: null,
          ...(auto && auto.day === firestoreQuotaDay(now) ? { autoHaltSnooze: auto } : {}),
        };
    return { update, record: { setting: "halt", by, from: current.halted ? "halted" : "running", to: halted ? "halted" : "running", reason: null } };
  });
}

/**
 * The burn guard's halt. Re-checked against the settings as they are now (an operator may have halted, or
 * changed the rule, since the guard read them); returns whether this call halted sending.
 */
export async function haltAutomatically(db: MeteredFirestore, clock: Clock, decision: Extract<GuardDecision, { halt: true }>): Promise<boolean> {
  return changeSettings(db, clock, "settings.autoHalt", (current, now) => {
    const rules = current.autoHalt ?? DEFAULT_AUTO_HALT;
    const at = decision.basis === "burn" ? rules.burnAt : rules.forecastAt;
    const day = firestoreQuotaDay(now);
    const snoozed = current.autoHaltSnooze && current.autoHaltSnooze.day === day ? current.autoHaltSnooze.level : 0;
    if (current.halted || at === null || decision.level < at || decision.level <= snoozed) return null;
    return {
      update: { halted: true, haltedAt: now, haltedBy: BURN_GUARD, haltedReason: decision.reason, autoHaltLevel: { day, level: decision.level } },
      record: { setting: "halt", by: BURN_GUARD, from: "running", to: "halted", reason: decision.reason },
    };
  });
}

export async function setSimulation(db: MeteredFirestore, clock: Clock, simulation: boolean, by = "an admin"): Promise<void> {
  await changeSettings(db, clock, "settings.simulation", (current) =>
    current.simulation === simulation
      ? null
      : { update: { simulation }, record: { setting: "simulation", by, from: current.simulation ? "on" : "off", to: simulation ? "on" : "off", reason: null } },
  );
}

const count = (n: number) => n.toLocaleString("en-US");

export function describeBudget(budget: BurnCounts | null): string {
  const b = budget ?? SPARK_DAILY_BUDGET;
  const figures = `${count(b.reads)} reads, ${count(b.writes)} writes, ${count(b.deletes)} deletes a day`;
  return budget ? figures : `free tier (${figures})`;
}

export function describeAutoHalt(rules: AutoHalt): string {
  const burn = rules.burnAt === null ? "not on today's burn" : `at ${rules.burnAt}% of today's burn`;
  const forecast = rules.forecastAt === null ? "not on the forecast" : `at ${rules.forecastAt}% of the forecast`;
  return rules.burnAt === null && rules.forecastAt === null ? "off" : `${burn}; ${forecast}`;
}

/** A paid plan's daily Firestore budget, or null to go back to the free tier's. */
export async function setBurnBudget(db: MeteredFirestore, clock: Clock, budget: BurnCounts | null, by: string): Promise<void> {
  await changeSettings(db, clock, "settings.budget", (current) => {
    const from = describeBudget(current.burnBudget ?? null);
    const to = describeBudget(budget);
    return from === to ? null : { update: { burnBudget: budget }, record: { setting: "budget", by, from, to, reason: null } };
  });
}

export async function setAutoHalt(db: MeteredFirestore, clock: Clock, rules: AutoHalt, by: string): Promise<void> {
  await changeSettings(db, clock, "settings.autoHalt", (current) => {
    const from = describeAutoHalt(current.autoHalt ?? DEFAULT_AUTO_HALT);
    const to = describeAutoHalt(rules);
    return from === to ? null : { update: { autoHalt: rules }, record: { setting: "autoHalt", by, from, to, reason: null } };
  });
}

/** The settings history, newest first, a page at a time (one read per change shown). */
export async function listSettingChanges(db: MeteredFirestore, options: { limit?: number; before?: Date } = {}): Promise<SettingChange[]> {
  const rows = await db.query("settings.history", collections.settingChanges, {
    orderBy: [["at", "desc"]],
    limit: options.limit ?? 20,
    ...(options.before ? { startAfter: [options.before] } : {}),
  });
  return rows.map((r) => r.data);
}

/**
 * Records that in-flight emails for these events, or these queue jobs, must not go out. Drains listen to this
 * one document, so the check before each send costs no read. Jobs, not invitations: a newer job of the same
 * invitation (a re-invite after a revoke) must still go. Old entries are dropped in the same write.
 */
export async function announceCancellations(
  db: MeteredFirestore,
  clock: Clock,
  target: { eventIds?: string[]; jobIds?: string[] },
): Promise<void> {
  if ((target.eventIds?.length ?? 0) + (target.jobIds?.length ?? 0) === 0) return;
  const now = clock.now();
  await db.transaction("settings.cancel", async (tx) => {
    const current = (await tx.get(RUNTIME_SETTINGS)) ?? runtimeSettingsSchema.parse({});
    const keep = (entries: Record<string, Date>) =>
      Object.fromEntries(Object.entries(entries).filter(([, at]) => now.getTime() - at.getTime() < CANCELLATION_MEMORY_MS));
    const events = keep(current.cancelledEvents);
    const jobs = keep(current.cancelledJobs);
    for (const id of target.eventIds ?? []) events[id] = now;
    for (const id of target.jobIds ?? []) jobs[id] = now;
    // A full set (not a merge) so pruned entries really leave the maps.
    tx.set(RUNTIME_SETTINGS, { ...current, cancelledEvents: events, cancelledJobs: jobs, updatedAt: now });
  });
}
