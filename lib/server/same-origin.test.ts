import { describe, expect, it } from "vitest";
import { isSameOrigin } from "./same-origin";

const BASE = "https://herald.example.com";

function post(headers: Record<string, string>): Request {
  return new Request("http://internal:8080/api/session", { method: "POST", headers });
}

describe("isSameOrigin", () => {
  it("accepts the configured site's own pages", () => {
    expect(isSameOrigin(post({ origin: BASE, host: "internal:8080" }), BASE)).toBe(true);
    expect(isSameOrigin(post({ origin: BASE }), `${BASE}/`)).toBe(true);
  });

  it("refuses another site even when it sends a matching Host header", () => {
    expect(isSameOrigin(post({ origin: "https://evil.example", host: "evil.example" }), BASE)).toBe(false);
  });

  it("compares scheme and port too, not only the host name", () => {
    expect(isSameOrigin(post({ origin: "http://herald.example.com" }), BASE)).toBe(false);
    expect(isSameOrigin(post({ origin: "https://herald.example.com:8443" }), BASE)).toBe(false);
  });

  it("refuses a request without an Origin, or with an unreadable or opaque one", () => {
    expect(isSameOrigin(post({}), BASE)).toBe(false);
    expect(isSameOrigin(post({ origin: "not a url" }), BASE)).toBe(false);
    expect(isSameOrigin(post({ origin: "null" }), BASE)).toBe(false);
  });
});
