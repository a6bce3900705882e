import { describe, expect, it } from "vitest";
import { invitationIdFor, queueJobIdFor } from "./identity";

describe("invitationIdFor", () => {
  it("gives the same address at the same event the same document id, so concurrent uploads collide", () => {
    expect(invitationIdFor("evt1", "jane@example.com")).toBe(invitationIdFor("evt1", "jane@example.com"));
  });

  it("separates people and events", () => {
    const id = invitationIdFor("evt1", "jane@example.com");
    expect(invitationIdFor("evt2", "jane@example.com")).not.toBe(id);
    expect(invitationIdFor("evt1", "john@example.com")).not.toBe(id);
    // The separator keeps "evt1" + "0jane@…" apart from "evt10" + "jane@…".
    expect(invitationIdFor("evt10", "jane@example.com")).not.toBe(invitationIdFor("evt1", "0jane@example.com"));
  });

  it("is a Firestore-safe id that does not reveal the address", () => {
    const id = invitationIdFor("evt1", "jane@example.com");
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).not.toContain("jane");
  });

  it("refuses a display-case address, which would split one guest into two invitations", () => {
    expect(() => invitationIdFor("evt1", "Jane@Example.com")).toThrow(/lower-case/);
    expect(() => invitationIdFor("", "jane@example.com")).toThrow(RangeError);
    expect(() => invitationIdFor("evt1\njane@example.com", "x@example.com")).toThrow(RangeError);
  });
});

describe("queueJobIdFor", () => {
  const id = invitationIdFor("evt1", "jane@example.com");

  it("is the same for a retry and new for a resend", () => {
    expect(queueJobIdFor(id, 1)).toBe(`${id}-1`);
    expect(queueJobIdFor(id, 1)).toBe(queueJobIdFor(id, 1));
    expect(queueJobIdFor(id, 2)).not.toBe(queueJobIdFor(id, 1));
  });

  it("refuses sequence numbers that could alias another job", () => {
    expect(() => queueJobIdFor(id, 0)).toThrow(RangeError);
    expect(() => queueJobIdFor(id, 1.5)).toThrow(RangeError);
    expect(() => queueJobIdFor(`${id}-1`, 2)).toThrow(RangeError);
  });
});
