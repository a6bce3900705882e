/**
 * Invitation link tokens.
 *
 * The token is derived, not drawn at random:
 *   token     = base64url(HMAC-SHA256(secret, "invite-token\n" + invitationId + "\n" + tokenVersion))
 *   tokenHash = base64url(HMAC-SHA256(secret, token))        ← the only thing stored, next to tokenVersion
 *
 * Why derived: the queue retries sends, and a retry must mail the same link as the first attempt (the guest may
 * already have the first email), yet the raw link may not sit in the queue or the database. With a derived
 * token the job stores only the invitation id; the worker, which holds the secret, rebuilds the token at send
 * time. A copy of the database (ids, versions, hashes) cannot produce a token without the server secret, and
 * the hash cannot be reversed. Resending bumps tokenVersion, which changes both token and hash, so the old
 * link stops matching.
 *
 * The unpredictability comes from the ≥ 256-bit secret, not from a random draw, so the secret must be random,
 * kept server-side, and never reused for anything but these MACs. Rotating it invalidates every open link.
 *
 * node:crypto is confined to this module: HMAC is pure computation, but keeping the import in one place keeps
 * the rest of the domain loadable anywhere.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The secret is at least as long as the HMAC output; anything shorter is a misconfiguration. */
export const MIN_SECRET_BYTES = 32;

/** 32 bytes (256 bits) of HMAC output in unpadded base64url. */
export const TOKEN_LENGTH = 43;

export const INVITE_PATH_PREFIX = "/invite/";

export type ServerSecret = string | Uint8Array;

// 43 base64url characters carry 258 bits; for 256 the last character's low two bits are zero. Refusing the
// other spellings means one token has exactly one accepted string.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

function checkedSecret(secret: ServerSecret): ServerSecret {
  const bytes = typeof secret === "string" ? Buffer.byteLength(secret, "utf8") : secret.byteLength;
  if (bytes < MIN_SECRET_BYTES) {
    throw new RangeError(`The invitation secret must be at least ${MIN_SECRET_BYTES} bytes, got ${bytes}`);
  }
  return secret;
}

function hmac(secret: ServerSecret, message: string): string {
  return createHmac("sha256", checkedSecret(secret)).update(message, "utf8").digest("base64url");
}

/** The link token for version `tokenVersion` of an invitation. Same inputs, same token: retries resend the same link. */
export function deriveInvitationToken(secret: ServerSecret, invitationId: string, tokenVersion: number): string {
  if (invitationId === "" || invitationId.includes("\n")) {
    throw new RangeError("invitationId must be non-empty and single-line");
  }
  if (!Number.isSafeInteger(tokenVersion) || tokenVersion < 1) {
    throw new RangeError(`tokenVersion must be a positive integer, got ${tokenVersion}`);
  }
  return hmac(secret, `invite-token\n${invitationId}\n${tokenVersion}`);
}

/**
 * What the database stores and looks invitations up by. Keyed with the secret (not a bare SHA-256) so that even
 * a leaked token list cannot be matched against a database copy without the server.
 */
export function hashToken(secret: ServerSecret, token: string): string {
  return hmac(secret, token);
}

/** The fields an invitation document stores for its link, and the token to mail (never stored). */
export function issueInvitationToken(
  secret: ServerSecret,
  invitationId: string,
  tokenVersion: number,
): { token: string; tokenHash: string; tokenVersion: number } {
  const token = deriveInvitationToken(secret, invitationId, tokenVersion);
  return { token, tokenHash: hashToken(secret, token), tokenVersion };
}

/**
 * Exact shape of a token. Check it before touching the database: a malformed value in the URL must cost
 * nothing, not a Firestore read per probe.
 */
export function isWellFormedToken(value: unknown): value is string {
  return typeof value === "string" && TOKEN_SHAPE.test(value);
}

/** The hash to look an invitation up by, or null when the candidate is not even shaped like a token. */
export function lookupHashForToken(secret: ServerSecret, candidate: unknown): string | null {
  return isWellFormedToken(candidate) ? hashToken(secret, candidate) : null;
}

/** Compares two hashes without leaking, through timing, how many leading characters matched. */
export function tokenHashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  // Length is public (every hash has the same one); only the content needs the constant-time path.
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Does `token` open the invitation whose stored hash is `storedHash`? */
export function tokenMatches(secret: ServerSecret, token: string, storedHash: string): boolean {
  return isWellFormedToken(token) && tokenHashesEqual(hashToken(secret, token), storedHash);
}

export function invitationLinkPath(token: string): string {
  if (!isWellFormedToken(token)) throw new RangeError("Not an invitation token");
  return `${INVITE_PATH_PREFIX}${token}`;
}

/** Lower-case hex SHA-256; here so that identity.ts can hash without importing node:crypto itself. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
