import { describe, expect, it } from "vitest";
import { bestThroughput, hottestDocument } from "./drain-figures";

describe("bench:drain's figures", () => {
  it("bounds throughput by the stand-ins' rates, failure point and quota", () => {
    // bench:drain's set-up: three at 100/s; a fails once a third is accepted; b stops at 2,000.
    const bound = bestThroughput(5000, [
      { id: "a", ratePerSecond: 100, quota: null, failsAfterTotal: 5000 / 3 },
      { id: "b", ratePerSecond: 100, quota: 2000, failsAfterTotal: null },
      { id: "c", ratePerSecond: 100, quota: null, failsAfterTotal: null },
    ]);
    // 1,667 at 300/s (5.56 s), b's remaining 1,444 at 200/s with c (14.44 s), the last 445 through c (4.45 s).
    expect(bound.seconds).toBeCloseTo(24.44, 1);
    expect(bound.emailsPerSecond).toBeCloseTo(204.5, 0);
  });

  it("is the sum of the rates when nothing fails and nothing runs out", () => {
    const bound = bestThroughput(600, [
      { id: "a", ratePerSecond: 50, quota: null, failsAfterTotal: null },
      { id: "b", ratePerSecond: 50, quota: null, failsAfterTotal: null },
    ]);
    expect(bound.emailsPerSecond).toBeCloseTo(100, 5);
  });

  it("finds the document written most often in any ten seconds", () => {
    const steady = Array.from({ length: 40 }, (_, i) => i * 1000); // one a second
    const burst = Array.from({ length: 15 }, (_, i) => 50_000 + i * 100); // 15 in 1.5 s, then nothing
    expect(hottestDocument({ "queue/registry-1": steady, "events/e1": burst })).toEqual({ path: "events/e1", writesPerSecond: 1.5, total: 15 });
    expect(hottestDocument({ "queue/registry-1": steady })?.writesPerSecond).toBe(1);
    expect(hottestDocument({})).toBeNull();
  });
});
