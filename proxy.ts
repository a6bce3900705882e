import { NextResponse, type NextRequest } from "next/server";
import { isDecodableActionRequest } from "@/lib/server/action-request";
import { adminContentSecurityPolicy, strictTransportSecurityHeader } from "@/lib/server/csp";

/**
 * Runs before every page and route handler but the invitation pages' and the provider webhooks' (Next 16's
 * "proxy", formerly middleware).
 * Pages get a Content-Security-Policy with a fresh nonce, passed on in the request's own CSP header, from which
 * Next puts it on every script it writes. Outside the emulators every response also gets HSTS. The invitation
 * pages set their own stricter policy and HSTS (app/invite/_html/respond.ts): they are what guests' clicks and
 * mail scanners hit in bursts, and skipping the proxy there took a measurable share of each request's CPU. The
 * webhooks, which providers post in bursts, set their own HSTS for the same reason (lib/server/webhooks.ts).
 * A server action call Next could not decode is refused here with a 400 rather than reaching Next's decoder,
 * which would answer 500.
 */
export async function proxy(request: NextRequest) {
  const env = readEnv(process.env);
  // The same HSTS header the invitation pages send, from the same reading of the environment.
  const hsts = strictTransportSecurityHeader(process.env);
  if (request.method === "POST" && request.headers.has("next-action") && !(await isDecodableActionRequest(request))) {
    return new NextResponse("That request was not understood.", {
      status: 400,
      headers: { "content-type": "text/plain; charset=utf-8", ...hsts },
    });
  }
  if (request.nextUrl.pathname.startsWith("/api/")) {
    const response = NextResponse.next();
    for (const [name, value] of Object.entries(hsts)) response.headers.set(name, value);
    return response;
  }

  const policy = adminContentSecurityPolicy({ ...env, nonce: Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64") });
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  for (const [name, value] of Object.entries(hsts)) response.headers.set(name, value);
  return response;
}

/** Read per request from the whole environment object, so no value is inlined into the build. */
function readEnv(source: Record<string, string | undefined>) {
  const firestoreEmulatorHost = source.FIRESTORE_EMULATOR_HOST || undefined;
  const authEmulatorHost = source.FIREBASE_AUTH_EMULATOR_HOST || undefined;
  return {
    firestoreEmulatorHost,
    authEmulatorHost,
    authDomain: source.FIREBASE_AUTH_DOMAIN || undefined,
    emulated: Boolean(firestoreEmulatorHost || authEmulatorHost),
    development: source.NODE_ENV === "development",
  };
}

export const config = {
  // Static files need no policy; prefetches carry no HTML.
  matcher: [
    {
      source: "/((?!_next/static|_next/image|favicon.ico|invite/|api/webhooks/).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
