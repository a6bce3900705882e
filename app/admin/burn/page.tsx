import type { Metadata } from "next";
import { BurnMonitor } from "@/components/monitor/burn-monitor";
import { firestoreQuotaDay } from "@/lib/domain/quota-day";
import { runtimeSettingsForRender } from "@/lib/server/runtime-settings";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { readBurnHistory, readBurnReport } from "@/lib/services/burn-report";
import { loadProviderPanel } from "@/lib/services/monitor";
import { readQueueHealth } from "@/lib/services/queue-health";
import { publicFirebaseConfig } from "../events/server";
import { recountQueueAction, refreshProvidersAction, resumeAction } from "./actions";
import { toLiveRuntime, toProviderPanelView, toQueueView } from "./views";

export const metadata: Metadata = { title: "Burn monitor · Herald" };

/**
 * The first frame, read on the server (about 25 reads with three providers and a small queue); the browser
 * then keeps it live. Reads are the day's shards, the 30-day history document, the providers, the runtime
 * settings and the queue's counts.
 */
export default async function BurnPage() {
  await requireAdminPage();
  const ctx = serviceContext();
  const now = ctx.clock.now();
  const day = firestoreQuotaDay(now);
  const [report, history, panel, queue, settings] = await Promise.all([
    readBurnReport(ctx.db, day, "monitor.burn"),
    readBurnHistory(ctx.db, now, day),
    loadProviderPanel(ctx),
    readQueueHealth(ctx.db, ctx.clock),
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
        queue: toQueueView(queue),
      }}
      config={publicFirebaseConfig()}
      actions={{ refreshProviders: refreshProvidersAction, recountQueue: recountQueueAction, resume: resumeAction }}
    />
  );
}
