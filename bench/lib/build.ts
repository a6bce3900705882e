import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { progress } from "./output";

/** What goes into the production build; tests are left out so editing one does not force a rebuild. */
const SOURCES = [
  "app",
  "components",
  "lib",
  "public",
  "next.config.ts",
  "instrumentation.ts",
  "instrumentation-node.ts",
  "proxy.ts",
  "middleware.ts",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
];

const isTest = (name: string) => /\.test\.tsx?$/.test(name);

function newest(entry: string): { file: string; mtimeMs: number } | null {
  if (!existsSync(entry)) return null;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return isTest(entry) ? null : { file: entry, mtimeMs: stat.mtimeMs };
  let best: { file: string; mtimeMs: number } | null = null;
  for (const child of readdirSync(entry)) {
    const found = newest(path.join(entry, child));
    if (found && (!best || found.mtimeMs > best.mtimeMs)) best = found;
  }
  return best;
}

/**
 * The latency figures are only meaningful against the code as it is now: rebuild when the build is missing
 * or any source is newer than its BUILD_ID.
 */
export async function ensureProductionBuild(root: string, distDir: string): Promise<{ built: boolean; seconds: number }> {
  const buildId = path.join(root, distDir, "BUILD_ID");
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : null;
  let latest: { file: string; mtimeMs: number } | null = null;
  for (const entry of SOURCES) {
    const found = newest(path.join(root, entry));
    if (found && (!latest || found.mtimeMs > latest.mtimeMs)) latest = found;
  }
  if (builtAt !== null && (!latest || latest.mtimeMs <= builtAt)) {
    progress(`production build in ${distDir} is up to date`);
    return { built: false, seconds: 0 };
  }
  progress(
    builtAt === null
      ? `no production build in ${distDir}: running next build`
      : `${path.relative(root, latest!.file)} is newer than ${distDir}/BUILD_ID: running next build`,
  );
  const t0 = performance.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(path.join(root, "node_modules/.bin/next"), ["build"], {
      cwd: root,
      env: { ...process.env, HERALD_NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: "1" },
      // The build's chatter is progress for a person: stderr, never the result stream.
      stdio: ["ignore", process.stderr, process.stderr],
    });
    child.once("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    child.once("error", () => resolve(127));
  });
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`next build failed (exit ${code}); see its output above`);
  progress(`next build done in ${seconds.toFixed(0)} s`);
  return { built: true, seconds };
}
