/**
 * `npm test`: every check, offline, in one command. Typecheck, lint and unit tests first (cheap, no
 * processes); then a production build and the checks of its client bundle; then one set of emulators on the
 * test ports serves the integration tests, the Playwright tests and the fault suite. Ends with one
 * "N passed, N failed" line.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib/local-stack";
import { testEnv } from "./lib/test-env";
import { startTestStack, type TestStack } from "./with-emulators";

interface StepResult {
  name: string;
  ok: boolean;
  passed: number;
  failed: number;
  seconds: number;
}

const bin = (name: string) => path.join(ROOT, "node_modules/.bin", name);

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ ok: boolean; seconds: number }> {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: "inherit" });
    child.once("exit", (code) => resolve({ ok: code === 0, seconds: (Date.now() - started) / 1000 }));
    child.once("error", () => resolve({ ok: false, seconds: (Date.now() - started) / 1000 }));
  });
}

function vitestCounts(file: string): { passed: number; failed: number } {
  if (!existsSync(file)) return { passed: 0, failed: 0 };
  const report = JSON.parse(readFileSync(file, "utf8")) as { numPassedTests: number; numFailedTests: number };
  return { passed: report.numPassedTests, failed: report.numFailedTests };
}

function playwrightCounts(file: string): { passed: number; failed: number } {
  if (!existsSync(file)) return { passed: 0, failed: 0 };
  const report = JSON.parse(readFileSync(file, "utf8")) as { stats: { expected: number; unexpected: number; flaky: number } };
  return { passed: report.stats.expected + report.stats.flaky, failed: report.stats.unexpected };
}

/** What each fault scenario observed (emails, duplicates under the same key, …), one line each. */
function printJsonLines(title: string, file: string) {
  if (!existsSync(file)) return;
  console.log(`\n${title}`);
  for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) console.log(`  ${line}`);
}

function printFaultObservations(file: string) {
  if (!existsSync(file)) return;
  console.log("\nFault scenarios observed:");
  for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) {
    const { scenario, ...observed } = JSON.parse(line) as { scenario: string };
    console.log(`  ${scenario}: ${JSON.stringify(observed)}`);
  }
}

async function main() {
  const started = Date.now();
  const env = { ...process.env, METADATA_SERVER_DETECTION: "none", NEXT_TELEMETRY_DISABLED: "1" };
  const results: StepResult[] = [];
  const resultsDir = path.join(ROOT, "test-results");
  rmSync(resultsDir, { recursive: true, force: true });

  const check = async (name: string, command: string, args: string[]) => {
    const r = await run(name, command, args, env);
    results.push({ name, ok: r.ok, passed: r.ok ? 1 : 0, failed: r.ok ? 0 : 1, seconds: r.seconds });
  };
  await check("typecheck", bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]);
  await check("lint", bin("eslint"), ["--max-warnings=0", "."]);

  const unitJson = path.join(resultsDir, "unit.json");
  const unit = await run("unit tests", bin("vitest"), ["run", "--project", "unit", "--reporter=default", "--reporter=json", `--outputFile.json=${unitJson}`], env);
  results.push({ name: "unit tests", ok: unit.ok, ...vitestCounts(unitJson), seconds: unit.seconds });

  // Built with the test stack's secrets in the environment, so the bundle check below would see any that leaked.
  const build = await run("next build", bin("next"), ["build"], { ...testEnv(), ...env });
  results.push({ name: "next build", ok: build.ok, passed: build.ok ? 1 : 0, failed: build.ok ? 0 : 1, seconds: build.seconds });
  if (build.ok) {
    const buildJson = path.join(resultsDir, "build.json");
    const checked = await run("build checks (client bundle)", bin("vitest"), ["run", "--project", "build", "--reporter=default", "--reporter=json", `--outputFile.json=${buildJson}`], env);
    results.push({ name: "build checks", ok: checked.ok, ...vitestCounts(buildJson), seconds: checked.seconds });
  }

  let stack: TestStack | null = null;
  try {
    console.log("\n▶ starting emulators, mail catcher, app and worker on the test ports");
    stack = await startTestStack({ app: build.ok });
    const integrationJson = path.join(resultsDir, "integration.json");
    const integration = await run(
      "integration tests",
      bin("vitest"),
      ["run", "--project", "integration", "--reporter=default", "--reporter=json", `--outputFile.json=${integrationJson}`],
      stack.env,
    );
    results.push({ name: "integration tests", ok: integration.ok, ...vitestCounts(integrationJson), seconds: integration.seconds });
    printJsonLines("Interleavings explored (lib/services/drain/interleavings.integration.test.ts):", path.join(resultsDir, "interleavings.json"));

    if (build.ok) {
      const e2e = await run("end-to-end tests (Chromium)", bin("playwright"), ["test"], stack.env);
      results.push({ name: "end-to-end tests", ok: e2e.ok, ...playwrightCounts(path.join(resultsDir, "e2e.json")), seconds: e2e.seconds });

      // After the browser tests: the outside-in scenarios use the same app and project.
      const faultsJson = path.join(resultsDir, "faults.json");
      const faults = await run(
        "fault suite",
        bin("vitest"),
        ["run", "--project", "faults", "--reporter=default", "--reporter=json", `--outputFile.json=${faultsJson}`],
        stack.env,
      );
      results.push({ name: "fault suite", ok: faults.ok, ...vitestCounts(faultsJson), seconds: faults.seconds });
      printFaultObservations(path.join(resultsDir, "faults.jsonl"));
    }
  } catch (error) {
    console.error(`\nCould not start the test stack: ${(error as Error).message}`);
    results.push({ name: "test stack", ok: false, passed: 0, failed: 1, seconds: 0 });
  } finally {
    await stack?.stop();
  }

  console.log("\nSummary");
  for (const r of results) {
    console.log(`  ${r.ok ? "✓" : "✗"} ${r.name.padEnd(22)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed  ${r.seconds.toFixed(1)} s`);
  }
  const passed = results.reduce((s, r) => s + r.passed, 0);
  const failed = results.reduce((s, r) => s + r.failed, 0);
  const ok = results.every((r) => r.ok);
  console.log(`  total wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(ok && failed === 0 ? 0 : 1);
}

void main();
