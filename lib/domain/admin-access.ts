/**
 * Who may use the admin side. Decided on the server only, from a verified session: an `admin` custom claim,
 * or a verified email on the configured allowlist (an unverified email could be anybody's).
 */
export interface VerifiedIdentity {
  uid: string;
  email?: string;
  emailVerified: boolean;
  claims: Record<string, unknown>;
}

/**
 * The one claim of the live dashboards' browser credential (minted by /api/live-token after an admin session
 * was checked). firestore.rules lets it read events for a limited time after its sign-in; it grants no admin
 * power anywhere, so a leaked live credential is worth one read-only listener and nothing more.
 */
export const LIVE_LISTENER_CLAIM = "herald_live";

function signInProvider(claims: Record<string, unknown>): string | undefined {
  const firebase = claims.firebase;
  if (!firebase || typeof firebase !== "object" || !("sign_in_provider" in firebase)) return undefined;
  return typeof firebase.sign_in_provider === "string" ? firebase.sign_in_provider : undefined;
}

/**
 * Whether a verified Firebase sign-in may become (or stay) an admin session. Custom tokens are only ever minted
 * by Herald for the live dashboards: a session made from one would outlive the admin check that minted it (an
 * admin removed from HERALD_ADMIN_EMAILS could keep renewing it). A token that names no provider is refused too.
 */
export function maySignInWith(claims: Record<string, unknown>): boolean {
  const provider = signInProvider(claims);
  return provider !== undefined && provider !== "custom";
}

export function isAdmin(identity: VerifiedIdentity, allowlist: readonly string[]): boolean {
  if (!maySignInWith(identity.claims)) return false;
  if (identity.claims.admin === true) return true;
  const email = identity.email?.toLowerCase();
  return Boolean(email && identity.emailVerified && allowlist.includes(email));
}
