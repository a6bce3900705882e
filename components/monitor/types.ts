import type { ActionResult } from "@/components/events/types";
import type { LiveRuntime } from "@/lib/client/live";
import type { BurnCounts } from "@/lib/domain/monitor/burn";
import type { BurnReport } from "@/lib/domain/monitor/report";

/**
 * What the burn monitor's client components receive and what its server actions return: plain data, times as
 * epoch milliseconds. Declared on the browser side so components need no server import.
 */

/** The provider's status as lib/services/providers.ts derives it. */
export type ProviderHealthStatus = "healthy" | "failing" | "disabled" | "circuit_open" | "half_open" | "quota_exhausted" | "rate_limited";

export interface ProviderCardView {
  id: string;
  name: string;
  kind: string;
  enabled: boolean;
  status: ProviderHealthStatus;
  circuit: "closed" | "open" | "half_open";
  /** When an open circuit lets a probe through. */
  openUntil: number | null;
  consecutiveFailures: number;
  sentToday: number;
  dailyQuota: number | null;
  nextResetAt: number;
  resetTime: string;
  timezone: string;
  successRate: number | null;
  latencyMs: number | null;
  penalty: number | null;
  unusableReason: string | null;
  /** The last 24 hours, oldest first. */
  hourly: { at: number; ok: number; fail: number }[];
  updatedAt: number;
}

export interface ProviderPanelView {
  providers: ProviderCardView[];
  lastHour: { ok: number; fail: number };
}

export type QueueStateName = "pending" | "retry" | "failed";
export type PriorityName = "high" | "normal" | "low";

export interface QueueView {
  depth: Record<QueueStateName, Record<PriorityName, number>>;
  inFlight: number;
  liveDrains: number;
  oldestDueAt: number | null;
  countedAt: number;
}

export interface MonitorInitial {
  /** The server's clock when it rendered: the first client render must compute exactly what it did. */
  now: number;
  day: string;
  report: BurnReport;
  runtime: LiveRuntime;
  panel: ProviderPanelView;
  /** Counted after the page has loaded: aggregation over a large queue is the slowest read it makes. */
  queue: QueueView | null;
  history: { day: string; totals: BurnCounts }[];
}

export interface MonitorActions {
  refreshProviders: () => Promise<ActionResult<{ panel: ProviderPanelView }>>;
  recountQueue: () => Promise<ActionResult<{ queue: QueueView }>>;
  resume: () => Promise<ActionResult>;
}
