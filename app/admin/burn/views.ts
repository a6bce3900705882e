import "server-only";
import type { ProviderPanelView, QueueView } from "@/components/monitor/types";
import type { LiveRuntime } from "@/lib/client/live";
import type { ProviderPanel } from "@/lib/services/monitor";
import type { QueueHealth } from "@/lib/services/queue-health";
import type { RuntimeSettings } from "@/lib/services/settings";

/** Service results as the monitor's client components take them: plain data, times in epoch ms, no secrets. */
export function toProviderPanelView(panel: ProviderPanel): ProviderPanelView {
  return {
    lastHour: panel.lastHour,
    providers: panel.cards.map(({ view: v, successRate, penalty, unusableReason, hourly }) => ({
      id: v.id,
      name: v.name,
      kind: v.kind,
      enabled: v.enabled,
      status: v.health.status,
      circuit: v.health.circuit,
      openUntil: v.health.openUntil?.getTime() ?? null,
      consecutiveFailures: v.health.consecutiveFailures,
      sentToday: v.usage.sentToday,
      dailyQuota: v.usage.dailyQuota,
      nextResetAt: v.usage.nextResetAt.getTime(),
      resetTime: v.resetTime,
      timezone: v.timezone,
      successRate,
      latencyMs: v.health.latencyMs,
      penalty,
      unusableReason,
      hourly: hourly.map((h) => ({ at: h.at, ok: h.ok, fail: h.fail })),
      updatedAt: v.updatedAt.getTime(),
    })),
  };
}

export function toQueueView(q: QueueHealth): QueueView {
  return {
    depth: q.depth,
    inFlight: q.inFlight,
    liveDrains: q.liveDrains,
    oldestDueAt: q.oldestDueAt?.getTime() ?? null,
    countedAt: q.countedAt.getTime(),
  };
}

export function toLiveRuntime(s: RuntimeSettings): LiveRuntime {
  return {
    halted: s.halted,
    haltedAt: s.haltedAt?.getTime() ?? null,
    haltedBy: s.haltedBy,
    haltedReason: s.haltedReason ?? null,
    simulation: s.simulation,
    burnBudget: s.burnBudget ?? null,
    autoHalt: s.autoHalt ?? null,
  };
}
