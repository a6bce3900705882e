import { describe, expect, it } from "vitest";
import { KeyedLock } from "./keyed-lock";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("KeyedLock", () => {
  it("never runs two tasks of one key at once, and runs other keys alongside", async () => {
    const lock = new KeyedLock();
    let running = 0;
    let peak = 0;
    let otherRan = false;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
    };
    await Promise.all([
      ...Array.from({ length: 20 }, () => lock.run("event-1", task)),
      lock.run("event-2", async () => {
        otherRan = running > 0; // started while event-1 work was in flight
      }),
    ]);
    expect(peak).toBe(1);
    expect(otherRan).toBe(true);
  });

  it("keeps going after a task fails", async () => {
    const lock = new KeyedLock();
    await expect(lock.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(lock.run("k", async () => 42)).resolves.toBe(42);
  });
});
