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

  describe("the derived text part", () => {
    const text = (html: string) => renderTemplate({ subject: "s", html }, sampleData()).text;

    it("keeps links readable as text (url), once when the text is the address", () => {
      expect(text('<p>Please <a href="https://x.test/a?b=1&amp;c=2">accept here</a>.</p>')).toBe("Please accept here (https://x.test/a?b=1&c=2).");
      expect(text('<a href="https://x.test">https://x.test</a>')).toBe("https://x.test");
      expect(text('<a href="mailto:grace@herald.test">Write to Grace</a>')).toBe("Write to Grace (grace@herald.test)");
    });

    it("drops head, style, script and the hidden preheader", () => {
      const html =
        '<html><head><title>T</title><style>p{color:red}</style></head><body><div style="display:none;max-height:0">preview</div><div style="DISPLAY: none">also hidden</div><script>x()</script><p>Body</p></body></html>';
      expect(text(html)).toBe("Body");
    });

    it("turns blocks into lines, list items into dashes, layout table cells into lines", () => {
      const html = "<h1>Title</h1>\n  <p>First\n   line<br>second</p><ul><li>one</li><li>two</li></ul><table><tr><td>a</td></tr><tr><td>b</td></tr></table>";
      expect(text(html)).toBe("Title\n\nFirst line\nsecond\n\n- one\n- two\n\na\nb");
      const buttons = '<table><tr><td><a href="https://x.test/a">Accept</a></td><td>&nbsp;</td><td><a href="https://x.test/d">Decline</a></td></tr></table>';
      expect(text(buttons)).toBe("Accept (https://x.test/a)\n\nDecline (https://x.test/d)");
    });

    it("decodes entities after removing tags, so escaped markup becomes literal text (a no-break space stays one)", () => {
      expect(text("<p>&lt;script&gt; &amp; &quot;x&quot; &#39;y&#x27; caf&eacute;&nbsp;ok &hellip;</p>")).toBe(`<script> & "x" 'y' café\u00a0ok …`);
    });

    it("names images by their alt text, so an image-only link still says what it is", () => {
      expect(text('<p><img src="logo.png" alt="Herald"></p><a href="https://x.test"><img src="b.png" alt="Accept"></a>')).toBe("Herald\n\nAccept (https://x.test)");
    });

    it("never wraps a long link across lines", () => {
      const long = `https://herald.test/i/${"t".repeat(200)}`;
      expect(text(`<p>Open <a href="${long}">the invitation</a> to answer.</p>`)).toBe(`Open the invitation (${long}) to answer.`);
    });
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
