import { buildTemplateData, type TemplateData } from "./variables";

/** Sample data for one guest: the template editor previews with it, and tests check what its hostile name turns into. */
export function sampleData(overrides: { name?: string; fields?: Record<string, string> } = {}): TemplateData {
  return buildTemplateData({
    invitee: { name: overrides.name ?? "Ada Lovelace", email: "ada@example.com", fields: overrides.fields ?? { company: "Analytical Engines" } },
    event: {
      title: "Launch party",
      description: "Drinks & snacks.",
      startsAt: new Date("2026-12-03T18:00:00Z"),
      endsAt: new Date("2026-12-03T22:00:00Z"),
      timezone: "Europe/Berlin",
      location: "Hall 1, Berlin",
      onlineUrl: null,
    },
    host: { name: "Grace Hopper", email: "grace@herald.test" },
    links: {
      accept: "https://herald.test/i/tok?intent=accept&s=1",
      decline: "https://herald.test/i/tok?intent=decline",
      invitation: "https://herald.test/i/tok",
    },
  });
}
