import { describe, expect, it } from "vitest";
import { firestoreQuotaDay } from "./quota-day";

describe("firestoreQuotaDay", () => {
  it("rolls over at midnight Pacific, not UTC", () => {
    // 07:59 UTC on 2026-11-24 is 23:59 on the 23rd in Los Angeles (PST, UTC-8).
    expect(firestoreQuotaDay(new Date("2026-11-24T07:59:00Z"))).toBe("2026-11-23");
    expect(firestoreQuotaDay(new Date("2026-11-24T08:00:00Z"))).toBe("2026-11-24");
  });

  it("follows daylight saving time (PDT, UTC-7) in summer", () => {
    expect(firestoreQuotaDay(new Date("2026-07-01T06:59:00Z"))).toBe("2026-06-30");
    expect(firestoreQuotaDay(new Date("2026-07-01T07:00:00Z"))).toBe("2026-07-01");
  });
});
