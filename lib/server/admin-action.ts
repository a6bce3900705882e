import "server-only";
import type { VerifiedIdentity } from "@/lib/domain/admin-access";
import { logger } from "@/lib/log/logger";
import { limitAdminBulk } from "@/lib/server/rate-limits";
import { NotAdminError, requireAdmin } from "@/lib/server/session";

export type AdminActionFailure = { ok: false; code: string; message: string; fieldErrors?: Record<string, string> };
export type AdminActionResult<T extends object = object> = ({ ok: true } & T) | AdminActionFailure;

const INTERNAL: AdminActionFailure = {
  ok: false,
  code: "internal",
  message: "Herald could not finish that. Try again in a moment.",
};

/**
 * The frame of every admin server action: the admin check comes first, whatever the caller sent, then (for
 * bulk actions) the admin's rate limit, and anything
 * thrown after it is logged here and reaches the browser as one generic message. A server action is a public
 * POST endpoint; an exception's message or stack could carry a document path, a provider's answer or worse.
 */
export async function adminAction<R extends AdminActionResult>(
  name: string,
  body: (admin: VerifiedIdentity) => Promise<R>,
  options: { bulk?: boolean } = {},
): Promise<R | AdminActionFailure> {
  let admin: VerifiedIdentity;
  try {
    admin = await requireAdmin();
  } catch (error) {
    if (error instanceof NotAdminError) {
      return {
        ok: false,
        code: error.status === 401 ? "unauthenticated" : "forbidden",
        message: error.status === 401 ? "Your session has ended: sign in again." : "Only admins can do this.",
      };
    }
    logger.error(`${name}: admin check failed`, { error });
    return INTERNAL;
  }
  if (options.bulk) {
    // Bulk actions write and mail by the hundred: a runaway script or a stolen session is slowed to a pace a
    // person at the keyboard never reaches.
    const limited = limitAdminBulk(admin.uid);
    if (!limited.ok) {
      return {
        ok: false,
        code: "rate_limited",
        message: `Too many bulk actions in a row. Wait ${limited.retryAfterSeconds} seconds, then carry on where this stopped.`,
      };
    }
  }
  try {
    return await body(admin);
  } catch (error) {
    logger.error(`${name} failed`, { error, uid: admin.uid });
    return INTERNAL;
  }
}

/** Who did it, for records such as "halted by …": the verified email, or the uid when there is none. */
export function adminName(admin: VerifiedIdentity): string {
  return admin.email ?? admin.uid;
}
