/* global console */
// Plain JavaScript on purpose: it runs before dependencies (and so tsx) are installed.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const stamp = "node_modules/.package-lock.json";
const stale = !existsSync(stamp) || statSync("package-lock.json").mtimeMs > statSync(stamp).mtimeMs;
if (stale) {
  console.log("Installing dependencies (first run takes a few minutes)…");
  execSync("npm ci --no-audit --no-fund", { stdio: "inherit" });
}
