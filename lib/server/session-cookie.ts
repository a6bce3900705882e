import { usesAuthEmulator, type ServerEnv } from "@/lib/config/env";

/** Firebase Hosting and App Hosting forward only a cookie named __session to the app, hence the name. */
export const SESSION_COOKIE = "__session";

export interface SessionCookieOptions {
  httpOnly: true;
  secure: boolean;
  sameSite: "lax";
  path: "/";
  maxAge: number;
}

/**
 * The admin session cookie: httpOnly (no script reads it), SameSite=Lax, and Secure everywhere except against
 * the Auth emulator, whose local stack is plain http. Not derived from HERALD_BASE_URL's scheme: a base URL
 * mistyped as http:// (or a TLS-terminating proxy in front) must not send the session over plain text.
 */
export function sessionCookieOptions(env: Pick<ServerEnv, "FIREBASE_AUTH_EMULATOR_HOST">, maxAgeSeconds: number): SessionCookieOptions {
  return {
    httpOnly: true,
    secure: !usesAuthEmulator(env),
    sameSite: "lax",
    path: "/",
    maxAge: maxAgeSeconds,
  };
}
