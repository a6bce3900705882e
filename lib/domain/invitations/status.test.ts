import { describe, expect, it } from "vitest";
import { canReinvite, decideRsvp, type InvitationStatus, type RsvpEvent, type RsvpInvitation } from "./status";

const now = new Date("2026-11-20T12:00:00Z");
const later = new Date("2026-11-27T12:00:00Z");
const earlier = new Date("2026-11-19T12:00:00Z");

const event: RsvpEvent = {
  lifecycle: "active",
  endsAt: new Date("2026-12-05T20:00:00Z"),
  rsvpDeadline: new Date("2026-12-01T12:00:00Z"),
  capacity: 50,
  acceptedCount: 10,
};

function invitation(status: InvitationStatus, linkExpiresAt = later): RsvpInvitation {
  return { status, linkExpiresAt };
}

describe("decideRsvp", () => {
  it("accepts a pending invitation: +1 accepted, -1 pending, participant created", () => {
    for (const status of ["queued", "sent", "failed", "bounced"] as const) {
      expect(decideRsvp({ invitation: invitation(status), event, answer: "accept", now }), status).toEqual({
        outcome: "accepted",
        status: "accepted",
        deltas: { pending: -1, accepted: 1, declined: 0 },
        participant: "create",
      });
    }
  });

  it("declines a pending invitation without creating a participant", () => {
    expect(decideRsvp({ invitation: invitation("sent"), event, answer: "decline", now })).toEqual({
      outcome: "declined",
      status: "declined",
      deltas: { pending: -1, accepted: 0, declined: 1 },
      participant: "none",
    });
  });

  it("treats the same answer twice as already done, with nothing to write", () => {
    expect(decideRsvp({ invitation: invitation("accepted"), event, answer: "accept", now })).toEqual({
      outcome: "already_accepted",
    });
    expect(decideRsvp({ invitation: invitation("declined"), event, answer: "decline", now })).toEqual({
      outcome: "already_declined",
    });
  });

  it("keeps a repeated answer a success even after the link expired (a retried POST)", () => {
    expect(decideRsvp({ invitation: invitation("accepted", earlier), event, answer: "accept", now }).outcome).toBe(
      "already_accepted",
    );
  });

  it("lets a guest change their mind before the deadline, moving the counts and the participant", () => {
    expect(decideRsvp({ invitation: invitation("accepted"), event, answer: "decline", now })).toEqual({
      outcome: "changed",
      status: "declined",
      deltas: { pending: 0, accepted: -1, declined: 1 },
      participant: "delete",
    });
    expect(decideRsvp({ invitation: invitation("declined"), event, answer: "accept", now })).toEqual({
      outcome: "changed",
      status: "accepted",
      deltas: { pending: 0, accepted: 1, declined: -1 },
      participant: "create",
    });
  });

  it("refuses to accept when the event is full, but still lets the guest decline", () => {
    const full = { ...event, acceptedCount: 50 };
    expect(decideRsvp({ invitation: invitation("sent"), event: full, answer: "accept", now })).toEqual({ outcome: "full" });
    expect(decideRsvp({ invitation: invitation("declined"), event: full, answer: "accept", now }).outcome).toBe("full");
    expect(decideRsvp({ invitation: invitation("sent"), event: full, answer: "decline", now }).outcome).toBe("declined");
    expect(decideRsvp({ invitation: invitation("accepted"), event: full, answer: "decline", now }).outcome).toBe("changed");
  });

  it("has no limit when capacity is not set", () => {
    const open = { ...event, capacity: undefined, acceptedCount: 100_000 };
    expect(decideRsvp({ invitation: invitation("sent"), event: open, answer: "accept", now }).outcome).toBe("accepted");
  });

  it("closes answers and changes at the RSVP deadline and at the end of the event", () => {
    const atDeadline = new Date("2026-12-01T12:00:00Z");
    const farLink = new Date("2026-12-31T00:00:00Z");
    expect(
      decideRsvp({ invitation: invitation("sent", farLink), event, answer: "accept", now: atDeadline }).outcome,
    ).toBe("deadline_passed");
    expect(
      decideRsvp({ invitation: invitation("accepted", farLink), event, answer: "decline", now: atDeadline }).outcome,
    ).toBe("deadline_passed");
    const noDeadline = { ...event, rsvpDeadline: undefined };
    expect(
      decideRsvp({ invitation: invitation("sent", farLink), event: noDeadline, answer: "accept", now: event.endsAt }).outcome,
    ).toBe("deadline_passed");
  });

  it("refuses an expired link, whether the expiry passed or the status says so", () => {
    expect(decideRsvp({ invitation: invitation("sent", now), event, answer: "accept", now }).outcome).toBe("expired");
    expect(decideRsvp({ invitation: invitation("accepted", earlier), event, answer: "decline", now }).outcome).toBe(
      "expired",
    );
    expect(decideRsvp({ invitation: invitation("expired"), event, answer: "accept", now }).outcome).toBe("expired");
  });

  it("refuses a revoked invitation, even one that had been accepted", () => {
    expect(decideRsvp({ invitation: invitation("revoked"), event, answer: "accept", now }).outcome).toBe("revoked");
  });

  it("reports a deleted or deleting event before anything else", () => {
    for (const gone of [null, { ...event, lifecycle: "deleting" as const }, { ...event, lifecycle: "deleted" as const }]) {
      expect(decideRsvp({ invitation: invitation("accepted"), event: gone, answer: "accept", now }).outcome).toBe(
        "event_gone",
      );
    }
  });
});

describe("canReinvite", () => {
  it("allows a new invitation when the old one cannot serve the guest", () => {
    for (const status of ["expired", "revoked", "bounced", "failed"] as const) {
      expect(canReinvite(invitation(status), now), status).toBe(true);
    }
  });

  it("refuses while a live link is out, answered or not", () => {
    for (const status of ["queued", "sent", "accepted", "declined"] as const) {
      expect(canReinvite(invitation(status), now), status).toBe(false);
    }
  });

  it("allows it once that link has run out, even before a sweep marks it expired", () => {
    for (const status of ["queued", "sent", "accepted", "declined"] as const) {
      expect(canReinvite(invitation(status, earlier), now), status).toBe(true);
    }
  });
});
