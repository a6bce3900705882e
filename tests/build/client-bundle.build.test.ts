import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { TEST_SECRETS, testEnv } from "@/scripts/lib/test-env";

/**
 * What the browser downloads (.next/static, built by `npm test` with the test environment's secrets set) holds
 * no configured secret and no server-only code. Server-only code is recognised by its own string literals: every
 * literal of lib/server, lib/services, lib/adapters and lib/config that no browser-side source shares, and that
 * the server build really contains, is a marker; so is the name of every server-only package.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const DIST = path.join(ROOT, process.env.HERALD_NEXT_DIST_DIR ?? ".next");

const SERVER_DIRS = ["lib/server", "lib/services", "lib/adapters", "lib/config"];
/** Sources that may end up in the browser: a server marker must not appear in any of them. */
const BROWSER_SIDE = ["app", "components", "lib/domain", "lib/client", "lib/ports", "lib/log", "instrumentation-client.ts"];
const SERVER_PACKAGES = ["firebase-admin", "@google-cloud/firestore", "google-auth-library", "nodemailer", "@sendgrid/mail", "smtp-server"];
const NODE_BUILTINS = /["'](node:)?(fs|net|tls|child_process|crypto)["']/;

/** Files under a directory (or the file itself) that pass `test`; nothing when the path does not exist. */
function files(dir: string, test: (file: string) => boolean): string[] {
  const full = path.join(ROOT, dir);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return test(full) ? [full] : [];
  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter(test);
}

const isSource = (f: string) => /\.(ts|tsx)$/.test(f) && !/\.test\.ts$/.test(f);

function stringLiterals(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && !ts.isImportDeclaration(node.parent)) out.push(node.text);
    node.forEachChild(visit);
  };
  visit(source);
  return out;
}

function readAll(dir: string, test: (file: string) => boolean): string {
  return files(path.relative(ROOT, dir), test)
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
}

const clientBundle = readAll(path.join(DIST, "static"), (f) => /\.(js|css|json|txt|html)$/.test(f));
const serverBundle = readAll(path.join(DIST, "server"), (f) => f.endsWith(".js"));

function serverMarkers(): string[] {
  const browserSide = BROWSER_SIDE.flatMap((d) => files(d, isSource)).map((f) => readFileSync(f, "utf8")).join("\n");
  const literals = new Set(SERVER_DIRS.flatMap((d) => files(d, isSource)).flatMap(stringLiterals));
  // Distinctive (a message or an operation name, not "id" or "utf8"), the server's own, and really built.
  return [...literals].filter((s) => s.length >= 12 && /[ .:]/.test(s) && !browserSide.includes(s) && serverBundle.includes(JSON.stringify(s).slice(1, -1)));
}

describe("the client bundle", () => {
  it("was built", () => {
    expect(clientBundle.length, `nothing under ${DIST}/static: run \`npm run build\` first`).toBeGreaterThan(100_000);
  });

  it("holds no configured secret", () => {
    const env = testEnv();
    const secrets = new Set([
      ...Object.values(TEST_SECRETS),
      ...Object.entries(env)
        .filter(([name, value]) => /SECRET|CREDENTIALS|PASSWORD|PRIVATE/.test(name) && value)
        .map(([, value]) => value!),
    ]);
    expect(secrets.size).toBeGreaterThanOrEqual(3);
    for (const secret of secrets) expect(clientBundle.includes(secret), `a configured secret is in ${DIST}/static`).toBe(false);
  });

  it("holds no server-only package or Node built-in", () => {
    for (const name of SERVER_PACKAGES) expect(clientBundle.includes(name), name).toBe(false);
    expect(clientBundle).not.toMatch(NODE_BUILTINS);
  });

  it("holds no code from lib/server, lib/services, lib/adapters or lib/config", () => {
    const markers = serverMarkers();
    // Enough markers to mean something: every server module contributes messages and operation names.
    expect(markers.length).toBeGreaterThan(50);
    console.log(`client bundle checked against ${markers.length} server-only markers`);
    const leaked = markers.filter((m) => clientBundle.includes(m));
    expect(leaked).toEqual([]);
  });
});
