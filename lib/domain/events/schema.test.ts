import { describe, expect, it } from "vitest";
import { eventFieldErrors, eventFormSchema, eventInputSchema, type EventFormInput } from "./schema";

const valid: EventFormInput = {
  title: "  Winter party  ",
  description: "",
  startsAt: "2026-12-05T18:00",
  endsAt: "2026-12-05T21:00",
  timezone: "Europe/Paris",
  location: "",
  onlineUrl: "",
  capacity: "",
  rsvpDeadline: "",
  linkLifetimeDays: "",
  templateId: "default",
};

function errorsFor(input: Record<string, unknown>) {
  const result = eventInputSchema.safeParse(input);
  if (result.success) throw new Error("expected a validation error");
  return eventFieldErrors(result.error);
}

describe("eventInputSchema", () => {
  it("turns a form submission into instants in the event's zone, blanks into absent fields", () => {
    const event = eventInputSchema.parse(valid);
    expect(event).toEqual({
      title: "Winter party",
      description: undefined,
      startsAt: new Date("2026-12-05T17:00:00Z"),
      endsAt: new Date("2026-12-05T20:00:00Z"),
      timezone: "Europe/Paris",
      location: undefined,
      onlineUrl: undefined,
      capacity: undefined,
      rsvpDeadline: undefined,
      linkLifetimeDays: 7,
      templateId: "default",
      declineNotice: false,
      reminders: [],
    });
  });

  it("reads up to three reminder rules as whole days, from the form's strings or a typed client", () => {
    expect(eventInputSchema.parse({ ...valid, reminders: ["7", " 2 "] }).reminders).toEqual([7, 2]);
    expect(eventInputSchema.parse({ ...valid, reminders: [3] }).reminders).toEqual([3]);
  });

  it("puts each reminder's problem on that reminder's input", () => {
    expect(errorsFor({ ...valid, reminders: ["7", ""] })).toEqual({ "reminders.1": "Enter a number of days, or remove this reminder" });
    expect(errorsFor({ ...valid, reminders: ["0"] })).toEqual({ "reminders.0": "A reminder goes at least 1 day before" });
    expect(errorsFor({ ...valid, reminders: ["2.5"] })).toEqual({ "reminders.0": "Enter a number of days, or remove this reminder" });
    expect(errorsFor({ ...valid, reminders: ["61"] })).toEqual({ "reminders.0": "A reminder goes at most 60 days before" });
    expect(errorsFor({ ...valid, reminders: ["3", "7", "3"] })).toEqual({ "reminders.2": "There is already a reminder 3 days before" });
    expect(errorsFor({ ...valid, reminders: ["1", "2", "3", "4"] })).toEqual({ reminders: "An event can have at most 3 reminders" });
    expect(errorsFor({ ...valid, reminders: "7" })).toEqual({ reminders: "The reminders could not be read" });
  });

  it("reads the decline-notice checkbox as a checked box submits it", () => {
    expect(eventInputSchema.parse({ ...valid, declineNotice: "on" }).declineNotice).toBe(true);
    expect(eventInputSchema.parse({ ...valid, declineNotice: "" }).declineNotice).toBe(false);
  });

  it("uses summer time for a summer event in the same zone", () => {
    const event = eventInputSchema.parse({ ...valid, startsAt: "2026-07-14T18:00", endsAt: "2026-07-14T23:00" });
    expect(event.startsAt.toISOString()).toBe("2026-07-14T16:00:00.000Z");
  });

  it("accepts numbers from FormData strings and from a typed client", () => {
    expect(eventInputSchema.parse({ ...valid, capacity: "120", linkLifetimeDays: "30" })).toMatchObject({
      capacity: 120,
      linkLifetimeDays: 30,
    });
    expect(eventInputSchema.parse({ ...valid, capacity: 5, linkLifetimeDays: 1 })).toMatchObject({ capacity: 5, linkLifetimeDays: 1 });
  });

  it("keeps the optional details the admin filled in", () => {
    const event = eventInputSchema.parse({
      ...valid,
      description: "Bring a friend.\r\nDress code: warm.",
      location: "Le Grand Café, 4 rue X",
      onlineUrl: "https://meet.example.com/abc",
      rsvpDeadline: "2026-12-01T12:00",
    });
    expect(event.description).toBe("Bring a friend.\r\nDress code: warm.");
    expect(event.location).toBe("Le Grand Café, 4 rue X");
    expect(event.onlineUrl).toBe("https://meet.example.com/abc");
    expect(event.rsvpDeadline?.toISOString()).toBe("2026-12-01T11:00:00.000Z");
  });

  it("says the end must be after the start, on the end field", () => {
    expect(errorsFor({ ...valid, endsAt: "2026-12-05T18:00" })).toEqual({ endsAt: "End must be after the start" });
    expect(errorsFor({ ...valid, endsAt: "2026-12-04T23:00" }).endsAt).toBe("End must be after the start");
  });

  it("refuses a start time that the clocks skip", () => {
    expect(errorsFor({ ...valid, startsAt: "2026-03-29T02:30", endsAt: "2026-03-29T05:00" }).startsAt).toMatch(
      /does not exist in Europe\/Paris/,
    );
  });

  it("reports every problem at once, including the cross-field one", () => {
    const errors = errorsFor({ ...valid, title: "   ", endsAt: "2026-12-05T17:00", capacity: "0" });
    expect(errors).toEqual({
      title: "Give the event a title",
      endsAt: "End must be after the start",
      capacity: "Capacity must be at least 1 (leave it empty for no limit)",
    });
  });

  it("rejects control characters in the title but allows line breaks in the description", () => {
    expect(errorsFor({ ...valid, title: "Party\nBcc: x@evil.test" }).title).toBe(
      "The title cannot contain line breaks or control characters",
    );
    expect(errorsFor({ ...valid, description: "ok\u0000" }).description).toMatch(/control characters/);
  });

  it("limits lengths", () => {
    expect(errorsFor({ ...valid, title: "x".repeat(201) }).title).toBe("The title can be at most 200 characters");
    expect(eventInputSchema.safeParse({ ...valid, title: "x".repeat(200) }).success).toBe(true);
    expect(errorsFor({ ...valid, description: "x".repeat(5001) }).description).toMatch(/at most 5,000/);
    expect(errorsFor({ ...valid, location: "x".repeat(301) }).location).toMatch(/at most 300/);
  });

  it("only takes web links for the online location", () => {
    expect(errorsFor({ ...valid, onlineUrl: "javascript:alert(1)" }).onlineUrl).toMatch(/https:\/\//);
    expect(errorsFor({ ...valid, onlineUrl: "ftp://files.example.com" }).onlineUrl).toMatch(/https:\/\//);
    expect(errorsFor({ ...valid, onlineUrl: "meet.example.com" }).onlineUrl).toMatch(/https:\/\//);
    expect(eventInputSchema.parse({ ...valid, onlineUrl: "http://intranet.example.com/room" }).onlineUrl).toBe(
      "http://intranet.example.com/room",
    );
  });

  it("validates the time zone with the runtime's zone database", () => {
    expect(errorsFor({ ...valid, timezone: "Europe/Atlantis" }).timezone).toBe(
      "Choose a valid time zone, for example Europe/Paris",
    );
    expect(errorsFor({ ...valid, timezone: "+01:00" }).timezone).toBeDefined();
    expect(eventInputSchema.parse({ ...valid, timezone: "america/new_york" }).timezone).toBe("America/New_York");
  });

  it("keeps capacity and link lifetime within bounds", () => {
    expect(errorsFor({ ...valid, capacity: "100001" }).capacity).toMatch(/at most 100,000/);
    expect(errorsFor({ ...valid, capacity: "2.5" }).capacity).toBe("Capacity must be a whole number");
    expect(errorsFor({ ...valid, capacity: "many" }).capacity).toBe("Capacity must be a whole number");
    expect(errorsFor({ ...valid, linkLifetimeDays: "0" }).linkLifetimeDays).toMatch(/at least 1 day/);
    expect(errorsFor({ ...valid, linkLifetimeDays: "91" }).linkLifetimeDays).toMatch(/at most 90 days/);
  });

  it("requires the RSVP deadline to be before the end", () => {
    expect(errorsFor({ ...valid, rsvpDeadline: "2026-12-05T21:00" }).rsvpDeadline).toBe(
      "The RSVP deadline must be before the event ends",
    );
    expect(eventInputSchema.safeParse({ ...valid, rsvpDeadline: "2026-12-05T20:59" }).success).toBe(true);
  });

  it("says which date is missing or malformed", () => {
    expect(errorsFor({ ...valid, startsAt: "" }).startsAt).toBe("Start is required");
    expect(errorsFor({ ...valid, endsAt: "tomorrow" }).endsAt).toBe("End must be a date and time");
    expect(errorsFor({ ...valid, templateId: " " }).templateId).toBe("Choose an email template");
  });
});

describe("eventFormSchema", () => {
  it("validates in the browser without converting, so the inputs keep what the user typed", () => {
    const values = eventFormSchema.parse(valid);
    expect(values.startsAt).toBe("2026-12-05T18:00");
    expect(eventFormSchema.safeParse({ ...valid, endsAt: "2026-12-05T17:00" }).success).toBe(false);
  });
});
