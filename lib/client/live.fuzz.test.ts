import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FUZZ_RUNS, hostileValue, mutantsOf } from "@/tests/support/fuzz";
import { toLiveEvent } from "./live";

/** A snapshot written by another deploy, or damaged by hand, must not break the dashboard: it is skipped. */
describe("live event snapshots", () => {
  it("become an event with numeric times and counters, or nothing", () => {
    const valid = { title: "Party", startsAt: new Date(1e12), endsAt: new Date(1e12 + 3600e3), timezone: "UTC", lifecycle: "active", counters: { invited: 1 } };
    fc.assert(
      fc.property(fc.oneof(mutantsOf(valid), hostileValue), (data) => {
        const event = toLiveEvent("e1", data);
        if (event === null) return;
        expect(Number.isFinite(event.startsAt) && Number.isFinite(event.endsAt)).toBe(true);
        for (const n of Object.values(event.counters)) expect(typeof n).toBe("number");
      }),
      FUZZ_RUNS,
    );
  });
});
