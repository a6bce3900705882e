/**
 * Bundles functions/src (and the parts of lib/ it uses) into functions/lib/index.js, the deploy unit; firebase.json
 * runs it before every functions deploy. SDKs stay external: Cloud Build installs them from functions/package.json.
 */
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib/local-stack";

const pkg = JSON.parse(readFileSync(path.join(ROOT, "functions/package.json"), "utf8")) as { dependencies: Record<string, string> };

const result = await build({
  entryPoints: [path.join(ROOT, "functions/src/index.ts")],
  outfile: path.join(ROOT, "functions/lib/index.js"),
  bundle: true,
  platform: "node",
  // Deployed on nodejs22 (firebase.json), but built for the oldest Node Herald supports, so the same file also
  // loads on a Node 20 machine, where `npm test` runs it against the emulators.
  target: "node20",
  format: "cjs",
  sourcemap: true,
  metafile: true,
  external: Object.keys(pkg.dependencies).flatMap((name) => [name, `${name}/*`]),
  alias: { "@": ROOT },
  logLevel: "info",
});

// A package the code imports but functions/package.json does not declare would be copied into the bundle from
// the root's node_modules, at whatever version happens to be there: refuse, and say what to declare.
const undeclared = [
  ...new Set(
    Object.keys(result.metafile.inputs).flatMap((input) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      return match ? [match[1]!] : [];
    }),
  ),
];
if (undeclared.length > 0) {
  console.error(`functions/src imports packages functions/package.json does not declare: ${undeclared.join(", ")}`);
  process.exit(1);
}
