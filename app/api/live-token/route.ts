import { NextResponse, type NextRequest } from "next/server";
import { NotAdminError, requireAdmin } from "@/lib/server/session";
import { getContainer } from "@/lib/server/container";
import { logger } from "@/lib/log/logger";
import { isSameOrigin } from "@/lib/server/same-origin";
import { LIVE_LISTENER_CLAIM } from "@/lib/domain/admin-access";

const noStore = { "cache-control": "no-store" };


/**
 * A Firebase custom token for the live dashboards' Firestore listeners, granted only after the session cookie
 * proved an admin. It carries the live-listener claim and nothing else: firestore.rules lets that claim read
 * events for an hour after the sign-in, /api/session refuses any custom-token sign-in, and the web SDK keeps
 * the credential in memory only.
 */
export async function POST(request: NextRequest) {
  if (!isSameOrigin(request, getContainer().env.HERALD_BASE_URL)) return NextResponse.json({ error: "Cross-site request refused" }, { status: 403, headers: noStore });
  let uid: string;
  try {
    uid = (await requireAdmin()).uid;
  } catch (error) {
    if (error instanceof NotAdminError) {
      return NextResponse.json({ error: error.message }, { status: error.status, headers: noStore });
    }
    logger.error("live token: session check failed", { error });
    return NextResponse.json({ error: "Live updates are unavailable" }, { status: 500, headers: noStore });
  }
  try {
    const token = await getContainer().auth.createCustomToken(uid, { [LIVE_LISTENER_CLAIM]: true });
    return NextResponse.json({ token }, { headers: noStore });
  } catch (error) {
    logger.error("live token could not be created", { error });
    return NextResponse.json({ error: "Live updates are unavailable" }, { status: 500, headers: noStore });
  }
}
