import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: integration suites start real servers; keep the pool small.
    maxWorkers: 2,
    // The handler's structured logs would bury the test report; tests assert on results.
    env: { POWERTOOLS_LOG_LEVEL: "SILENT" },
  },
});
