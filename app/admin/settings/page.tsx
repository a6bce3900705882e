import { RuntimeControls } from "@/components/settings/runtime-controls";
import { runtimeSettingsForRender } from "@/lib/server/runtime-settings";
import { requireAdminPage } from "@/lib/server/session";
import { setHaltedAction, setSimulationAction } from "./actions";
import { formatUtc } from "./format";

export default async function SettingsPage() {
  await requireAdminPage();
  const settings = await runtimeSettingsForRender();
  return (
    <section className="stack" aria-labelledby="section-title">
      <h1 id="section-title">Settings</h1>
      <RuntimeControls
        state={{
          halted: settings.halted,
          haltedAt: settings.haltedAt ? formatUtc(settings.haltedAt) : null,
          haltedBy: settings.haltedBy,
          simulation: settings.simulation,
        }}
        setHalted={setHaltedAction}
        setSimulation={setSimulationAction}
      />
    </section>
  );
}
