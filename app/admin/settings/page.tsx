import { AutoHaltForm, BudgetForm } from "@/components/settings/burn-settings";
import { RuntimeControls } from "@/components/settings/runtime-controls";
import { SettingsHistory } from "@/components/settings/settings-history";
import { DEFAULT_AUTO_HALT } from "@/lib/domain/monitor/burn";
import { runtimeSettingsForRender } from "@/lib/server/runtime-settings";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { listSettingChanges } from "@/lib/services/settings";
import { saveAutoHaltAction, saveBudgetAction, setHaltedAction, setSimulationAction } from "./actions";
import { formatUtc } from "./format";

const HISTORY_PAGE = 20;

export default async function SettingsPage({ searchParams }: { searchParams: Promise<{ before?: string | string[] }> }) {
  await requireAdminPage();
  const before = Number((await searchParams).before);
  const [settings, changes] = await Promise.all([
    runtimeSettingsForRender(),
    listSettingChanges(serviceContext().db, { limit: HISTORY_PAGE, ...(Number.isFinite(before) && before > 0 ? { before: new Date(before) } : {}) }),
  ]);
  const last = changes.at(-1);
  return (
    <section className="stack" aria-labelledby="section-title">
      <h1 id="section-title">Settings</h1>
      <RuntimeControls
        state={{
          halted: settings.halted,
          haltedAt: settings.haltedAt ? formatUtc(settings.haltedAt) : null,
          haltedBy: settings.haltedBy,
          haltedReason: settings.haltedReason ?? null,
          simulation: settings.simulation,
        }}
        setHalted={setHaltedAction}
        setSimulation={setSimulationAction}
      />
      <BudgetForm budget={settings.burnBudget ?? null} save={saveBudgetAction} />
      <AutoHaltForm rules={settings.autoHalt ?? DEFAULT_AUTO_HALT} save={saveAutoHaltAction} />
      <SettingsHistory
        changes={changes.map((c) => ({ at: c.at.getTime(), setting: c.setting, by: c.by, from: c.from, to: c.to, reason: c.reason }))}
        olderHref={changes.length === HISTORY_PAGE && last ? `/admin/settings?before=${last.at.getTime()}` : null}
      />
    </section>
  );
}
