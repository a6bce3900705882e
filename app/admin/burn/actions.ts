"use server";
import { revalidatePath } from "next/cache";
import type { RetryFailedAction } from "@/components/burn/retry-failed";
import { adminAction } from "@/lib/server/admin-action";
import { serviceContext } from "@/lib/server/services";
import { retryFailedJobs } from "@/lib/services/retry-failed";

/**
 * "Retry all failed emails": a fresh set of attempts for every failed job, e.g. after fixing a provider. Returns
 * the frame's result like every action, so a refusal is visible to the caller.
 */
export const retryFailedAction: RetryFailedAction = async () =>
  adminAction("retry failed jobs", async () => {
    await retryFailedJobs(serviceContext());
    revalidatePath("/admin/burn");
    return { ok: true };
  });
