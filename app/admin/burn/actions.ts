"use server";
import { revalidatePath } from "next/cache";
import type { MonitorActions } from "@/components/monitor/types";
import { adminAction, adminName } from "@/lib/server/admin-action";
import { serviceContext } from "@/lib/server/services";
import { loadProviderPanel } from "@/lib/services/monitor";
import { readQueueHealth } from "@/lib/services/queue-health";
import { setHalted } from "@/lib/services/settings";
import { toProviderPanelView, toQueueView } from "./views";

export const refreshProvidersAction: MonitorActions["refreshProviders"] = async () =>
  adminAction("monitor.providers", async () => ({ ok: true, panel: toProviderPanelView(await loadProviderPanel(serviceContext())) }));

export const recountQueueAction: MonitorActions["recountQueue"] = async () =>
  adminAction("monitor.queue", async () => {
    const { db, clock } = serviceContext();
    return { ok: true, queue: toQueueView(await readQueueHealth(db, clock)) };
  });

/** Resuming from the monitor's halt banner: the same switch as Settings, recorded in its history. */
export const resumeAction: MonitorActions["resume"] = async () =>
  adminAction("monitor.resume", async (admin) => {
    const { db, clock } = serviceContext();
    await setHalted(db, clock, false, adminName(admin));
    revalidatePath("/admin", "layout");
    return { ok: true };
  });
