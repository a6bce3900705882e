import { describe, expect, it } from "vitest";
import { IN_FLIGHT_ELSEWHERE_WAIT_MS, nextRunDelayMs } from "./worker-timing";

describe("the local worker's pause between runs", () => {
  it("is the configured interval after a run that sent, found nothing due, or failed", () => {
    expect(nextRunDelayMs({ claimed: 40, stoppedBecause: "idle" }, 200)).toBe(200);
    expect(nextRunDelayMs({ claimed: 0, stoppedBecause: "idle" }, 200)).toBe(200);
    expect(nextRunDelayMs(null, 200)).toBe(200);
  });

  it("is longer after a run that ended because other drains hold every due job, whether or not it sent first", () => {
    expect(nextRunDelayMs({ claimed: 0, stoppedBecause: "in_flight_elsewhere" }, 200)).toBe(IN_FLIGHT_ELSEWHERE_WAIT_MS);
    expect(nextRunDelayMs({ claimed: 12, stoppedBecause: "in_flight_elsewhere" }, 200)).toBe(IN_FLIGHT_ELSEWHERE_WAIT_MS);
    // A worker already configured to wait longer keeps its own interval.
    expect(nextRunDelayMs({ claimed: 0, stoppedBecause: "in_flight_elsewhere" }, 60_000)).toBe(60_000);
  });
});
