import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Every package the code imports is declared in package.json. An undeclared one works only while some other
 * package happens to pull it in, at whatever version that one chooses (how `@sendgrid/client` was imported
 * for months), and a clean install for a deploy may not have it at all.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const SOURCE_DIRS = ["app", "bench", "components", "functions/src", "lib", "scripts", "tests"];
const ROOT_FILES = ["instrumentation.ts", "instrumentation-node.ts", "next.config.ts", "playwright.config.ts", "vitest.config.ts", "eslint.config.mjs"];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.(ts|tsx|mts|mjs)$/.test(entry.name) ? [relative] : [];
  });
}

/** "zod" → zod, "firebase-admin/app" → firebase-admin, "@sendgrid/mail" → @sendgrid/mail; null for our own files. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith(".") || specifier.startsWith("@/") || specifier.startsWith("node:")) return null;
  const name = specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
  return builtinModules.includes(name) ? null : name;
}

describe("package.json", () => {
  it("declares every package the code imports", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);
    const undeclared: string[] = [];
    for (const file of [...SOURCE_DIRS.flatMap(sourceFiles), ...ROOT_FILES]) {
      const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), "utf8"), true, true);
      for (const { fileName } of importedFiles) {
        const name = packageOf(fileName);
        if (name && !declared.has(name)) undeclared.push(`${file}: ${fileName}`);
      }
    }
    expect(undeclared).toEqual([]);
  });
});
