import Handlebars from "handlebars";
import { describe, expect, it } from "vitest";
import { sampleData } from "./sample-data";
import { renderTemplate, TemplateRenderError } from "./render";

const XSS = `<script>alert("x")</script>`;

describe("renderTemplate", () => {
  it("escapes values in the html part only: the text part and the subject get them as they are", () => {
    const out = renderTemplate(
      { subject: "Hi {{invitee.name}}", html: "<p>Hello {{invitee.name}}</p>", text: "Hello {{invitee.name}}" },
      sampleData({ name: XSS }),
    );
    expect(out.html).toBe("<p>Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>");
    expect(out.html).not.toContain("<script>");
    expect(out.text).toBe(`Hello ${XSS}`);
    expect(out.subject).toBe(`Hi ${XSS}`);
  });

  it("escapes inside attributes too, so a value cannot break out of href", () => {
    const out = renderTemplate(
      { subject: "s", html: '<a href="{{links.accept}}" title="{{invitee.name}}">go</a>' },
      sampleData({ name: `" onmouseover="steal()` }),
    );
    expect(out.html).toContain("title=\"&quot; onmouseover&#x3D;&quot;steal()\"");
    expect(out.html).toContain('href="https://herald.test/i/tok?intent&#x3D;accept&amp;s&#x3D;1"');
  });

  it("fails on a missing variable instead of rendering an empty string, naming the part and the path", () => {
    const render = () => renderTemplate({ subject: "Hi", html: "<p>{{invitee.nmae}}</p>" }, sampleData());
    expect(render).toThrow(TemplateRenderError);
    expect(render).toThrow(/html.*unknown variable "invitee\.nmae" \(line 1, column 6\)/);
  });

  it("fails on a missing variable in the subject and in the text part as well", () => {
    expect(() => renderTemplate({ subject: "{{event.name}}", html: "x" }, sampleData())).toThrow(/subject.*event\.name/);
    expect(() => renderTemplate({ subject: "s", html: "x", text: "{{host.phone}}" }, sampleData())).toThrow(/text.*host\.phone/);
  });

  it("renders null values (an event without an online URL) as nothing, and #if sees them as absent", () => {
    const out = renderTemplate(
      { subject: "s", html: "[{{event.onlineUrl}}]{{#if event.onlineUrl}}online{{else}}in person{{/if}}" },
      sampleData(),
    );
    expect(out.html).toBe("[]in person");
  });

  it.each(["{{constructor.name}}", "{{__proto__}}", "{{invitee.constructor}}", "{{#with invitee}}{{constructor}}{{/with}}", "{{invitee.toString}}"])(
    "blocks prototype access: %s",
    (source) => {
      expect(() => renderTemplate({ subject: "s", html: source }, sampleData())).toThrow(TemplateRenderError);
      expect(() => renderTemplate({ subject: source, html: "x" }, sampleData())).toThrow(/is not allowed/);
    },
  );

  it("offers no lookup or log helper", () => {
    expect(() => renderTemplate({ subject: "s", html: '{{lookup invitee "name"}}' }, sampleData())).toThrow(/unknown helper lookup/);
    expect(() => renderTemplate({ subject: "s", html: '{{log "x"}}' }, sampleData())).toThrow(/unknown helper log/);
  });

  it("runs in its own Handlebars environment: helpers and partials registered globally do not exist here", () => {
    Handlebars.registerHelper("shout", (s: unknown) => String(s).toUpperCase());
    Handlebars.registerPartial("footer", "global footer");
    try {
      expect(() => renderTemplate({ subject: "s", html: "{{shout invitee.name}}" }, sampleData())).toThrow(TemplateRenderError);
      expect(() => renderTemplate({ subject: "s", html: "{{> footer}}" }, sampleData())).toThrow(TemplateRenderError);
    } finally {
      Handlebars.unregisterHelper("shout");
      Handlebars.unregisterPartial("footer");
    }
  });

  it("derives the text part from the html when the template has none", () => {
    const out = renderTemplate(
      {
        subject: "s",
        html: '<h1>Hello {{invitee.name}}</h1><p>Come to <b>{{event.title}}</b>.</p><p><a href="{{links.accept}}">Accept</a></p>',
        text: "   ",
      },
      sampleData({ name: XSS }),
    );
    expect(out.text).toBe(`Hello ${XSS}\n\nCome to Launch party.\n\nAccept (https://herald.test/i/tok?intent=accept&s=1)`);
  });

  it("keeps the subject on one line", () => {
    const out = renderTemplate({ subject: "{{event.title}}\r\nBcc: evil@example.com", html: "x" }, sampleData());
    expect(out.subject).toBe("Launch party Bcc: evil@example.com");
  });

  it("iterates CSV columns with #each", () => {
    const out = renderTemplate(
      { subject: "s", html: "{{#each invitee.fields}}{{@key}}={{this}};{{/each}}", text: "{{invitee.fields.company}}" },
      sampleData({ fields: { company: "A&B", role: "CTO" } }),
    );
    expect(out.html).toBe("company=A&amp;B;role=CTO;");
    expect(out.text).toBe("A&B");
  });
});
