import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  resolve: { alias: { "@": root } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "functions/**/*.test.ts", "scripts/**/*.test.ts", "tests/deploy/**/*.test.ts", "bench/**/*.test.ts", "components/**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "**/node_modules/**"],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          // Checks of the production build itself (npm test runs them right after `next build`).
          name: "build",
          include: ["tests/build/**/*.build.test.ts"],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["**/*.integration.test.ts"],
          exclude: ["**/node_modules/**"],
          environment: "node",
          // Emulator-backed tests share one emulator process; each file uses its own project id, so files run
          // side by side. Two at once even on two cores: much of their time is the emulator's, not this process's
          // (vitest's default here would be one).
          maxWorkers: 2,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "faults",
          // Scenarios against the real emulator, real worker processes and provider stand-ins.
          include: ["tests/faults/**/*.faults.test.ts"],
          exclude: ["**/node_modules/**"],
          environment: "node",
          globalSetup: ["tests/faults/global-setup.ts"],
          // Scenarios spend most of their time waiting on worker processes, providers and timers; each uses its
          // own project id, stand-ins and workers, so two run at once (the suite was made to hold under load).
          maxWorkers: 2,
          testTimeout: 240_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
