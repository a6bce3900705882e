import { format } from "node:util";

/**
 * A benchmark talks to people on stderr and to machines on stdout, where the only thing is one JSON line,
 * printed last. The supervisor and the structured logger write to console.log, so console output is routed
 * to stderr for the whole run; the result line is written to stdout directly.
 */
const started = performance.now();

export function routeConsoleToStderr(): void {
  const toStderr = (...args: unknown[]) => {
    process.stderr.write(`${format(...args)}\n`);
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
}

export function progress(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds}s] ${message}\n`);
}

export function emitResult(result: Record<string, unknown>): Promise<void> {
  return new Promise((resolve) => {
    process.stdout.write(`${JSON.stringify(result)}\n`, () => resolve());
  });
}

/** Resident memory high-water mark of this process, so a run that balloons shows it in its figures. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
