import { describe, expect, it } from "vitest";
import { htmlToText } from "./html-to-text";

describe("htmlToText", () => {
  it("keeps link targets visible as text (url)", () => {
    expect(htmlToText('<p>Please <a href="https://x.test/a?b=1&amp;c=2">accept here</a>.</p>')).toBe(
      "Please accept here (https://x.test/a?b=1&c=2).",
    );
  });

  it("shows a bare URL once when the link text is the URL, and mailto addresses without the scheme", () => {
    expect(htmlToText('<a href="https://x.test">https://x.test</a>')).toBe("https://x.test");
    expect(htmlToText('<a href="mailto:grace@herald.test">grace@herald.test</a>')).toBe("grace@herald.test");
    expect(htmlToText('<a href="mailto:grace@herald.test">Write to Grace</a>')).toBe("Write to Grace (grace@herald.test)");
  });

  it("drops head, style, script, comments and hidden preheaders", () => {
    const html =
      '<html><head><title>T</title><style>p{color:red}</style></head><body><!-- c --><div style="display:none;max-height:0">preview</div><script>x()</script><p>Body</p></body></html>';
    expect(htmlToText(html)).toBe("Body");
  });

  it("turns block structure into lines, lists into dashes, line breaks into newlines", () => {
    const html = "<h1>Title</h1>\n  <p>First\n   line<br>second</p><ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>";
    expect(htmlToText(html)).toBe("Title\n\nFirst line\nsecond\n\n- one\n- two\n\na b\nc");
  });

  it("decodes entities after removing tags, so escaped markup becomes literal text", () => {
    expect(htmlToText("<p>&lt;script&gt; &amp; &quot;x&quot; &#39;y&#x27; caf&eacute;&nbsp;ok &hellip;</p>")).toBe(
      "<script> & \"x\" 'y' caf&eacute; ok …",
    );
  });

  it("uses image alt text, and link text from an image-only link", () => {
    expect(htmlToText('<p><img src="logo.png" alt="Herald"></p><a href="https://x.test"><img src="b.png" alt="Accept"></a>')).toBe(
      "Herald\n\nAccept (https://x.test)",
    );
  });
});
