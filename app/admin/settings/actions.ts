"use server";
import { revalidatePath } from "next/cache";
import type { SaveFormAction } from "@/components/settings/burn-settings";
import type { SetSwitchAction } from "@/components/settings/types";
import { autoHaltFormSchema, autoHaltFromForm, budgetFormSchema, budgetFromForm, fieldErrorsOf } from "@/lib/domain/monitor/settings-form";
import { adminAction, adminName } from "@/lib/server/admin-action";
import { serviceContext } from "@/lib/server/services";
import { setAutoHalt, setBurnBudget, setHalted, setSimulation } from "@/lib/services/settings";

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
  adminAction("settings.simulation", async (admin) => {
    if (typeof on !== "boolean") return badRequest;
    const { db, clock } = serviceContext();
    await setSimulation(db, clock, on, adminName(admin));
    refreshAdmin();
    return { ok: true };
  });

const invalid = (error: Parameters<typeof fieldErrorsOf>[0]) =>
  ({ ok: false, code: "invalid_input", message: "Check the highlighted fields", fieldErrors: fieldErrorsOf(error) }) as const;

export const saveBudgetAction: SaveFormAction = async (values) =>
  adminAction("settings.budget", async (admin) => {
    const parsed = budgetFormSchema.safeParse(values);
    if (!parsed.success) return invalid(parsed.error);
    const { db, clock } = serviceContext();
    await setBurnBudget(db, clock, budgetFromForm(parsed.data), adminName(admin));
    revalidatePath("/admin/settings");
    return { ok: true };
  });

export const saveAutoHaltAction: SaveFormAction = async (values) =>
  adminAction("settings.autoHalt", async (admin) => {
    const parsed = autoHaltFormSchema.safeParse(values);
    if (!parsed.success) return invalid(parsed.error);
    const { db, clock } = serviceContext();
    await setAutoHalt(db, clock, autoHaltFromForm(parsed.data), adminName(admin));
    revalidatePath("/admin/settings");
    return { ok: true };
  });
