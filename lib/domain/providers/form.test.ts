import { describe, expect, it } from "vitest";
import {
  emptyProviderFields,
  providerEndpoint,
  providerFieldErrors,
  providerFormFieldsFrom,
  providerFormSchema,
  type ProviderFormFields,
} from "./form";

const smtp = (overrides: Partial<ProviderFormFields> = {}): ProviderFormFields => ({
  ...emptyProviderFields("smtp"),
  name: "Relay",
  fromEmail: "events@example.com",
  host: "smtp.example.com",
  ...overrides,
});

/** A secret stored for this kind, saved with the endpoint of `smtp()` / `resend` below unless told otherwise. */
function stored(kind: ProviderFormFields["kind"], endpointFields: Partial<ProviderFormFields> = {}) {
  const fields = kind === "smtp" ? smtp(endpointFields) : { ...emptyProviderFields(kind), ...endpointFields };
  return { kind, endpoint: providerEndpoint(kind, { ...fields }) };
}

function errors(fields: unknown, storedSecret: ReturnType<typeof stored> | null = null) {
  const result = providerFormSchema({ storedSecret }).safeParse(fields);
  return result.success ? {} : providerFieldErrors(result.error);
}

describe("provider form", () => {
  it("turns the form's strings into typed values, blanks into 'not given'", () => {
    const parsed = providerFormSchema().parse(
      smtp({ priority: " 3 ", port: "465", secure: true, dailyQuota: "", ratePerSecond: "1.5", fromName: "  ", user: "", pass: "" }),
    );
    expect(parsed).toMatchObject({ kind: "smtp", priority: 3, port: 465, secure: true, ratePerSecond: 1.5 });
    expect(parsed).not.toHaveProperty("dailyQuota", expect.anything());
    expect(parsed.fromName).toBeUndefined();
    expect(parsed.kind === "smtp" && parsed.user).toBeUndefined();
  });

  it("names every field at fault, with a message meant for people", () => {
    expect(
      errors(smtp({ name: "", fromEmail: "nope", port: "0", dailyQuota: "-5", resetTime: "24:00", timezone: "Mars/Olympus", ratePerMinute: "x" })),
    ).toEqual({
      name: "Give the provider a name",
      fromEmail: "The sender must be an email address, e.g. events@example.com",
      port: "The port must be a whole number from 1 to 65535 (usually 587 or 465)",
      dailyQuota: "The daily quota must be a whole number from 1 to 10,000,000 (leave it empty for no limit)",
      resetTime: "The reset time must be HH:MM on a 24-hour clock, e.g. 00:00",
      timezone: "Enter a valid IANA time zone, e.g. UTC, Europe/Berlin or America/Los_Angeles",
      ratePerMinute: "Sends per minute must be a positive number (leave it empty for no limit)",
    });
  });

  it("refuses line breaks in names that end up in the From header", () => {
    expect(errors(smtp({ fromName: "Herald\r\nBcc: x@example.com" }))).toHaveProperty("fromName");
  });

  it("asks for a password with a user, unless one of this kind is stored", () => {
    expect(errors(smtp({ user: "herald" }))).toEqual({ pass: "Enter the password for this user" });
    expect(errors(smtp({ user: "herald" }), stored("smtp", { user: "herald" }))).toEqual({});
    expect(errors(smtp({ pass: "secret" }))).toEqual({ user: "Enter the user name for this password, or clear the password" });
    expect(errors(smtp({ secure: true, allowPlaintext: true }))).toHaveProperty("allowPlaintext");
    expect(errors(smtp({ port: "465", allowPlaintext: true }))).toHaveProperty("allowPlaintext");
  });

  it("needs an API key for a new API provider, keeps a stored one only for the same kind", () => {
    const resend = { ...emptyProviderFields("resend"), name: "Resend", fromEmail: "a@example.com" };
    expect(errors(resend)).toEqual({ apiKey: "Enter the API key" });
    expect(errors(resend, stored("resend"))).toEqual({});
    expect(errors(resend, stored("smtp"))).toEqual({ apiKey: "Enter the API key" });
    expect(errors({ ...resend, apiKey: "re_123", baseUrl: "ftp://x" })).toHaveProperty("baseUrl");
    expect(errors({ ...resend, kind: "mailgun" })).toHaveProperty("kind");
  });

  it("keeps a stored secret only for the endpoint it was saved with", () => {
    const resend = { ...emptyProviderFields("resend"), name: "Resend", fromEmail: "a@example.com", baseUrl: "https://api.resend.com" };
    const saved = stored("resend", { baseUrl: "https://api.resend.com" });
    expect(errors(resend, saved)).toEqual({});
    expect(errors({ ...resend, baseUrl: " https://api.resend.com " }, saved)).toEqual({});
    expect(errors({ ...resend, baseUrl: "https://collector.evil.example" }, saved)).toEqual({
      apiKey: "The API address changed, so the saved API key is not sent there: enter it again",
    });
    expect(errors({ ...resend, baseUrl: "" }, saved)).toHaveProperty("apiKey");

    const relay = smtp({ user: "herald" });
    const password = stored("smtp", { user: "herald" });
    expect(errors({ ...relay, host: "SMTP.example.com" }, password)).toEqual({});
    for (const change of [{ host: "smtp.evil.example" }, { port: "25" }, { user: "root" }, { secure: true }, { allowSelfSigned: true }, { allowPlaintext: true }]) {
      expect(errors({ ...relay, ...change }, password), JSON.stringify(change)).toHaveProperty("pass", expect.stringMatching(/enter it again/));
    }
  });

  it("fills the edit form from a stored provider without any secret, keeping it for the same endpoint", () => {
    const connection = { host: "smtp.example.com", port: 465, secure: true, user: "herald" };
    const fields = providerFormFieldsFrom({
      name: "Relay",
      kind: "smtp",
      enabled: false,
      priority: 2,
      fromEmail: "a@example.com",
      fromName: "Herald",
      dailyQuota: null,
      resetTime: "01:30",
      timezone: "Europe/Berlin",
      ratePerSecond: 2,
      ratePerMinute: null,
      connection,
    });
    expect(fields).toMatchObject({ priority: "2", dailyQuota: "", port: "465", secure: true, user: "herald", pass: "", apiKey: "", ratePerSecond: "2" });
    // The stored settings and the form's strings name the same endpoint.
    expect(errors(fields, { kind: "smtp", endpoint: providerEndpoint("smtp", connection) })).toEqual({});
  });
});
