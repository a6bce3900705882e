/**
 * The response headers that protect Herald's Next pages (the invitation pages set their own, stricter policy
 * in app/invite/_html). Pure, so the policy can be unit tested; proxy.ts applies it per request.
 */

export interface PolicyContext {
  /** Fresh per response, unguessable: only scripts carrying it run. */
  nonce: string;
  /** `next dev` only: React's dev tooling evaluates code. */
  development: boolean;
  /** The Firebase emulators the browser talks to locally, as host:port; absent in production. */
  firestoreEmulatorHost?: string;
  authEmulatorHost?: string;
  /** The Firebase Auth domain, whose frames carry Google sign-in. */
  authDomain?: string;
}

/** Where the Firebase web SDK connects in production: Auth's token endpoints and Firestore's listen channel. */
const FIREBASE_ENDPOINTS = [
  "https://identitytoolkit.googleapis.com",
  "https://securetoken.googleapis.com",
  "https://firestore.googleapis.com",
];

const emulatorOrigin = (hostPort: string | undefined) => (hostPort ? [`http://${hostPort}`] : []);

/**
 * Scripts run only with this response's nonce ('strict-dynamic' lets them load the chunks they need, and the
 * Firebase SDK its Google sign-in helper); Next puts the nonce on its own scripts when it finds it in the
 * request's policy. Style elements need the nonce too; style attributes (React's `style` prop) cannot carry
 * one, hence 'unsafe-inline' for attributes only. Nothing may frame the admin, and forms post only here.
 */
export function adminContentSecurityPolicy(context: PolicyContext): string {
  const emulated = Boolean(context.firestoreEmulatorHost || context.authEmulatorHost);
  const connect = emulated
    ? [...emulatorOrigin(context.firestoreEmulatorHost), ...emulatorOrigin(context.authEmulatorHost)]
    : FIREBASE_ENDPOINTS;
  const frames = [...(context.authDomain ? [`https://${context.authDomain}`] : []), ...emulatorOrigin(context.authEmulatorHost)];
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${context.nonce}' 'strict-dynamic'${context.development ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${context.nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${connect.join(" ")}`,
    `frame-src ${frames.length > 0 ? frames.join(" ") : "'none'"}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  // Against the emulators everything is plain http on loopback: upgrading would break the local stack.
  if (!emulated && !context.development) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/**
 * HSTS outside the emulators: browsers then refuse plain http to this host for two years, so a first visit
 * over a hostile network cannot be downgraded. Locally (plain http on loopback) it would be meaningless.
 */
export function strictTransportSecurity(context: { emulated: boolean; development: boolean }): string | null {
  return context.emulated || context.development ? null : "max-age=63072000; includeSubDomains";
}

/** The HSTS header for this process's environment, read per call so no value is inlined into the build. */
export function strictTransportSecurityHeader(source: Record<string, string | undefined> = process.env): Record<string, string> {
  const emulated = Boolean(source.FIRESTORE_EMULATOR_HOST || source.FIREBASE_AUTH_EMULATOR_HOST);
  const hsts = strictTransportSecurity({ emulated, development: source.NODE_ENV === "development" });
  return hsts ? { "Strict-Transport-Security": hsts } : {};
}
