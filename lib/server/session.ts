import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { isAdmin, type VerifiedIdentity } from "@/lib/domain/admin-access";
import { getContainer } from "@/lib/server/container";
import { SESSION_COOKIE } from "@/lib/server/session-cookie";


export type SessionState =
  | { kind: "anonymous" }
  | { kind: "forbidden"; identity: VerifiedIdentity }
  | { kind: "admin"; identity: VerifiedIdentity };

/** Verifies the session cookie with firebase-admin, revocation included, and decides admin access. */
export async function readSession(): Promise<SessionState> {
  const cookie = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!cookie) return { kind: "anonymous" };
  const { auth, env } = getContainer();
  try {
    const decoded = await auth.verifySessionCookie(cookie, true);
    const identity: VerifiedIdentity = {
      uid: decoded.uid,
      email: decoded.email,
      emailVerified: decoded.email_verified === true,
      claims: decoded,
    };
    return isAdmin(identity, env.HERALD_ADMIN_EMAILS) ? { kind: "admin", identity } : { kind: "forbidden", identity };
  } catch {
    // Expired, revoked or forged: all mean "sign in again".
    return { kind: "anonymous" };
  }
}

/** For pages: redirects anonymous visitors to sign in and non-admins to the refusal page. */
export async function requireAdminPage(): Promise<VerifiedIdentity> {
  const session = await readSession();
  if (session.kind === "anonymous") redirect("/signin");
  if (session.kind === "forbidden") redirect("/not-authorised");
  return session.identity;
}

export class NotAdminError extends Error {
  constructor(readonly status: 401 | 403) {
    super(status === 401 ? "Sign in required" : "Not authorised");
  }
}

/** For server actions and route handlers: throws NotAdminError, which entry points map to 401/403. */
export async function requireAdmin(): Promise<VerifiedIdentity> {
  const session = await readSession();
  if (session.kind === "anonymous") throw new NotAdminError(401);
  if (session.kind === "forbidden") throw new NotAdminError(403);
  return session.identity;
}
