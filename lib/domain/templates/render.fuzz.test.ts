import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderTemplate, TemplateRenderError } from "./render";
import { sampleData } from "./sample-data";
import { validateTemplate } from "./validate";
import { TEMPLATE_VARIABLES, templateVariables } from "./variables";

/**
 * Templates are typed by admins and rendered with guests' CSV data: whatever either contains, the editor gets
 * problems (never an exception), a template the editor accepted always renders, and data never becomes markup
 * in the HTML part or a second line in the subject.
 */

const RUNS = { numRuns: 200 };

/** Plain text with no Handlebars syntax in it: any Unicode, markup and entities included. */
const plain = fc.string({ unit: "binary", maxLength: 12 }).map((t) => t.replace(/[{}\\]/g, ""));

/** A template a careful admin could write: real variables, balanced blocks, HTML, any text around them. */
const wellFormed: fc.Arbitrary<string> = fc.letrec<{ piece: string; body: string }>((tie) => ({
  piece: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    plain,
    fc.constantFrom(...TEMPLATE_VARIABLES).map((v) => `{{${v}}}`),
    fc.constantFrom("<p>", "</p>", '<a href="{{links.accept}}">Accept</a>', "<br>", "&amp;", '<div style="display:none">pre</div>'),
    tie("body").map((b) => `{{#if event.location}}${b}{{else}}${b}{{/if}}`),
    // Inside #each names are the item's own, so only the item and plain text go there.
    plain.map((t) => `{{#each invitee.fields}}{{@key}}={{this}}${t}{{/each}}`),
  ),
  body: fc.array(tie("piece"), { maxLength: 6 }).map((p) => p.join("")),
})).body.map((b) => `${b}x`);

/** The same, with stray braces, unknown variables, partials and unbalanced blocks mixed in. */
const junk = fc
  .array(
    fc.oneof(
      wellFormed,
      fc.constantFrom(...TEMPLATE_VARIABLES).map((v) => `{{{${v}}}}`),
      fc.constantFrom("{{", "}}", "{{>", "{{!", "{{lookup . 'x'}}", "{{invitee.nmae}}", "{{#with host}}", "{{/with}}", "{{@root.host.name}}", "{{/if}}"),
      fc.string({ unit: "binary", maxLength: 10 }),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(""));

const templateText = fc.oneof(wellFormed, junk);
const template = fc.record({ subject: templateText, html: templateText, text: fc.option(templateText, { nil: undefined }) });

describe("templates under arbitrary input", () => {
  it("get problems, never an exception, from the editor's check", () => {
    fc.assert(
      fc.property(template, (t) => {
        const result = validateTemplate(t, templateVariables(["*"]));
        if (!result.ok) for (const problem of result.errors) expect(problem.message.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it("render whenever the editor accepted them, and fail only with a TemplateRenderError otherwise", () => {
    fc.assert(
      fc.property(template, (t) => {
        const data = sampleData({ fields: { company: "Acme" } });
        const accepted = validateTemplate(t, templateVariables(Object.keys(data.invitee.fields))).ok;
        try {
          const out = renderTemplate(t, data);
          expect(out.subject).not.toMatch(/[\r\n]/);
          expect(typeof out.text).toBe("string");
        } catch (error) {
          expect(accepted, `accepted but failed: ${String(error)}`).toBe(false);
          expect(error).toBeInstanceOf(TemplateRenderError);
        }
      }),
      RUNS,
    );
  });

  it("never turn guest data into markup or header lines", () => {
    const value = fc.string({ unit: "binary", maxLength: 40 });
    fc.assert(
      fc.property(value, fc.record({ company: value, role: value }), (name, fields) => {
        const out = renderTemplate(
          { subject: "For {{invitee.name}}", html: "<p>{{invitee.name}} {{invitee.fields.company}}</p>" },
          sampleData({ name, fields }),
        );
        expect(out.subject).not.toMatch(/[\r\n]/);
        expect(out.html.slice(3, -4)).not.toMatch(/[<>"]/);
      }),
      RUNS,
    );
  });
});
