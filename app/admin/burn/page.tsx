import type { Metadata } from "next";
import { BurnMonitor } from "@/components/monitor/burn-monitor";
import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import { runtimeSettingsForRender } from "@/lib/server/runtime-settings";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { readBurnHistory, readBurnReport } from "@/lib/services/burn-report";
import { loadProviderPanel } from "@/lib/services/monitor";
import { publicFirebaseConfig } from "../events/server";
import { recountQueueAction, refreshProvidersAction, resumeAction } from "./actions";
import { toLiveRuntime, toProviderPanelView } from "./views";

export const metadata: Metadata = { title: "Burn monitor · Herald" };

/**
 * The first frame, read on the server: the day's shards, the 30-day history document, the providers and the
 * runtime settings (about a dozen reads with three providers). The browser then keeps it live, and counts the
 * queue once it has the page (nine aggregations and two reads, the slowest part on a large queue).
 */
export default async function BurnPage() {
  await requireAdminPage();
  const ctx = serviceContext();
  const now = ctx.clock.now();
  const day = firestoreQuotaDay(now);
  const [report, history, panel, settings] = await Promise.all([
    readBurnReport(ctx.db, day, "monitor.burn"),
    readBurnHistory(ctx.db, now, day),
    loadProviderPanel(ctx),
    runtimeSettingsForRender(),
  ]);
  return (
    <BurnMonitor
      initial={{
        now: now.getTime(),
        day,
        report,
        history,
        runtime: toLiveRuntime(settings),
        panel: toProviderPanelView(panel),
        queue: null,
      }}
      config={publicFirebaseConfig()}
      actions={{ refreshProviders: refreshProvidersAction, recountQueue: recountQueueAction, resume: resumeAction }}
    />
  );
}
