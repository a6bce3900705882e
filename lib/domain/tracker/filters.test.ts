import { describe, expect, it } from "vitest";
import { dateRange, decodeCursor, encodeCursor, parseTrackerParams, trackerQueryPlan, trackerQueryString } from "./filters";

describe("the tracker's URL filters", () => {
  it("reads every filter from the URL and writes them back the same way", () => {
    const params = { event: "ev1", kind: "confirmation", state: "failed", provider: "resend", from: "2026-03-01", to: "2026-03-07", mode: "real", tz: "Europe/Paris" };
    const { filters, problems } = parseTrackerParams(params);
    expect(problems).toEqual([]);
    expect(filters).toEqual({ eventId: "ev1", kind: "confirmation", state: "failed", providerId: "resend", from: "2026-03-01", to: "2026-03-07", mode: "real", tz: "Europe/Paris" });
    expect(parseTrackerParams(Object.fromEntries(new URLSearchParams(trackerQueryString(filters)))).filters).toEqual(filters);
  });

  it("drops what it cannot use, says so, and keeps the rest", () => {
    const { filters, problems } = parseTrackerParams({ state: "active", kind: "spam", from: "2026-02-30", event: "../x", tz: "Mars/Olympus", mode: "real" });
    expect(filters).toEqual({ tz: "UTC", mode: "real" });
    expect(problems).toHaveLength(5);
  });

  it("swaps a reversed date range rather than showing nothing", () => {
    const { filters, problems } = parseTrackerParams({ from: "2026-03-07", to: "2026-03-01" });
    expect([filters.from, filters.to]).toEqual(["2026-03-01", "2026-03-07"]);
    expect(problems[0]).toMatch(/swapped/);
  });

  it("reads dates as whole days in the operator's zone", () => {
    const range = dateRange({ from: "2026-03-01", to: "2026-03-01", tz: "America/New_York" });
    expect(range.from?.toISOString()).toBe("2026-03-01T05:00:00.000Z");
    expect(range.to?.toISOString()).toBe("2026-03-02T05:00:00.000Z");
  });

  it("searches by a lower-cased prefix, with the event filter only", () => {
    const { filters, problems } = parseTrackerParams({ q: " Ada@Ex ", event: "ev1", state: "failed" });
    expect(filters).toEqual({ tz: "UTC", eventId: "ev1", q: "ada@ex" });
    expect(problems[0]).toMatch(/only the event filter/);
    expect(trackerQueryPlan(filters)).toEqual({
      where: [["eventId", "==", "ev1"], ["recipientKey", ">=", "ada@ex"], ["recipientKey", "<", "ada@ex\uf8ff"]],
      orderBy: [["recipientKey", "asc"], ["createdAt", "desc"], ["__name__", "desc"]],
    });
  });

  it("filters failed jobs by the provider they failed at, and sent ones by the provider that sent them", () => {
    expect(trackerQueryPlan({ tz: "UTC", state: "failed", providerId: "p1" }).where).toContainEqual(["lastError.providerId", "==", "p1"]);
    expect(trackerQueryPlan({ tz: "UTC", state: "completed", providerId: "p1" }).where).toContainEqual(["sentBy", "==", "p1"]);
    expect(trackerQueryPlan({ tz: "UTC", mode: "simulated" }).where).toContainEqual(["simulated", "==", true]);
  });
});

describe("cursors", () => {
  it("round-trip, and refuse anything tampered with", () => {
    const cursor = encodeCursor([1_772_000_000_000, "abc-1"]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual([1_772_000_000_000, "abc-1"]);
    expect(decodeCursor("not base64 json")).toBeNull();
    expect(decodeCursor(encodeCursor(["only-one"] as unknown as [string, string]))).toBeNull();
  });
});
