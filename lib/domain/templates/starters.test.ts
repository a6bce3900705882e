import { describe, expect, it } from "vitest";
import { sampleData } from "./sample-data";
import { renderTemplate } from "./render";
import { STARTER_TEMPLATES } from "./starters";
import { validateTemplate } from "./validate";
import { templateVariables } from "./variables";

describe.each(STARTER_TEMPLATES.map((t) => [t.id, t] as const))("starter template %s", (_id, template) => {
  it("uses only defined variables", () => {
    expect(validateTemplate(template, templateVariables())).toEqual({ ok: true });
  });

  it("renders with escaping in the html and readable links in the text", () => {
    const out = renderTemplate(template, sampleData({ name: "<b>Ada</b>" }));
    expect(out.html).toContain("&lt;b&gt;Ada&lt;/b&gt;");
    expect(out.html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(out.html).toContain('role="presentation"');
    expect(out.text).toContain("Hello <b>Ada</b>,");
    expect(out.text).toContain("https://herald.test/i/tok");
    expect(out.text).toContain("When: Thursday, December 3, 2026 at 7:00 PM GMT+1 – 11:00 PM GMT+1");
    expect(out.text).not.toMatch(/\n{3,}/);
    expect(out.subject).toContain("Launch party");
  });

  it("leaves out absent details instead of printing empty labels", () => {
    const data = sampleData();
    const out = renderTemplate(template, { ...data, event: { ...data.event, location: null, description: null } });
    expect(out.text).not.toContain("Where:");
    expect(out.html).not.toContain("Where:");
  });
});

describe("starter templates", () => {
  it("invitation and reminder offer both answers; the confirmation offers a way back", () => {
    const [invitation, reminder, acceptance] = STARTER_TEMPLATES.map((t) => renderTemplate(t, sampleData()));
    for (const out of [invitation, reminder]) {
      expect(out?.text).toContain("Accept: https://herald.test/i/tok?intent=accept&s=1");
      expect(out?.text).toContain("Decline: https://herald.test/i/tok?intent=decline");
    }
    expect(acceptance?.text).toContain("decline: https://herald.test/i/tok?intent=decline");
  });
});
