import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
/** The worker as the fault suite runs it: bundled once by global-setup.ts. */
export const WORKER_BUNDLE = path.join(ROOT, ".herald-run/faults-worker.mjs");
/** One JSON line per scenario with what it observed; `npm test` prints them at the end. */
export const FAULT_RESULTS = path.join(ROOT, "test-results/faults.jsonl");
