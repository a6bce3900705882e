/**
 * Bundles functions/src (and the parts of lib/ it uses) into functions/lib/index.js, the deploy unit.
 * SDKs stay external: Cloud Build installs them from functions/package.json.
 */
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib/local-stack";

const pkg = JSON.parse(readFileSync(path.join(ROOT, "functions/package.json"), "utf8")) as { dependencies: Record<string, string> };

await build({
  entryPoints: [path.join(ROOT, "functions/src/index.ts")],
  outfile: path.join(ROOT, "functions/lib/index.js"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: true,
  external: Object.keys(pkg.dependencies).flatMap((name) => [name, `${name}/*`]),
  alias: { "@": ROOT },
  logLevel: "info",
});
