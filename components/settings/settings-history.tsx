import Link from "next/link";
import { LocalTime } from "@/components/ui/time";

export interface SettingChangeView {
  at: number;
  setting: string;
  by: string;
  from: string;
  to: string;
  reason: string | null;
}

const NAMES: Record<string, string> = { halt: "Sending", simulation: "Simulation mode", budget: "Firestore budget", autoHalt: "Automatic halt" };

/** Who changed which operator setting, and when, newest first. */
export function SettingsHistory({ changes, olderHref }: { changes: SettingChangeView[]; olderHref: string | null }) {
  return (
    <section className="stack" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {changes.length === 0 ? (
        <p className="muted">No setting has been changed yet.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="settings-history">
            <caption className="visually-hidden">Changes to operator settings, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Setting</th>
                <th scope="col">Change</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {changes.map((c, i) => (
                <tr key={`${c.at}-${i}`}>
                  <td>
                    <LocalTime at={c.at} />
                  </td>
                  <th scope="row">{NAMES[c.setting] ?? c.setting}</th>
                  <td>
                    {c.from} → <strong>{c.to}</strong>
                    {c.reason ? <div className="muted">{c.reason}</div> : null}
                  </td>
                  <td style={{ overflowWrap: "anywhere" }}>{c.by}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {olderHref ? <Link href={olderHref}>Older changes →</Link> : null}
    </section>
  );
}
