import type { ProviderCardData } from "@/components/providers/types";
import { smtpTransportSecurity } from "@/lib/domain/providers/connection";
import type { ProviderView } from "@/lib/services/providers";

/**
 * Times are formatted here, on the server, in the provider's own time zone (the one its quota day follows):
 * the browser would format in its own zone, and the hydrated text would then differ from the server's.
 */

function sameLocalDay(a: Date, b: Date, timeZone: string): boolean {
  const day = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  return day.format(a) === day.format(b);
}

export function formatInstant(at: Date, timeZone: string, now: Date): string {
  const time = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
    ...(sameLocalDay(at, now, timeZone) ? {} : { day: "numeric", month: "short" }),
  });
  return time.format(at);
}

export function formatDuration(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

function until(at: Date, timeZone: string, now: Date): string {
  return `${formatInstant(at, timeZone, now)} (in ${formatDuration(at.getTime() - now.getTime())})`;
}

function ago(at: Date, timeZone: string, now: Date): string {
  return `${formatInstant(at, timeZone, now)} (${formatDuration(now.getTime() - at.getTime())} ago)`;
}

function healthLabel(view: ProviderView, now: Date): string {
  const { health, timezone, usage } = view;
  switch (health.status) {
    case "healthy":
      return "Healthy";
    case "failing":
      return `Failing: ${health.consecutiveFailures} in a row, traffic goes to other providers`;
    case "disabled":
      return "Disabled: bad credentials";
    case "circuit_open":
      return health.openUntil ? `Circuit open until ${until(health.openUntil, timezone, now)}` : "Circuit open";
    case "half_open":
      return "Half-open: the next send tests the provider";
    case "quota_exhausted":
      return `Daily quota used up until ${until(usage.nextResetAt, timezone, now)}`;
    case "rate_limited":
      return health.rateLimitedUntil ? `Rate limited until ${until(health.rateLimitedUntil, timezone, now)}` : "Rate limited";
  }
}

function healthDetails(view: ProviderView, now: Date): string[] {
  const { health, timezone } = view;
  const out: string[] = [];
  if (health.disabledAt) {
    out.push(`The provider refused Herald's credentials at ${formatInstant(health.disabledAt, timezone, now)}. Fix them with Edit, then re-enable.`);
  }
  if (health.consecutiveFailures > 0) out.push(`${health.consecutiveFailures} failed sends in a row`);
  if (health.latencyMs !== null) out.push(`Typical response ${health.latencyMs} ms`);
  if (health.lastSuccessAt) out.push(`Last accepted email ${ago(health.lastSuccessAt, timezone, now)}`);
  if (health.lastFailureAt) out.push(`Last failure ${ago(health.lastFailureAt, timezone, now)}`);
  return out;
}

function transportLabel(security: { secure: boolean; requireTLS: boolean }): string {
  if (security.secure) return " (TLS)";
  return security.requireTLS ? " (STARTTLS)" : " (TLS if offered)";
}

function endpoint(view: ProviderView): string {
  const c = view.connection;
  if (view.kind === "smtp") {
    const security =
      c.host === undefined || c.port === undefined
        ? ""
        : transportLabel(smtpTransportSecurity({ host: c.host, port: c.port, secure: c.secure ?? false, allowPlaintext: c.allowPlaintext ?? false }));
    return `${c.host ?? "?"}:${c.port ?? "?"}${security}`;
  }
  return c.baseUrl ?? (view.kind === "sendgrid" ? "api.sendgrid.com" : "api.resend.com");
}

export function providerCardData(view: ProviderView, now: Date): ProviderCardData {
  return {
    id: view.id,
    name: view.name,
    kind: view.kind,
    enabled: view.enabled,
    priority: view.priority,
    from: `${view.fromName} <${view.fromEmail}>`,
    endpoint: endpoint(view),
    hasSecret: view.hasSecret,
    health: { status: view.health.status, label: healthLabel(view, now), details: healthDetails(view, now) },
    quota: {
      sent: view.usage.sentToday,
      limit: view.usage.dailyQuota,
      resetsAt: until(view.usage.nextResetAt, view.timezone, now),
    },
  };
}
