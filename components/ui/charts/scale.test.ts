import { describe, expect, it } from "vitest";
import { barSlots, compactNumber, labelledIndices, labelStride, linearTicks, niceCeil } from "./scale";

describe("chart scales", () => {
  it("ends the axis on a round number at or above the data", () => {
    expect(niceCeil(0)).toBe(1);
    expect(niceCeil(7)).toBe(10);
    expect(niceCeil(2.2)).toBe(5);
    expect(niceCeil(23)).toBe(25);
    expect(niceCeil(18_000)).toBe(20_000);
    expect(niceCeil(20_001)).toBe(25_000);
    expect(niceCeil(50_000)).toBe(50_000);
    expect(niceCeil(51_000)).toBe(100_000);
  });

  it("spaces ticks evenly from zero, in round steps", () => {
    expect(linearTicks(20_000)).toEqual([0, 5_000, 10_000, 15_000, 20_000]);
    expect(linearTicks(50_000)).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(linearTicks(25_000)).toEqual([0, 5_000, 10_000, 15_000, 20_000, 25_000]);
    expect(linearTicks(1)).toEqual([0, 1]);
    expect(linearTicks(2)).toEqual([0, 1, 2]);
    expect(linearTicks(10)).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it("labels numbers compactly", () => {
    expect([compactNumber(950), compactNumber(1_234), compactNumber(48_000), compactNumber(1_500_000)]).toEqual(["950", "1.2k", "48k", "1.5M"]);
  });

  it("lays bars out edge to edge with gaps, and thins labels that would collide", () => {
    const slots = barSlots(4, 400);
    expect(slots).toHaveLength(4);
    expect(slots[0]!.x).toBeGreaterThan(0);
    expect(slots[3]!.x + slots[3]!.width).toBeLessThanOrEqual(400);
    expect(labelStride(24, 320)).toBe(3);
    expect(labelStride(24, 1200)).toBe(1);
    // 30 days every 2nd: the 29th is printed, so the 30th, right next to it, is not.
    expect([...labelledIndices(30, 2)].at(-1)).toBe(28);
    expect([...labelledIndices(25, 3)].sort((a, b) => a - b).slice(-2)).toEqual([21, 24]);
    expect(labelledIndices(20, 4).has(19)).toBe(true);
  });
});
