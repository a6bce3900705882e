import { describe, expect, it } from "vitest";
import {
  deriveInvitationToken,
  hashToken,
  invitationLinkPath,
  issueInvitationToken,
  matchingTokenHash,
  tokenHashesEqual,
  verifyInvitationLink,
} from "./token";

const secret = "s".repeat(32);
const otherSecret = "t".repeat(32);
const invitationId = "0123456789abcdef0123456789abcdef";

describe("deriveInvitationToken", () => {
  it("gives a queue retry the same link as the first attempt", () => {
    expect(deriveInvitationToken(secret, invitationId, 1)).toBe(deriveInvitationToken(secret, invitationId, 1));
  });

  it("changes with the version, the invitation and the secret", () => {
    const first = deriveInvitationToken(secret, invitationId, 1);
    expect(deriveInvitationToken(secret, invitationId, 2)).not.toBe(first);
    expect(deriveInvitationToken(secret, "fedcba9876543210fedcba9876543210", 1)).not.toBe(first);
    expect(deriveInvitationToken(otherSecret, invitationId, 1)).not.toBe(first);
  });

  it("names the invitation and version, then a 128-bit signature, in characters safe in a URL", () => {
    expect(deriveInvitationToken(secret, invitationId, 12)).toMatch(new RegExp(`^${invitationId}\\.12\\.[A-Za-z0-9_-]{22}$`));
  });

  it("refuses a short secret, a malformed id and a version that is not a positive integer", () => {
    expect(() => deriveInvitationToken("short", invitationId, 1)).toThrow(/at least 32 bytes/);
    expect(() => deriveInvitationToken(new Uint8Array(31), invitationId, 1)).toThrow(RangeError);
    expect(deriveInvitationToken(new Uint8Array(32).fill(7), invitationId, 1)).toContain(invitationId);
    for (const version of [0, 1.5, 1e9]) expect(() => deriveInvitationToken(secret, invitationId, version)).toThrow(RangeError);
    for (const id of ["", invitationId.toUpperCase(), `${invitationId}0`, "../../admin"]) {
      expect(() => deriveInvitationToken(secret, id, 1)).toThrow(RangeError);
    }
  });
});

describe("verifyInvitationLink", () => {
  const token = deriveInvitationToken(secret, invitationId, 3);

  it("accepts a link the server signed, naming its invitation and version", () => {
    expect(verifyInvitationLink([secret], token)).toEqual({ invitationId, tokenVersion: 3, token });
  });

  it("refuses a link signed with another secret, or for another invitation or version", () => {
    expect(verifyInvitationLink([otherSecret], token)).toBeNull();
    const mac = token.split(".")[2];
    expect(verifyInvitationLink([secret], `fedcba9876543210fedcba9876543210.3.${mac}`)).toBeNull();
    expect(verifyInvitationLink([secret], `${invitationId}.4.${mac}`)).toBeNull();
  });

  it("refuses every mangled spelling: truncated, padded, re-encoded, other versions of the same number", () => {
    const [, , mac] = token.split(".") as [string, string, string];
    const mangled = [
      token.slice(0, -1),
      `${token}A`,
      `${token}=`,
      ` ${token}`,
      token.toUpperCase(),
      `${invitationId}.03.${mac}`,
      `${invitationId}.+3.${mac}`,
      `${invitationId}.3.${mac.slice(0, -2)}+${mac.slice(-1)}`,
      `${invitationId}..${mac}`,
      "not-a-token",
      "",
    ];
    for (const candidate of mangled) expect(verifyInvitationLink([secret], candidate), candidate).toBeNull();
    expect(verifyInvitationLink([secret], null)).toBeNull();
    expect(verifyInvitationLink([secret], 42)).toBeNull();
  });

  it("refuses a second spelling of the same signature bytes", () => {
    // 22 characters carry 132 bits for 128: only the spelling with the four spare bits zero is accepted.
    const mac = token.split(".")[2]!;
    const last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const alias = `${mac.slice(0, -1)}${last[last.indexOf(mac.at(-1)!) + 1]}`;
    expect(Buffer.from(alias, "base64url").equals(Buffer.from(mac, "base64url"))).toBe(true);
    expect(verifyInvitationLink([secret], `${invitationId}.3.${alias}`)).toBeNull();
  });

  it("accepts links of the previous secret while it is configured, after a rotation", () => {
    const oldLink = deriveInvitationToken(otherSecret, invitationId, 1);
    expect(verifyInvitationLink([secret, otherSecret], oldLink)?.invitationId).toBe(invitationId);
    expect(verifyInvitationLink([secret], oldLink)).toBeNull();
  });
});

describe("matchingTokenHash", () => {
  it("matches the hash stored for the link's own version, and nothing else", () => {
    const { token, tokenHash } = issueInvitationToken(secret, invitationId, 2);
    const link = verifyInvitationLink([secret], token)!;
    expect(matchingTokenHash([secret], link, tokenHash)).toBe(tokenHash);
    const resent = issueInvitationToken(secret, invitationId, 3).tokenHash;
    expect(matchingTokenHash([secret], link, resent)).toBeNull();
  });

  it("matches a hash stored under the previous secret while that secret is configured", () => {
    // Invited before the rotation, mailed (by a retry) after it: link signed with the new secret, hash made
    // with the old one.
    const storedBeforeRotation = issueInvitationToken(otherSecret, invitationId, 1).tokenHash;
    const link = verifyInvitationLink([secret], deriveInvitationToken(secret, invitationId, 1))!;
    expect(matchingTokenHash([secret, otherSecret], link, storedBeforeRotation)).toBe(storedBeforeRotation);
    expect(matchingTokenHash([secret], link, storedBeforeRotation)).toBeNull();
  });
});

describe("issueInvitationToken", () => {
  it("stores a keyed hash, never the token, that only the secret reproduces", () => {
    const { token, tokenHash, tokenVersion } = issueInvitationToken(secret, invitationId, 3);
    expect(tokenVersion).toBe(3);
    expect(tokenHash).not.toContain(token.split(".")[2]);
    expect(tokenHash).toBe(hashToken(secret, token));
    expect(hashToken(otherSecret, token)).not.toBe(tokenHash);
  });
});

describe("tokenHashesEqual", () => {
  it("compares whole hashes", () => {
    const hash = hashToken(secret, deriveInvitationToken(secret, invitationId, 1));
    expect(tokenHashesEqual(hash, `${hash}`)).toBe(true);
    expect(tokenHashesEqual(hash, `${hash.slice(0, -1)}${hash.endsWith("A") ? "B" : "A"}`)).toBe(false);
    expect(tokenHashesEqual(hash, hash.slice(0, -1))).toBe(false);
  });
});

describe("invitationLinkPath", () => {
  it("is the path the email links to, for the current version of the invitation", () => {
    expect(invitationLinkPath(secret, invitationId, 2)).toBe(`/invite/${deriveInvitationToken(secret, invitationId, 2)}`);
    expect(() => invitationLinkPath(secret, "not-an-id", 1)).toThrow(RangeError);
  });
});
