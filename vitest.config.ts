import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files share one Redis (each under its own key prefix); a little parallelism is enough on 2 cores.
    maxWorkers: 2,
  },
});
