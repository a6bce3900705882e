import { describe, expect, it } from "vitest";
import { validateTemplate } from "./validate";
import { templateVariables } from "./variables";

const allowed = templateVariables(["company", "Dietary needs"]);

function errors(template: { subject: string; html: string; text?: string }, variables = allowed) {
  const result = validateTemplate(template, variables);
  return result.ok ? [] : result.errors;
}

describe("validateTemplate", () => {
  it("accepts every defined variable, CSV columns included", () => {
    const html = [
      "{{invitee.name}} {{invitee.email}} {{invitee.fields.company}} {{invitee.fields.[Dietary needs]}}",
      "{{event.title}} {{event.description}} {{event.startsAt}} {{event.endsAt}} {{event.timezone}}",
      "{{event.location}} {{event.onlineUrl}} {{host.name}} {{host.email}}",
      "{{links.accept}} {{links.decline}} {{links.invitation}}",
    ].join("\n");
    expect(validateTemplate({ subject: "{{event.title}}", html, text: "{{links.accept}}" }, allowed)).toEqual({ ok: true });
  });

  it("names every unknown variable with its part and position, and suggests the likely one", () => {
    const found = errors({
      subject: "Hi {{invite.name}}",
      html: "<p>{{invitee.nmae}}</p>\n<p>{{event.venue}}</p>",
      text: "{{invitee.fields.phone}}",
    });
    expect(found).toEqual([
      { part: "subject", message: 'Unknown variable "invite.name". Did you mean "invitee.name"?', line: 1, column: 6 },
      { part: "html", message: 'Unknown variable "invitee.nmae". Did you mean "invitee.name"?', line: 1, column: 6 },
      { part: "html", message: 'Unknown variable "event.venue".', line: 2, column: 6 },
      { part: "text", message: 'Unknown variable "invitee.fields.phone".', line: 1, column: 3 },
    ]);
  });

  it("reports syntax errors per part with the line", () => {
    const found = errors({ subject: "ok", html: "<p>\n{{#if event.location}}\nWhere", text: "{{invitee.name" });
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ part: "html", line: 3 });
    expect(found[0]?.message).toMatch(/never closed/);
    expect(found[1]).toMatchObject({ part: "text", line: 1 });
  });

  it("reports a mismatched closing block", () => {
    const [problem] = errors({ subject: "s", html: "{{#if event.location}}x{{/each}}" });
    expect(problem?.part).toBe("html");
    expect(problem?.message).toMatch(/if doesn't match each/);
  });

  it("flags prototype paths as unknown variables", () => {
    const found = errors({ subject: "{{constructor.name}}", html: "{{__proto__}}" });
    expect(found.map((e) => e.message)).toEqual(['Unknown variable "constructor.name".', 'Unknown variable "__proto__".']);
  });

  it("resolves #with and #each scopes, @root and ../", () => {
    const ok = validateTemplate(
      {
        subject: "s",
        html: [
          "{{#with event}}{{title}} {{../invitee.name}} {{@root.host.name}}{{/with}}",
          "{{#each invitee.fields}}{{@key}}: {{this}} ({{@index}}) {{../event.title}}{{/each}}",
          "{{#if event.location}}{{event.location}}{{else if event.onlineUrl}}{{event.onlineUrl}}{{else}}TBA{{/if}}",
          "{{#unless event.endsAt}}open end{{/unless}}",
        ].join("\n"),
      },
      allowed,
    );
    expect(ok).toEqual({ ok: true });
    const found = errors({ subject: "s", html: "{{#with event}}{{name}}{{/with}}{{@index}}" });
    expect(found.map((e) => e.message)).toEqual(['Unknown variable "event.name".', '"@index" only exists inside {{#each}}.']);
  });

  it("refuses groups where a value is needed and values where a group is needed", () => {
    const found = errors({ subject: "{{event}}", html: "{{#each event.title}}x{{/each}}" });
    expect(found[0]?.message).toMatch(/"event" is a group of values, not a value/);
    expect(found[1]?.message).toMatch(/"event.title" is a single value/);
  });

  it("refuses raw output in the html part, helpers, partials and section blocks", () => {
    const found = errors({
      subject: "{{{event.title}}}",
      html: '{{{invitee.name}}}{{uppercase invitee.name}}{{> footer}}{{#event}}{{title}}{{/event}}{{lookup invitee "name"}}',
    });
    expect(found.map((e) => e.message)).toEqual([
      '{{{invitee.name}}} would insert "invitee.name" as raw HTML; use {{invitee.name}} so it is escaped.',
      'Unknown helper "uppercase": only #if, #unless, #each and #with are available.',
      "Partials ({{> …}}) are not available in email templates.",
      'Unknown block "{{#event}}": use {{#if event}}, {{#each event}} or {{#with event}} instead.',
      'Unknown helper "lookup": only #if, #unless, #each and #with are available.',
    ]);
  });

  it("accepts any CSV column when the allowed set says invitee.fields.*", () => {
    expect(validateTemplate({ subject: "s", html: "{{invitee.fields.anything}}" }, templateVariables(["*"]))).toEqual({ ok: true });
  });

  it("flags an empty subject or html", () => {
    expect(errors({ subject: " ", html: "" }).map((e) => e.part)).toEqual(["subject", "html"]);
  });
});
