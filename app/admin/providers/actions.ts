"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import type {
  ProviderIdAction,
  SaveProviderAction,
  SendTestEmailAction,
  SetProviderEnabledAction,
} from "@/components/providers/types";
import { adminAction } from "@/lib/server/admin-action";
import { getContainer } from "@/lib/server/container";
import { serviceContext } from "@/lib/server/services";
import {
  deleteProvider,
  reenableProvider,
  saveProvider,
  sendTestEmail,
  setProviderEnabled,
} from "@/lib/services/providers";

const providerId = z.string().min(1).max(100).regex(/^[\w-]+$/);

const badRequest = { ok: false, code: "invalid_input", message: "That request was not understood." } as const;

function refresh() {
  revalidatePath("/admin/providers", "layout");
}

export const saveProviderAction: SaveProviderAction = async (id, fields) =>
  adminAction("provider.save", async () => {
    if (id !== null && !providerId.safeParse(id).success) return badRequest;
    // The service parses `fields` with the provider form schema, against the stored document.
    const result = await saveProvider(serviceContext(), getContainer().env.HERALD_CREDENTIALS_KEY, id, fields);
    if (result.ok) refresh();
    return result;
  });

export const setProviderEnabledAction: SetProviderEnabledAction = async (id, enabled) =>
  adminAction("provider.enable", async () => {
    if (!providerId.safeParse(id).success || typeof enabled !== "boolean") return badRequest;
    const result = await setProviderEnabled(serviceContext(), id, enabled);
    refresh();
    return result;
  });

export const reenableProviderAction: ProviderIdAction = async (id) =>
  adminAction("provider.reenable", async () => {
    if (!providerId.safeParse(id).success) return badRequest;
    const result = await reenableProvider(serviceContext(), id);
    refresh();
    return result;
  });

export const deleteProviderAction: ProviderIdAction = async (id) =>
  adminAction("provider.delete", async () => {
    if (!providerId.safeParse(id).success) return badRequest;
    const result = await deleteProvider(serviceContext(), id);
    refresh();
    return result;
  });

export const sendTestEmailAction: SendTestEmailAction = async (id, to) =>
  adminAction("provider.test", async () => {
    if (!providerId.safeParse(id).success || typeof to !== "string" || to.length > 320) return badRequest;
    const { env, mailerFactory } = getContainer();
    const sent = await sendTestEmail(serviceContext(), env.HERALD_CREDENTIALS_KEY, mailerFactory, id, to);
    if (!sent.ok) return sent;
    const r = sent.result;
    // The quota meter moved: re-render the list with the action's answer.
    refresh();
    return {
      ok: true,
      result: r.ok
        ? { ok: true, latencyMs: r.latencyMs, providerMessageId: r.providerMessageId }
        : { ok: false, errorClass: r.errorClass, message: r.message, status: r.status === undefined ? null : String(r.status), latencyMs: r.latencyMs },
    };
  });
