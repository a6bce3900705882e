import type { Metadata } from "next";
import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import { readBurnReport, SPARK_DAILY_BUDGET } from "@/lib/services/burn-report";
import { getContainer } from "@/lib/server/container";
import { requireAdminPage } from "@/lib/server/session";

export const metadata: Metadata = { title: "Burn monitor · Herald" };

const KINDS = ["reads", "writes", "deletes"] as const;

function level(fraction: number) {
  return fraction >= 0.9 ? "danger" : fraction >= 0.6 ? "warn" : "";
}

export default async function BurnPage() {
  await requireAdminPage();
  const { firestore, clock } = getContainer();
  const day = firestoreQuotaDay(clock.now());
  const report = await readBurnReport(firestore.db, day);
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
