import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "./credentials";

const key = Buffer.alloc(32, 9).toString("base64");

describe("credentials at rest", () => {
  it("round-trips, and the stored form does not contain the secret", () => {
    const enc = encryptSecret(key, "SG.test-only-fake", "providers/p1");
    expect(JSON.stringify(enc)).not.toContain("test-only-fake");
    expect(decryptSecret(key, enc, "providers/p1")).toBe("SG.test-only-fake");
  });

  it("refuses a wrong key, a tampered ciphertext, or a ciphertext moved to another provider", () => {
    const enc = encryptSecret(key, "hunter2", "providers/p1");
    expect(() => decryptSecret(Buffer.alloc(32, 1).toString("base64"), enc, "providers/p1")).toThrow();
    expect(() => decryptSecret(key, { ...enc, data: Buffer.from("x").toString("base64") }, "providers/p1")).toThrow();
    expect(() => decryptSecret(key, enc, "providers/p2")).toThrow();
  });
});
