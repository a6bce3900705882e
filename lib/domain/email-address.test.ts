import { describe, expect, it } from "vitest";
import { emailSearchPrefix, hasUtf8LocalPart, parseEmailAddress } from "./email-address";

describe("parseEmailAddress", () => {
  it("keeps an ASCII address as typed for display and lower-cases it for identity", () => {
    expect(parseEmailAddress("  Jane.Doe+party@Example.COM ")).toEqual({
      ok: true,
      display: "Jane.Doe+party@Example.COM",
      ascii: "Jane.Doe+party@example.com",
      key: "jane.doe+party@example.com",
      utf8Local: false,
    });
  });

  it("accepts an internationalised domain: Unicode to read, punycode to send and to compare", () => {
    expect(parseEmailAddress("zoe@exämple.com")).toEqual({
      ok: true,
      display: "zoe@exämple.com",
      ascii: "zoe@xn--exmple-cua.com",
      key: "zoe@xn--exmple-cua.com",
      utf8Local: false,
    });
  });

  it("gives every spelling of one IDN address the same key and the same Unicode display", () => {
    const spellings = ["Zoe@EXÄMPLE.com", "zoe@xn--exmple-cua.com", "ZOE@XN--EXMPLE-CUA.COM", "zoe@exa\u0308mple.com", "zoe@exämple。com"];
    const parsed = spellings.map((s) => parseEmailAddress(s));
    for (const p of parsed) expect(p).toMatchObject({ ok: true, key: "zoe@xn--exmple-cua.com" });
    expect(parsed.map((p) => (p.ok ? p.display.split("@")[1] : null))).toEqual(Array(5).fill("exämple.com"));
  });

  it("handles scripts other than Latin, and German ß without turning it into ss", () => {
    expect(parseEmailAddress("info@例え.jp")).toMatchObject({ ok: true, ascii: "info@xn--r8jz45g.jp" });
    expect(parseEmailAddress("ivan@домен.рф")).toMatchObject({ ok: true, ascii: "ivan@xn--d1acufc.xn--p1ai", display: "ivan@домен.рф" });
    expect(parseEmailAddress("max@straße.de")).toMatchObject({ ok: true, ascii: "max@xn--strae-oqa.de" });
  });

  it("accepts a Unicode local part in NFC and says it needs SMTPUTF8", () => {
    const composed = parseEmailAddress("josé@example.com");
    const decomposed = parseEmailAddress("jose\u0301@example.com");
    expect(composed).toMatchObject({ ok: true, display: "josé@example.com", ascii: "josé@example.com", utf8Local: true });
    expect(decomposed).toEqual(composed);
    expect(parseEmailAddress("JOSÉ@Example.com")).toMatchObject({ key: "josé@example.com" });
    expect(parseEmailAddress("用户@例え.jp")).toMatchObject({ ok: true, ascii: "用户@xn--r8jz45g.jp", utf8Local: true });
  });

  it.each([
    ["", "Email is missing"],
    ["jane@example.com\r\nBcc: all@example.com", "Email contains a line break or control character"],
    ["=HYPERLINK(\"x\")@example.com", 'Email cannot start with "="'],
    ["-jane@example.com", 'Email cannot start with "-"'],
    ["@jane@example.com", 'Email cannot start with "@"'],
    ["jane doe@example.com", "Email contains a space"],
    ["jane\u00a0doe@example.com", "Email contains a space"],
    ["jane.example.com", "Email must contain exactly one @"],
    ["jane@doe@example.com", "Email must contain exactly one @"],
    ["jane@localhost", "The domain after @ must contain a dot, e.g. example.com"],
    ["jane..doe@example.com", "Not a valid email address"],
    ["jane@-example.com", "Not a valid email address"],
    ["jane@example.c", "Not a valid email address"],
    ["jane@exa_mple.com", "Not a valid email address"],
    ["jane@ab--cd.com", "Not a valid email address"],
    ["jane@xn--$.com", "Not a valid email address"],
    ["jane@xn--zz.com", "Not a valid email address"],
    ["<jane@example.com>", "Not a valid email address"],
    ["ja\u202ene@example.com", "Not a valid email address"],
    ["jo\u200dse@example.com", "Not a valid email address"],
    [`${"a".repeat(65)}@example.com`, "Not a valid email address"],
    [`${"é".repeat(40)}@example.com`, "Not a valid email address"],
    [`a@${"b".repeat(250)}.com`, "Email is longer than 254 characters"],
    [`a@${"ü".repeat(60)}.${"ä".repeat(60)}.${"ö".repeat(60)}.de`, "Not a valid email address"],
  ])("refuses %j: %s", (input, reason) => {
    expect(parseEmailAddress(input)).toEqual({ ok: false, reason });
  });

  it("accepts real-world shapes", () => {
    for (const email of ["o'brien@example.ie", "a@b.co", "x_y-z@sub.mail.example.org", "user@xn--bcher-kva.example", "a@ab-cd.com"]) {
      expect(parseEmailAddress(email).ok, email).toBe(true);
    }
  });
});

describe("hasUtf8LocalPart", () => {
  it("looks only before the @", () => {
    expect(hasUtf8LocalPart("josé@example.com")).toBe(true);
    expect(hasUtf8LocalPart("zoe@exämple.com")).toBe(false);
  });
});

describe("emailSearchPrefix", () => {
  it("searches in the stored form: lower case, a Unicode domain encoded", () => {
    expect(emailSearchPrefix("  Zoe@EXÄMPLE.com ")).toBe("zoe@xn--exmple-cua.com");
    expect(emailSearchPrefix("Zoe")).toBe("zoe");
    expect(emailSearchPrefix("josé@")).toBe("josé@");
    expect(emailSearchPrefix("zoe@xn--exm")).toBe("zoe@xn--exm");
    expect("zoe@xn--exmple-cua.com".startsWith(emailSearchPrefix("zoe@exämple.co"))).toBe(true);
  });
});
