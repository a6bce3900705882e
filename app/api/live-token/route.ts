import { NextResponse, type NextRequest } from "next/server";
import { NotAdminError, requireAdmin } from "@/lib/server/session";
import { getContainer } from "@/lib/server/container";
import { logger } from "@/lib/log/logger";
import { isSameOrigin } from "@/lib/server/same-origin";

const noStore = { "cache-control": "no-store" };


/**
 * A short-lived Firebase custom token for the live dashboards' Firestore listeners. The `admin` developer claim
 * is what firestore.rules checks; it is granted only after the session cookie proved an admin, and the web SDK
 * keeps the resulting credential in memory only.
 */
export async function POST(request: NextRequest) {
  if (!isSameOrigin(request)) return NextResponse.json({ error: "Cross-site request refused" }, { status: 403, headers: noStore });
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
    const token = await getContainer().auth.createCustomToken(uid, { admin: true });
    return NextResponse.json({ token }, { headers: noStore });
  } catch (error) {
    logger.error("live token could not be created", { error });
    return NextResponse.json({ error: "Live updates are unavailable" }, { status: 500, headers: noStore });
  }
}
