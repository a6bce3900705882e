"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { RemoveSuppressionAction } from "@/components/suppressions/types";
import { adminAction, adminName } from "@/lib/server/admin-action";
import { serviceContext } from "@/lib/server/services";
import { removeSuppression } from "@/lib/services/suppression";

/** An address key as the list stores it: what the page rendered, sent back. */
const emailKeySchema = z.string().min(3).max(320);

export const removeSuppressionAction: RemoveSuppressionAction = async (emailKey) =>
  adminAction("suppression.remove", async (admin) => {
    const parsed = emailKeySchema.safeParse(emailKey);
    if (!parsed.success) return { ok: false, code: "invalid_input", message: "That address could not be read" };
    const result = await removeSuppression(serviceContext(), parsed.data, adminName(admin));
    if (result.ok) revalidatePath("/admin/suppressions");
    return result;
  });
