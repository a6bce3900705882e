import { describe, expect, it } from "vitest";
import { buildTemplateData, formatEventTime, templateVariables } from "./variables";

const base = {
  invitee: { name: "Ada", email: "ada@example.com" },
  host: { name: "Grace", email: "grace@herald.test" },
  links: { accept: "a", decline: "d", invitation: "i" },
};

describe("buildTemplateData", () => {
  it("formats times in the event's timezone, not the server's", () => {
    const at = new Date("2026-07-01T16:30:00Z");
    expect(formatEventTime(at, "America/New_York")).toBe("Wednesday, July 1, 2026 at 12:30 PM EDT");
    expect(formatEventTime(at, "Asia/Tokyo")).toBe("Thursday, July 2, 2026 at 1:30 AM GMT+9");
  });

  it("shortens the end to a time on the same day and keeps the date across midnight", () => {
    const sameDay = buildTemplateData({
      ...base,
      event: { title: "T", startsAt: new Date("2026-07-01T16:00:00Z"), endsAt: new Date("2026-07-01T20:00:00Z"), timezone: "America/New_York" },
    });
    expect(sameDay.event.endsAt).toBe("4:00 PM EDT");
    const overnight = buildTemplateData({
      ...base,
      event: { title: "T", startsAt: new Date("2026-07-01T23:00:00Z"), endsAt: new Date("2026-07-02T05:00:00Z"), timezone: "America/New_York" },
    });
    expect(overnight.event.endsAt).toBe("Thursday, July 2, 2026 at 1:00 AM EDT");
  });

  it("fills absent values with null and known CSV columns with empty strings, so strict rendering holds", () => {
    const data = buildTemplateData({
      ...base,
      invitee: { ...base.invitee, fields: { company: "Acme" } },
      fieldNames: ["company", "role"],
      event: { title: "T", startsAt: new Date(), timezone: "UTC", location: "  ", onlineUrl: "javascript:alert(1)" },
    });
    expect(data.invitee.fields).toEqual({ company: "Acme", role: "" });
    expect(data.event).toMatchObject({ description: null, endsAt: null, location: null, onlineUrl: null });
  });

  it("lists CSV columns as invitee.fields.<column>", () => {
    expect(templateVariables(["company"])).toContain("invitee.fields.company");
    expect(templateVariables()).toContain("links.invitation");
  });
});
