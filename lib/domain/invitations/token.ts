/**
 * Invitation links.
 *
 * A link names its invitation and carries the server's signature over it:
 *   token     = invitationId "." tokenVersion "." mac
 *   mac       = base64url(first 16 bytes of HMAC-SHA256(secret, "invite-link\n" + invitationId + "\n" + tokenVersion))
 *   tokenHash = base64url(HMAC-SHA256(secret, "invite-hash\n" + token))     ← stored next to tokenVersion
 *
 * Why signed: the server checks a link with the secret alone, before touching the database, so a forged or
 * mangled link costs no Firestore read, however many arrive; a genuine one is then a single document get by
 * id. Why derived: the queue retries sends, and a retry must mail the same link as the first attempt, yet the
 * raw link may not sit in the queue or the database; the worker, which holds the secret, rebuilds it at send
 * time from the invitation id and version. Resending bumps tokenVersion, so the stored hash changes and the
 * old link stops opening the invitation.
 *
 * Why store a hash at all, when the signature already proves the link: the document then says which link is
 * current (an answer's transaction re-checks it), and the stored value is keyed, so a copy of the database
 * cannot be turned into links or matched against a leaked list of them without the secret.
 *
 * Rotation: links are signed with the current secret; a previous secret, while configured, still verifies the
 * links and hashes it made. 128 bits of MAC: a forger's chance per guess is 2^-128, and guesses are rate
 * limited besides.
 *
 * node:crypto is confined to this module: HMAC is pure computation, but keeping the import in one place keeps
 * the rest of the domain loadable anywhere.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The secret is at least as long as the HMAC output; anything shorter is a misconfiguration. */
export const MIN_SECRET_BYTES = 32;

export const INVITE_PATH_PREFIX = "/invite/";

export type ServerSecret = string | Uint8Array;

/** A link whose signature checked out: which invitation, which version of its link, and the token as given. */
export interface InvitationLink {
  invitationId: string;
  tokenVersion: number;
  token: string;
}

const MAC_BYTES = 16;
// Invitation ids are 32 hex characters (identity.ts); versions are positive integers without leading zeros;
// 22 base64url characters carry 132 bits, so for 128 the last one's low four bits are zero. One link has
// exactly one accepted spelling.
const INVITATION_ID_SHAPE = /^[0-9a-f]{32}$/;
const TOKEN_SHAPE = /^([0-9a-f]{32})\.([1-9][0-9]{0,8})\.([A-Za-z0-9_-]{21}[AQgw])$/;

function checkedSecret(secret: ServerSecret): ServerSecret {
  const bytes = typeof secret === "string" ? Buffer.byteLength(secret, "utf8") : secret.byteLength;
  if (bytes < MIN_SECRET_BYTES) {
    throw new RangeError(`The invitation secret must be at least ${MIN_SECRET_BYTES} bytes, got ${bytes}`);
  }
  return secret;
}

function hmac(secret: ServerSecret, message: string): Buffer {
  return createHmac("sha256", checkedSecret(secret)).update(message, "utf8").digest();
}

function linkMac(secret: ServerSecret, invitationId: string, tokenVersion: number): Buffer {
  return hmac(secret, `invite-link\n${invitationId}\n${tokenVersion}`).subarray(0, MAC_BYTES);
}

/** The link token for version `tokenVersion` of an invitation. Same inputs, same token: retries resend the same link. */
export function deriveInvitationToken(secret: ServerSecret, invitationId: string, tokenVersion: number): string {
  if (!INVITATION_ID_SHAPE.test(invitationId)) {
    throw new RangeError("invitationId must be 32 lower-case hex characters (identity.ts)");
  }
  if (!Number.isSafeInteger(tokenVersion) || tokenVersion < 1 || tokenVersion > 999_999_999) {
    throw new RangeError(`tokenVersion must be a positive integer below 10^9, got ${tokenVersion}`);
  }
  return `${invitationId}.${tokenVersion}.${linkMac(secret, invitationId, tokenVersion).toString("base64url")}`;
}

/** The path an email links to: what the queue drain puts in every invitation it renders. */
export function invitationLinkPath(secret: ServerSecret, invitationId: string, tokenVersion: number): string {
  return `${INVITE_PATH_PREFIX}${deriveInvitationToken(secret, invitationId, tokenVersion)}`;
}

/** What the database stores for a token. Keyed with the secret, so only the server can compute or match it. */
export function hashToken(secret: ServerSecret, token: string): string {
  return hmac(secret, `invite-hash\n${token}`).toString("base64url");
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
 * The link `candidate` names, if one of `secrets` signed it; null otherwise. Pure computation: this is the
 * check that must run before any database read, so a probe with a made-up link costs nothing.
 */
export function verifyInvitationLink(secrets: readonly ServerSecret[], candidate: unknown): InvitationLink | null {
  if (typeof candidate !== "string") return null;
  const match = TOKEN_SHAPE.exec(candidate);
  if (!match) return null;
  const invitationId = match[1]!;
  const tokenVersion = Number(match[2]);
  const given = Buffer.from(match[3]!, "base64url");
  const signed = secrets.some((secret) => timingSafeEqual(given, linkMac(secret, invitationId, tokenVersion)));
  return signed ? { invitationId, tokenVersion, token: candidate } : null;
}

/**
 * The stored hash, if it is the one a configured secret made for this link; null when the invitation has
 * moved on to another link (a resend) or was issued under a secret no longer configured. The hash may come
 * from a different secret than the link's signature: a job queued before a rotation and sent after it mails a
 * link signed with the new secret for an invitation hashed under the old one.
 */
export function matchingTokenHash(secrets: readonly ServerSecret[], link: InvitationLink, storedHash: string): string | null {
  for (const secret of secrets) {
    const expected = hashToken(secret, deriveInvitationToken(secret, link.invitationId, link.tokenVersion));
    if (tokenHashesEqual(expected, storedHash)) return expected;
  }
  return null;
}

/** Compares two hashes without leaking, through timing, how many leading characters matched. */
export function tokenHashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  // Length is public (every hash has the same one); only the content needs the constant-time path.
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Lower-case hex SHA-256; here so that identity.ts can hash without importing node:crypto itself. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
