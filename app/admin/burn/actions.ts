"use server";
import { revalidatePath } from "next/cache";
import { adminAction } from "@/lib/server/admin-action";
import { serviceContext } from "@/lib/server/services";
import { retryFailedJobs } from "@/lib/services/retry-failed";

/** "Retry all failed emails": a fresh set of attempts for every failed job, e.g. after fixing a provider. */
export async function retryFailedAction(): Promise<void> {
  await adminAction("retry failed jobs", async () => {
    await retryFailedJobs(serviceContext());
    return { ok: true };
  });
  revalidatePath("/admin/burn");
}
