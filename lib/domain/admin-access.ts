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

export function isAdmin(identity: VerifiedIdentity, allowlist: readonly string[]): boolean {
  if (identity.claims.admin === true) return true;
  const email = identity.email?.toLowerCase();
  return Boolean(email && identity.emailVerified && allowlist.includes(email));
}
