import { rmSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { FAULT_RESULTS, ROOT, WORKER_BUNDLE } from "./paths";

/**
 * Bundles the worker once for the whole suite, as the deployed function is bundled: starting a bundle takes a
 * fraction of a second, where tsx would compile TypeScript in every worker a scenario starts.
 */
export default async function setup() {
  const root = ROOT;
  rmSync(FAULT_RESULTS, { force: true });
  await build({
    entryPoints: [path.join(root, "scripts/worker.ts")],
    outfile: WORKER_BUNDLE,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    packages: "external",
    alias: { "@": root },
    logLevel: "warning",
  });
}
