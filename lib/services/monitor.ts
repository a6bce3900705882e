import { last24Hours, sendsInLastHour, type HourlyStats } from "@/lib/domain/delivery/provider-hourly";
import { rankProviders, type UnusableReason } from "@/lib/domain/delivery/ranking";
import type { ServiceContext } from "./context";
import { loadProviders } from "./provider-config";
import { providerView, type ProviderView } from "./providers";

/** One provider as the burn monitor shows it: quota, health and the last day at a glance. */
export interface ProviderCard {
  view: ProviderView;
  /** Share of attempts accepted over the last 24 hours; null with no attempts. */
  successRate: number | null;
  /** The engine's penalty now (lower is preferred); null when the provider is out of rotation. */
  penalty: number | null;
  unusableReason: UnusableReason | null;
  /** Attempts per hour for the last 24 hours, oldest first. */
  hourly: HourlyStats[];
}

export interface ProviderPanel {
  cards: ProviderCard[];
  /** Emails accepted by providers in the trailing hour, and attempts that failed. */
  lastHour: { ok: number; fail: number };
}

/** The providers' cards: one query, one read per provider. */
export async function loadProviderPanel(ctx: Pick<ServiceContext, "db" | "clock">): Promise<ProviderPanel> {
  const now = ctx.clock.now();
  const snaps = await loadProviders(ctx.db, "monitor.providers");
  const ranking = rankProviders(
    snaps.map(({ id, data }) => ({
      id,
      name: data.name,
      priority: data.priority,
      enabled: data.enabled,
      dailyQuota: data.dailyQuota,
      resetTime: data.resetTime,
      timezone: data.timezone,
      usage: data.usage,
      health: data.health,
    })),
    now,
  );
  let ok = 0;
  let fail = 0;
  const cards = snaps.map((snap) => {
    const stats = snap.data.hourly ?? [];
    const day = last24Hours(stats, now);
    const attempts = day.reduce((sum, h) => sum + h.ok + h.fail, 0);
    const last = sendsInLastHour(stats, now);
    ok += last.ok;
    fail += last.fail;
    return {
      view: providerView(snap, now),
      successRate: attempts === 0 ? null : day.reduce((sum, h) => sum + h.ok, 0) / attempts,
      penalty: ranking.usable.find((r) => r.id === snap.id)?.penalty ?? null,
      unusableReason: ranking.unusable.find((u) => u.id === snap.id)?.reason ?? null,
      hourly: day,
    };
  });
  return { cards, lastHour: { ok, fail } };
}
