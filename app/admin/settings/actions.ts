"use server";
import { revalidatePath } from "next/cache";
import type { SetSwitchAction } from "@/components/settings/types";
import { adminAction, adminName } from "@/lib/server/admin-action";
import { serviceContext } from "@/lib/server/services";
import { setHalted, setSimulation } from "@/lib/services/settings";

const badRequest = { ok: false, code: "invalid_input", message: "That request was not understood." } as const;

// The banner in the admin layout shows both switches: re-render the whole admin tree, not only this page.
const refreshAdmin = () => revalidatePath("/admin", "layout");

export const setHaltedAction: SetSwitchAction = async (halted) =>
  adminAction("settings.halt", async (admin) => {
    if (typeof halted !== "boolean") return badRequest;
    const { db, clock } = serviceContext();
    await setHalted(db, clock, halted, adminName(admin));
    refreshAdmin();
    return { ok: true };
  });

export const setSimulationAction: SetSwitchAction = async (on) =>
  adminAction("settings.simulation", async () => {
    if (typeof on !== "boolean") return badRequest;
    const { db, clock } = serviceContext();
    await setSimulation(db, clock, on);
    refreshAdmin();
    return { ok: true };
  });
