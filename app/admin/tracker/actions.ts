"use server";
import type { RetryFailedAction } from "@/components/tracker/types";
import { parseTrackerParams } from "@/lib/domain/tracker/filters";
import { adminAction } from "@/lib/server/admin-action";
import { serviceContext } from "@/lib/server/services";
import { retryFailedJobs } from "@/lib/services/retry-failed";

/**
 * Bulk retry of the failed emails in the tracker's current view. The view arrives as its URL query and is
 * parsed again here, exactly as the page parsed it: the browser's word is not taken for which jobs match.
 */
export const retryFailedAction: RetryFailedAction = async (query) =>
  adminAction("tracker.retryFailed", async () => {
    if (typeof query !== "string" || query.length > 2_000) {
      return { ok: false, code: "invalid_input", message: "That view could not be read. Reload the page and try again." };
    }
    const { filters } = parseTrackerParams(Object.fromEntries(new URLSearchParams(query)));
    if (filters.q !== undefined || filters.mode === "simulated" || (filters.state && filters.state !== "failed")) {
      return { ok: false, code: "invalid_input", message: "This view holds no failed email to retry." };
    }
    const { eventId, kind, providerId, from, to, tz } = filters;
    const result = await retryFailedJobs(serviceContext(), { filters: { eventId, kind, providerId, from, to, tz } });
    return { ok: true, ...result };
  });
