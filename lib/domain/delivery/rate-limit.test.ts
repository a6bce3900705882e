import { describe, expect, it } from "vitest";
import { createPacer, evenShare, holdUntil, recordStart, reserve, spacingMs, startDelayMs, withShare, type PacerState } from "./rate-limit";

const T0 = new Date("2026-05-01T12:00:00Z").getTime();

/** Reserves `count` slots as fast as the caller can ask, returning their offsets from T0 in ms. */
function reserveBurst(state: PacerState, count: number, askAt = T0): { offsets: number[]; state: PacerState } {
  const offsets: number[] = [];
  let current = state;
  for (let i = 0; i < count; i++) {
    const r = reserve(current, new Date(askAt));
    offsets.push(r.at.getTime() - T0);
    current = r.state;
  }
  return { offsets, state: current };
}

function maxInAnyWindow(offsets: number[], windowMs: number): number {
  let best = 0;
  for (const start of offsets) {
    best = Math.max(best, offsets.filter((o) => o >= start && o < start + windowMs).length);
  }
  return best;
}

describe("reserve", () => {
  it("lets the first send go at once", () => {
    expect(reserve(createPacer({ perSecond: 2 }), new Date(T0)).at.getTime()).toBe(T0);
  });

  it("spaces sends so a 2-per-second provider never sees a third request within a second", () => {
    const { offsets } = reserveBurst(createPacer({ perSecond: 2 }), 10);
    expect(offsets).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500]);
    expect(maxInAnyWindow(offsets, 1000)).toBe(2);
  });

  it("obeys the slower limit when both are given", () => {
    // 10/s allows 100 ms spacing, but 120/min needs 500 ms.
    const pacer = createPacer({ perSecond: 10, perMinute: 120 });
    expect(spacingMs(pacer)).toBe(500);
    const { offsets } = reserveBurst(pacer, 300);
    expect(maxInAnyWindow(offsets, 60_000)).toBeLessThanOrEqual(120);
    expect(maxInAnyWindow(offsets, 1_000)).toBeLessThanOrEqual(10);
  });

  it("keeps two drains with half a share each under the provider's limit together", () => {
    const a = reserveBurst(createPacer({ perSecond: 4 }, evenShare(2)), 20).offsets;
    const b = reserveBurst(createPacer({ perSecond: 4 }, evenShare(2)), 20).offsets;
    const together = [...a, ...b].sort((x, y) => x - y);
    expect(maxInAnyWindow(together, 1000)).toBeLessThanOrEqual(4);
    expect(a.slice(0, 3)).toEqual([0, 500, 1000]);
  });

  it("does not bank idle time into a burst", () => {
    const first = reserveBurst(createPacer({ perSecond: 1 }), 1).state;
    const later = reserveBurst(first, 3, T0 + 60_000).offsets;
    expect(later).toEqual([60_000, 61_000, 62_000]);
  });

  it("never delays a provider without a rate limit", () => {
    expect(reserveBurst(createPacer({}), 5).offsets).toEqual([0, 0, 0, 0, 0]);
  });

  it("rejects shares and limits that make no sense", () => {
    expect(() => createPacer({ perSecond: 1 }, 0)).toThrow(RangeError);
    expect(() => createPacer({ perSecond: 1 }, 1.5)).toThrow(RangeError);
    expect(() => createPacer({ perSecond: 0 })).toThrow(RangeError);
    expect(() => createPacer({ perMinute: Number.NaN })).toThrow(RangeError);
    expect(() => withShare(createPacer({}), -1)).toThrow(RangeError);
  });
});

describe("holdUntil", () => {
  it("makes every later reservation wait for the provider's Retry-After", () => {
    const held = holdUntil(createPacer({ perSecond: 2 }), new Date(T0 + 30_000));
    expect(reserveBurst(held, 2).offsets).toEqual([30_000, 30_500]);
  });

  it("never moves an already booked slot earlier", () => {
    const booked = reserveBurst(createPacer({ perMinute: 1 }), 1).state; // next slot at +60 s
    expect(reserve(holdUntil(booked, new Date(T0 + 5_000)), new Date(T0)).at.getTime()).toBe(T0 + 60_000);
  });
});

describe("withShare", () => {
  it("slows this drain down when another drain joins, from the next slot on", () => {
    const solo = reserveBurst(createPacer({ perSecond: 2 }), 2).state; // next at +1000
    const shared = withShare(solo, evenShare(2));
    expect(reserveBurst(shared, 3).offsets).toEqual([1000, 2000, 3000]);
    expect(evenShare(0)).toBe(1);
    expect(evenShare(4)).toBe(0.25);
  });
});

describe("fractional spacing", () => {
  it("never starts a send early when the spacing is not a whole number of milliseconds", () => {
    const { offsets } = reserveBurst(createPacer({ perSecond: 3 }), 7);
    expect(offsets).toEqual([0, 334, 667, 1000, 1334, 1667, 2000]);
    expect(maxInAnyWindow(offsets, 1000)).toBe(3);
  });
});

describe("sends woken late, together", () => {
  /**
   * Slots spaced on the clock, then started the way a stalled event loop starts them: every send whose slot
   * passed during the stall starts at its end. Each start first asks startDelayMs and goes when it says.
   */
  function startAfterStall(state: PacerState, slots: number[], stallUntil: number): number[] {
    let current = state;
    const starts: number[] = [];
    let clock = stallUntil;
    for (const slot of slots) {
      clock = Math.max(clock, slot);
      for (let wait = startDelayMs(current, clock); wait > 0; wait = startDelayMs(current, clock)) clock += wait;
      current = recordStart(current, clock);
      starts.push(clock - T0);
    }
    return starts;
  }

  it("never start more than the per-second limit within any second, however long the stall", () => {
    const pacer = createPacer({ perSecond: 10 });
    const { offsets } = reserveBurst(pacer, 40);
    // Without the check: everything booked over the first 1.5 s starts at once when the loop comes back.
    expect(maxInAnyWindow(offsets.map((o) => Math.max(o, 1500)), 1000)).toBeGreaterThan(10);
    const starts = startAfterStall(pacer, offsets.map((o) => T0 + o), T0 + 1500);
    expect(maxInAnyWindow(starts, 1000)).toBeLessThanOrEqual(10);
    // Caught up about a second after the last slot: the stall's time is not lost for good.
    expect(starts[starts.length - 1]).toBeLessThan(offsets[offsets.length - 1]! + 1100);
  });

  it("catch up at twice the paced rate at most, so the burst does not come back a second later", () => {
    const pacer = createPacer({ perSecond: 90 });
    const { offsets } = reserveBurst(pacer, 270);
    // The loop stalls for 150 ms a second in: 13 slots pass meanwhile.
    const starts = startAfterStall(pacer, offsets.map((o) => T0 + o), T0 + 1150).filter((s) => s >= 1150);
    const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(Math.floor(spacingMs(pacer) / 2));
    // A second after the stall, the starts are spaced as paced again, not bunched as the stall left them.
    const echo = starts.filter((s) => s >= 2150 && s < 2300);
    expect(maxInAnyWindow(echo, 50)).toBeLessThanOrEqual(Math.ceil(50 / (spacingMs(pacer) / 2)) + 1);
    expect(maxInAnyWindow(starts, 1000)).toBeLessThanOrEqual(90);
  });

  it("apply the drain's share: a quarter of 10 per second is 2 starts in any second", () => {
    const pacer = createPacer({ perSecond: 10 }, 0.25);
    const starts = startAfterStall(pacer, [0, 1, 2, 3, 4, 5].map((o) => T0 + o), T0 + 3000);
    expect(maxInAnyWindow(starts, 1000)).toBe(2);
  });

  it("let a provider of a few sends a second have its paced rate: 1.9 a second is not 1", () => {
    // Resend's default limit is 2 a second, paced a little under it. Spaced 527 ms apart, two starts always
    // fall in some second: allowing only one there held every send back to a whole second.
    const pacer = createPacer({ perSecond: 2 }, 1, 0.95);
    const { offsets } = reserveBurst(pacer, 10);
    const starts = startAfterStall(pacer, offsets.map((o) => T0 + o), T0);
    expect(starts[9]).toBeLessThanOrEqual(offsets[9]! + 1);
    expect(maxInAnyWindow(starts, 1000)).toBe(2);
  });

  it("never hold back a provider with only a per-minute limit, or none", () => {
    for (const limits of [{ perMinute: 60 }, {}]) {
      const pacer = recordStart(recordStart(createPacer(limits), T0), T0);
      expect(startDelayMs(pacer, T0)).toBe(0);
    }
  });
});
