import { describe, expect, it } from "vitest";
import { answerShares, isInvitationStatus } from "./display";

describe("isInvitationStatus", () => {
  it("recognises only real statuses", () => {
    expect(isInvitationStatus("revoked")).toBe(true);
    expect(isInvitationStatus("deleted")).toBe(false);
    expect(isInvitationStatus(undefined)).toBe(false);
  });
});

describe("answerShares", () => {
  it("gives whole percentages that add up to 100", () => {
    expect(answerShares({ accepted: 1, declined: 1, pending: 1 })).toEqual({ accepted: 34, declined: 33, pending: 33 });
    expect(answerShares({ accepted: 3, declined: 0, pending: 1 })).toEqual({ accepted: 75, declined: 0, pending: 25 });
    const s = answerShares({ accepted: 7, declined: 5, pending: 9 });
    expect(s.accepted + s.declined + s.pending).toBe(100);
  });

  it("shows nothing when nobody was invited, and ignores negative counts", () => {
    expect(answerShares({ accepted: 0, declined: 0, pending: 0 })).toEqual({ accepted: 0, declined: 0, pending: 0 });
    expect(answerShares({ accepted: -1, declined: 0, pending: 2 })).toEqual({ accepted: 0, declined: 0, pending: 100 });
  });
});
