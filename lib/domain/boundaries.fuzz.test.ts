import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FUZZ_RUNS, hostileValue, mutantsOf } from "@/tests/support/fuzz";
import { EVENT_LIMITS, eventInputSchema } from "./events/schema";
import { isValidTimeZone } from "./events/time";
import { deriveInvitationToken, verifyInvitationLink } from "./invitations/token";
import { hasControlCharacters } from "./email-address";
import { revalidateInviteRows } from "./invitations/upload";
import { parseProviderConnection, ProviderConnectionError } from "./providers/connection";
import { emptyProviderFields, providerEndpoint, providerFormSchema } from "./providers/form";

/**
 * Every zod boundary of the domain (what the server actions parse from the browser, and the provider
 * connection the drain parses from a stored document), fed hostile input: each returns a verdict, never throws,
 * and what it accepts keeps the rules the rest of the code relies on.
 */

const validEvent = {
  title: "Launch party",
  description: "Drinks\nand demos",
  startsAt: "2030-06-01T18:00",
  endsAt: "2030-06-01T22:00",
  timezone: "Europe/Paris",
  location: "Station F",
  onlineUrl: "https://meet.example.com/x",
  capacity: "50",
  rsvpDeadline: "2030-05-30T12:00",
  linkLifetimeDays: "7",
  templateId: "invitation",
};

describe("the event form", () => {
  it("accepts only events that end after they start, with bounded, single-line texts", () => {
    fc.assert(
      fc.property(mutantsOf(validEvent), (input) => {
        const result = eventInputSchema.safeParse(input);
        if (!result.success) {
          expect(result.error.issues.length).toBeGreaterThan(0);
          return;
        }
        const e = result.data;
        expect(e.endsAt.getTime()).toBeGreaterThan(e.startsAt.getTime());
        expect(e.title.length).toBeGreaterThan(0);
        expect(e.title.length).toBeLessThanOrEqual(EVENT_LIMITS.titleMax);
        expect(hasControlCharacters(e.title)).toBe(false);
        expect(hasControlCharacters(e.location ?? "")).toBe(false);
        expect(isValidTimeZone(e.timezone)).toBe(true);
        if (e.capacity !== undefined) expect(Number.isInteger(e.capacity) && e.capacity >= 1).toBe(true);
        if (e.onlineUrl !== undefined) expect(e.onlineUrl).toMatch(/^https?:\/\//);
      }),
      FUZZ_RUNS,
    );
  });
});

describe("the provider form", () => {
  const smtp = { ...emptyProviderFields("smtp"), name: "Relay", fromEmail: "events@example.com", host: "smtp.example.com", user: "herald", pass: "pw" };
  const resend = { ...emptyProviderFields("resend"), name: "Resend", fromEmail: "events@example.com", apiKey: "re_123" };
  const stored = { kind: "resend" as const, endpoint: providerEndpoint("resend", resend) };

  it("accepts only sendable settings: a real port, no line break in the From header, a key for a moved endpoint", () => {
    fc.assert(
      fc.property(fc.oneof(mutantsOf(smtp), mutantsOf(resend)), fc.boolean(), (input, withStored) => {
        const result = providerFormSchema({ storedSecret: withStored ? stored : null }).safeParse(input);
        if (!result.success) return;
        const v = result.data;
        expect(hasControlCharacters(v.name)).toBe(false);
        expect(hasControlCharacters(v.fromName ?? "")).toBe(false);
        if (v.kind === "smtp") {
          expect(Number.isInteger(v.port) && v.port >= 1 && v.port <= 65_535).toBe(true);
          if (v.user !== undefined && v.pass === undefined) throw new Error("a user without a password was accepted");
        } else if (v.apiKey === undefined) {
          // Keeping the stored key is only allowed for the endpoint it was saved with.
          expect(withStored && providerEndpoint(v.kind, v) === stored.endpoint).toBe(true);
        }
      }),
      FUZZ_RUNS,
    );
  });
});

describe("a provider connection read from storage", () => {
  it("is refused with the field and the rule, never the value, so a credential can be logged safely", () => {
    const secret = fc.string({ minLength: 12, maxLength: 40 }).map((s) => `S3cr3t-${s}`);
    fc.assert(
      fc.property(
        secret,
        mutantsOf({ kind: "sendgrid", apiKey: "", baseUrl: "https://api.sendgrid.com", timeoutMs: 1000 }),
        fc.constantFrom("apiKey", "baseUrl", "pass", "host", "user"),
        (value, input, where) => {
          try {
            parseProviderConnection({ ...input, [where]: value });
          } catch (error) {
            expect(error).toBeInstanceOf(ProviderConnectionError);
            expect((error as Error).message).not.toContain(value);
          }
        },
      ),
      FUZZ_RUNS,
    );
  });
});

describe("invitation rows sent by the browser", () => {
  const row = { row: 2, email: "ada@example.com", name: "Ada", fields: { company: "Acme" } };
  /** The right shape with any values: what a browser could send after its own parser was fooled or bypassed. */
  const text = fc.string({ unit: "binary", maxLength: 30 });
  const plausibleRow = fc.record({
    row: fc.integer({ min: 1, max: 10_000 }),
    email: fc.oneof(fc.emailAddress(), fc.constantFrom("ADA@example.com", "ada@example.com"), text),
    name: text,
    fields: fc.dictionary(fc.oneof(fc.constantFrom("company", "role", "__proto__", "a.b"), text), text, { maxKeys: 3 }),
  });

  it("are refused as a whole when malformed, or judged row by row: ok rows are valid and unique", () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(plausibleRow, { minLength: 1, maxLength: 8 }), fc.array(mutantsOf(row), { maxLength: 8 }), hostileValue), (input) => {
        const check = revalidateInviteRows(input);
        if (!check.ok) {
          expect(check.message).toMatch(/^(Rows were not in the expected form|Nothing|At most)/);
          return;
        }
        const keys = check.rows.filter((r) => r.status === "ok").map((r) => r.emailKey);
        expect(new Set(keys).size).toBe(keys.length);
        for (const r of check.rows) {
          if (r.status !== "ok") continue;
          expect(hasControlCharacters(r.name ?? "")).toBe(false);
          for (const [key, value] of Object.entries(r.fields)) {
            expect(key).not.toMatch(/^(__proto__|constructor|prototype)$/);
            expect(hasControlCharacters(value)).toBe(false);
          }
        }
      }),
      FUZZ_RUNS,
    );
  });
});

describe("an invitation link from a URL", () => {
  it("opens only when the secret signed it, whatever the path segment holds, and never throws", () => {
    const secret = "fuzz-secret-0123456789abcdefghijklmnop";
    const genuine = deriveInvitationToken(secret, "0123456789abcdef0123456789abcdef", 3);
    fc.assert(
      fc.property(fc.oneof(hostileValue, fc.string({ unit: "binary", minLength: 40, maxLength: 70 })), (candidate) => {
        const link = verifyInvitationLink([secret], candidate);
        expect(link === null).toBe(candidate !== genuine);
      }),
      FUZZ_RUNS,
    );
    expect(verifyInvitationLink([secret], genuine)).toMatchObject({ invitationId: "0123456789abcdef0123456789abcdef", tokenVersion: 3 });
  });
});
