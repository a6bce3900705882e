import { cookies } from "next/headers";
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { getContainer } from "@/lib/server/container";
import { readSession } from "@/lib/server/session";
import { SESSION_COOKIE, sessionCookieOptions } from "@/lib/server/session-cookie";
import { maySignInWith } from "@/lib/domain/admin-access";
import { logger } from "@/lib/log/logger";
import { isSameOrigin } from "@/lib/server/same-origin";
import { limitSignIn } from "@/lib/server/rate-limits";
import { readBodyLimited, TOO_LARGE } from "@/lib/server/request-body";

/** A Firebase ID token is a few kilobytes at most; the body is read no further than this. */
const MAX_BODY_BYTES = 16 * 1024;

const bodySchema = z.object({ idToken: z.string().min(20).max(8192) });

/** A session is only minted from a fresh sign-in, so a stolen old ID token cannot be upgraded into one. */
const MAX_SIGN_IN_AGE_SECONDS = 5 * 60;


export async function POST(request: NextRequest) {
  if (!isSameOrigin(request, getContainer().env.HERALD_BASE_URL)) return NextResponse.json({ error: "Cross-site request refused" }, { status: 403 });
  const limited = limitSignIn(request);
  if (!limited.ok) {
    return NextResponse.json(
      { error: `Too many sign-in attempts. Wait ${limited.retryAfterSeconds} seconds and try again.` },
      { status: 429, headers: { "Retry-After": String(limited.retryAfterSeconds) } },
    );
  }
  const body = await readBodyLimited(request, MAX_BODY_BYTES);
  if (body === TOO_LARGE) return NextResponse.json({ error: "Request body too large" }, { status: 413 });
  const parsed = bodySchema.safeParse(parseJson(body));
  if (!parsed.success) return NextResponse.json({ error: "idToken is required" }, { status: 400 });

  const { auth, env } = getContainer();
  try {
    const decoded = await auth.verifyIdToken(parsed.data.idToken, true);
    if (!maySignInWith(decoded)) {
      return NextResponse.json({ error: "This sign-in cannot open an admin session" }, { status: 403 });
    }
    if (Date.now() / 1000 - decoded.auth_time > MAX_SIGN_IN_AGE_SECONDS) {
      return NextResponse.json({ error: "Sign in again" }, { status: 401 });
    }
    const expiresIn = env.HERALD_SESSION_DAYS * 24 * 60 * 60 * 1000;
    const sessionCookie = await auth.createSessionCookie(parsed.data.idToken, { expiresIn });
    (await cookies()).set(SESSION_COOKIE, sessionCookie, sessionCookieOptions(env, expiresIn / 1000));
    return NextResponse.json({ ok: true });
  } catch (error) {
    logger.warn("session creation refused", { error });
    return NextResponse.json({ error: "Sign-in could not be verified" }, { status: 401 });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Sign-out revokes every refresh token of the user, so other devices' sessions end too. */
export async function DELETE(request: NextRequest) {
  if (!isSameOrigin(request, getContainer().env.HERALD_BASE_URL)) return NextResponse.json({ error: "Cross-site request refused" }, { status: 403 });
  const session = await readSession();
  if (session.kind !== "anonymous") {
    await getContainer().auth.revokeRefreshTokens(session.identity.uid);
  }
  (await cookies()).delete(SESSION_COOKIE);
  return NextResponse.json({ ok: true });
}
