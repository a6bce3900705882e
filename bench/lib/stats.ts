import { readFileSync } from "node:fs";
import { round } from "./output";

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Nearest-rank percentile: always a latency that was actually observed, never an interpolation. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(latenciesMs: Float64Array): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 50), 1),
    p90Ms: round(percentile(sorted, 90), 1),
    p99Ms: round(percentile(sorted, 99), 1),
    maxMs: round(sorted.at(-1) ?? Number.NaN, 1),
    meanMs: round(sorted.length === 0 ? Number.NaN : sum / sorted.length, 1),
  };
}

export async function timed<T>(body: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await body();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

export interface CpuSample {
  /** Jiffies of all CPUs from /proc/stat, or null where there is no /proc. */
  machine: { busy: number; total: number } | null;
  process: NodeJS.CpuUsage;
}

/**
 * On a 2-core machine the bench process, the Next server and the Firestore emulator share the CPUs, so a
 * slow figure means little without knowing whether the machine was saturated and how much of it was the
 * benchmark's own client work.
 */
export function sampleCpu(): CpuSample {
  let machine: CpuSample["machine"] = null;
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    const [, ...fields] = line.trim().split(/\s+/);
    const values = fields.map(Number);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
    machine = { busy: total - idle, total };
  } catch {
    machine = null;
  }
  return { machine, process: process.cpuUsage() };
}

export function cpuSince(start: CpuSample): { machineBusy: number | null; benchCpuSeconds: number } {
  const end = sampleCpu();
  const machineBusy =
    start.machine && end.machine && end.machine.total > start.machine.total
      ? round((end.machine.busy - start.machine.busy) / (end.machine.total - start.machine.total), 2)
      : null;
  const used = process.cpuUsage(start.process);
  return { machineBusy, benchCpuSeconds: round((used.user + used.system) / 1e6, 2) };
}
