import { describe, expect, it } from "vitest";
import {
  deriveInvitationToken,
  hashToken,
  invitationLinkPath,
  isWellFormedToken,
  issueInvitationToken,
  lookupHashForToken,
  TOKEN_LENGTH,
  tokenHashesEqual,
  tokenMatches,
} from "./token";

const secret = "s".repeat(32);
const otherSecret = "t".repeat(32);
const invitationId = "0123456789abcdef0123456789abcdef";

describe("deriveInvitationToken", () => {
  it("gives a queue retry the same link as the first attempt", () => {
    expect(deriveInvitationToken(secret, invitationId, 1)).toBe(deriveInvitationToken(secret, invitationId, 1));
  });

  it("gives a resend (new version), another invitation or another secret a different link", () => {
    const first = deriveInvitationToken(secret, invitationId, 1);
    expect(deriveInvitationToken(secret, invitationId, 2)).not.toBe(first);
    expect(deriveInvitationToken(secret, "fedcba9876543210fedcba9876543210", 1)).not.toBe(first);
    expect(deriveInvitationToken(otherSecret, invitationId, 1)).not.toBe(first);
  });

  it("is 256 bits of URL-safe text", () => {
    const token = deriveInvitationToken(secret, invitationId, 1);
    expect(token).toHaveLength(TOKEN_LENGTH);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(isWellFormedToken(token)).toBe(true);
  });

  it("refuses a short secret, which would make every link guessable", () => {
    expect(() => deriveInvitationToken("short", invitationId, 1)).toThrow(/at least 32 bytes/);
    expect(() => deriveInvitationToken(new Uint8Array(31), invitationId, 1)).toThrow(RangeError);
    expect(deriveInvitationToken(new Uint8Array(32).fill(7), invitationId, 1)).toHaveLength(TOKEN_LENGTH);
  });

  it("refuses versions that could alias another link", () => {
    expect(() => deriveInvitationToken(secret, invitationId, 0)).toThrow(RangeError);
    expect(() => deriveInvitationToken(secret, invitationId, 1.5)).toThrow(RangeError);
    expect(() => deriveInvitationToken(secret, `${invitationId}\n2`, 1)).toThrow(RangeError);
  });
});

describe("stored hash", () => {
  it("stores a hash that is not the token and only the right token matches", () => {
    const { token, tokenHash, tokenVersion } = issueInvitationToken(secret, invitationId, 3);
    expect(tokenVersion).toBe(3);
    expect(tokenHash).not.toBe(token);
    expect(tokenHash).not.toContain(token);
    expect(tokenMatches(secret, token, tokenHash)).toBe(true);
    expect(tokenMatches(secret, deriveInvitationToken(secret, invitationId, 2), tokenHash)).toBe(false);
  });

  it("cannot be checked without the server secret", () => {
    const { token, tokenHash } = issueInvitationToken(secret, invitationId, 1);
    expect(hashToken(otherSecret, token)).not.toBe(tokenHash);
    expect(tokenMatches(otherSecret, token, tokenHash)).toBe(false);
  });

  it("looks up only well-formed tokens", () => {
    const { token, tokenHash } = issueInvitationToken(secret, invitationId, 1);
    expect(lookupHashForToken(secret, token)).toBe(tokenHash);
    expect(lookupHashForToken(secret, `${token}x`)).toBeNull();
    expect(lookupHashForToken(secret, undefined)).toBeNull();
  });
});

describe("isWellFormedToken", () => {
  const token = deriveInvitationToken(secret, invitationId, 1);

  it("refuses anything but the exact length and alphabet", () => {
    expect(isWellFormedToken(token.slice(0, -1))).toBe(false);
    expect(isWellFormedToken(`${token}A`)).toBe(false);
    expect(isWellFormedToken(`${token.slice(0, -2)}+${token.slice(-1)}`)).toBe(false);
    expect(isWellFormedToken(`${token.slice(0, -2)}=${token.slice(-1)}`)).toBe(false);
    expect(isWellFormedToken(` ${token.slice(1)}`)).toBe(false);
    expect(isWellFormedToken("../../admin")).toBe(false);
    expect(isWellFormedToken(null)).toBe(false);
    expect(isWellFormedToken(42)).toBe(false);
  });

  it("refuses a second spelling of the same bytes", () => {
    // The last character carries two unused bits; only the canonical spelling (both zero) is accepted.
    const bytes = Buffer.alloc(32, 0xff);
    const canonical = bytes.toString("base64url");
    expect(isWellFormedToken(canonical)).toBe(true);
    const alias = `${canonical.slice(0, -1)}9`;
    expect(Buffer.from(alias, "base64url").equals(bytes)).toBe(true);
    expect(isWellFormedToken(alias)).toBe(false);
  });
});

describe("tokenHashesEqual", () => {
  it("compares content, and unequal lengths are simply unequal", () => {
    const hash = hashToken(secret, deriveInvitationToken(secret, invitationId, 1));
    expect(tokenHashesEqual(hash, `${hash}`)).toBe(true);
    expect(tokenHashesEqual(hash, `${hash.slice(0, -1)}${hash.endsWith("A") ? "B" : "A"}`)).toBe(false);
    expect(tokenHashesEqual(hash, hash.slice(0, -1))).toBe(false);
    expect(tokenHashesEqual("", "")).toBe(true);
  });
});

describe("invitationLinkPath", () => {
  it("builds /invite/<token> and refuses to build a link from anything else", () => {
    const token = deriveInvitationToken(secret, invitationId, 1);
    expect(invitationLinkPath(token)).toBe(`/invite/${token}`);
    expect(() => invitationLinkPath("not-a-token")).toThrow(RangeError);
  });
});
