import { describe, expect, it } from "vitest";
import { createPacer, recordStart, type PacerState } from "@/lib/domain/delivery/rate-limit";
import { StartQueue } from "./start-queue";

const T0 = Date.parse("2026-05-01T12:00:00Z");

/** A clock that moves only when a sleep is waited out, as a fake timer would move it. */
function fakeTime() {
  let now = T0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
      await Promise.resolve();
    },
  };
}

function mostInAnySecond(times: number[]): number {
  let most = 0;
  for (const t of times) most = Math.max(most, times.filter((u) => u >= t && u < t + 1000).length);
  return most;
}

describe("StartQueue", () => {
  it("starts sends woken together one after the other, never more than the allowance in any second", async () => {
    const time = fakeTime();
    // The last second already saw 90 starts, evenly spread: the allowance of a provider paced at 90/s is used up.
    let pacer: PacerState = createPacer({ perSecond: 90 });
    for (let i = 0; i < 90; i++) pacer = recordStart(pacer, T0 - 1000 + Math.ceil((i * 1000) / 90) + 1);
    const paced = { pacer: pacer as PacerState | null };
    const queue = new StartQueue(time.now);

    // 40 sends whose slots passed during a stall all arrive at once.
    const started: number[] = [];
    await Promise.all(Array.from({ length: 40 }, (_, i) => queue.admit(paced, time.sleep).then(() => started.push(i) && time.now())));
    const times = paced.pacer!.starts;

    expect(started).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const previous = Array.from({ length: 90 }, (_, i) => T0 - 1000 + Math.ceil((i * 1000) / 90) + 1);
    expect(mostInAnySecond([...previous, ...times.filter((t) => t >= T0)])).toBeLessThanOrEqual(90);
    // Each took one place as it came free: 40 places over about 40 paced intervals, not all at the end.
    expect(time.now() - T0).toBeGreaterThan(400);
    expect(queue.length).toBe(0);
  });

  it("lets a send through at once when the last second has room", async () => {
    const time = fakeTime();
    const paced = { pacer: createPacer({ perSecond: 10 }) as PacerState | null };
    const queue = new StartQueue(time.now);
    await queue.admit(paced, time.sleep);
    expect(time.now()).toBe(T0);
    expect(paced.pacer!.starts).toEqual([T0]);
  });

  it("does not spin on a clock that never moves: each waiter goes after one wait", async () => {
    let sleeps = 0;
    const frozen = { now: () => T0, sleep: async () => void sleeps++ };
    let pacer: PacerState = createPacer({ perSecond: 2 });
    pacer = recordStart(recordStart(pacer, T0), T0);
    const paced = { pacer: pacer as PacerState | null };
    const queue = new StartQueue(frozen.now);
    await Promise.all([queue.admit(paced, frozen.sleep), queue.admit(paced, frozen.sleep), queue.admit(paced, frozen.sleep)]);
    expect(sleeps).toBe(3);
  });

  it("serves sends that arrive after the line emptied", async () => {
    const time = fakeTime();
    const paced = { pacer: createPacer({ perSecond: 5 }) as PacerState | null };
    const queue = new StartQueue(time.now);
    await queue.admit(paced, time.sleep);
    await queue.admit(paced, time.sleep);
    await Promise.all([queue.admit(paced, time.sleep), queue.admit(paced, time.sleep)]);
    expect(paced.pacer!.starts).toHaveLength(4);
  });
});
