import type { Metadata } from "next";
import { RetryFailedForm } from "@/components/burn/retry-failed";
import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import { readBurnReport, SPARK_DAILY_BUDGET } from "@/lib/services/burn-report";
import { listProviderViews, type ProviderStatus } from "@/lib/services/providers";
import { readQueueHealth } from "@/lib/services/queue-health";
import { retryFailedAction } from "./actions";
import { getContainer } from "@/lib/server/container";
import { requireAdminPage } from "@/lib/server/session";

export const metadata: Metadata = { title: "Burn monitor · Herald" };

const KINDS = ["reads", "writes", "deletes"] as const;

const STATUS_TONE: Record<ProviderStatus, string> = {
  healthy: "ok",
  half_open: "warn",
  rate_limited: "warn",
  quota_exhausted: "warn",
  circuit_open: "danger",
  disabled: "danger",
};

function level(fraction: number) {
  return fraction >= 0.9 ? "danger" : fraction >= 0.6 ? "warn" : "";
}

export default async function BurnPage() {
  await requireAdminPage();
  const { firestore, clock } = getContainer();
  const day = firestoreQuotaDay(clock.now());
  const [report, queue, providers] = await Promise.all([
    readBurnReport(firestore.db, day),
    readQueueHealth(firestore.db, clock),
    listProviderViews({ db: firestore.db, clock }),
  ]);
  const behindSeconds = queue.oldestDueAt ? Math.max(0, Math.round((clock.now().getTime() - queue.oldestDueAt.getTime()) / 1000)) : 0;
  const peak = Math.max(1, ...report.operations.map((o) => o.reads + o.writes + o.deletes));
  return (
    <section className="stack" aria-labelledby="burn-title">
      <h1 id="burn-title">Burn monitor</h1>
      <p className="muted">
        Firestore operations Herald made on quota day {day} (midnight to midnight US Pacific), against the free
        tier&apos;s daily allowance. Counts are flushed every few seconds.
      </p>
      <div className="stats">
        {KINDS.map((kind) => {
          const used = report.totals[kind];
          const budget = SPARK_DAILY_BUDGET[kind];
          const fraction = Math.min(1, used / budget);
          return (
            <div className="stat stack" key={kind} data-testid={`burn-${kind}`}>
              <div className="label">{kind}</div>
              <div className="value">
                {used.toLocaleString("en")} <span className="muted">/ {budget.toLocaleString("en")}</span>
              </div>
              <div
                className={`meter ${level(fraction)}`}
                role="meter"
                aria-label={`${kind} used today`}
                aria-valuemin={0}
                aria-valuemax={budget}
                aria-valuenow={used}
              >
                <span style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
              </div>
            </div>
          );
        })}
      </div>
      <h2>Email providers today</h2>
      {providers.length === 0 ? (
        <p className="muted">No provider is set up yet.</p>
      ) : (
        <div className="stats">
          {providers.map((p) => {
            const { sentToday, dailyQuota, nextResetAt } = p.usage;
            const fraction = dailyQuota ? Math.min(1, sentToday / dailyQuota) : 0;
            return (
              <div className="stat stack" key={p.id} data-testid={`budget-${p.id}`}>
                <div className="label">{p.name}</div>
                <div className="value">
                  {sentToday.toLocaleString("en")}
                  <span className="muted"> / {dailyQuota ? dailyQuota.toLocaleString("en") : "no limit"}</span>
                </div>
                {dailyQuota ? (
                  <div className={`meter ${level(fraction)}`} role="meter" aria-label={`${p.name} quota used today`} aria-valuemin={0} aria-valuemax={dailyQuota} aria-valuenow={sentToday}>
                    <span style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
                  </div>
                ) : null}
                <div className="muted">
                  <span className={`badge ${STATUS_TONE[p.enabled ? p.health.status : "disabled"]}`}>
                    {p.enabled ? p.health.status.replace("_", " ") : "switched off"}
                  </span>
                  {dailyQuota ? ` · resets ${nextResetAt.toISOString().slice(0, 16).replace("T", " ")} UTC` : ""}
                </div>
              </div>
            );
          })}
        </div>
      )}
      <h2>Queue</h2>
      <div className="stats" data-testid="queue-health">
        <div className="stat"><div className="value">{queue.waiting}</div><div className="label">waiting</div></div>
        <div className="stat"><div className="value">{queue.retrying}</div><div className="label">retrying</div></div>
        <div className="stat"><div className="value">{queue.inFlight}</div><div className="label">sending now</div></div>
        <div className="stat"><div className="value">{queue.failed}</div><div className="label">failed</div></div>
        <div className="stat"><div className="value">{queue.liveDrains}</div><div className="label">workers</div></div>
        <div className="stat"><div className="value">{behindSeconds}s</div><div className="label">oldest due email waiting</div></div>
      </div>
      <div className="row">
        {queue.failed > 0 ? (
          <RetryFailedForm failed={queue.failed} retry={retryFailedAction} />
        ) : null}
        <a className="button danger" href="/admin/settings">
          Halt sending…
        </a>
      </div>
      <h2>By operation</h2>
      {report.operations.length === 0 ? (
        <p className="muted">Nothing counted yet today.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Operation</th>
                <th scope="col">Collection</th>
                <th scope="col">Reads</th>
                <th scope="col">Writes</th>
                <th scope="col">Deletes</th>
                <th scope="col" aria-hidden="true">
                  Share
                </th>
              </tr>
            </thead>
            <tbody>
              {report.operations.map((o) => (
                <tr key={`${o.collection}|${o.operation}`}>
                  <td>{o.operation}</td>
                  <td>{o.collection}</td>
                  <td>{o.reads.toLocaleString("en")}</td>
                  <td>{o.writes.toLocaleString("en")}</td>
                  <td>{o.deletes.toLocaleString("en")}</td>
                  <td aria-hidden="true" style={{ minWidth: "6rem" }}>
                    <div className="meter">
                      <span style={{ width: `${(((o.reads + o.writes + o.deletes) / peak) * 100).toFixed(1)}%` }} />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
