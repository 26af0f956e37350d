import { defineConfig } from "vitest/config";

/**
 * The tests whose subject is what Redis holds and who may touch it: they run twice, on the machine's
 * Redis and on a Redis Cluster of three masters started for the run (test/support/cluster.ts).
 */
const ON_BOTH_REDIS = [
  "test/records.contract.test.ts",
  "test/responses.contract.test.ts",
  "test/keyvalue.contract.test.ts",
  "test/chatmemory.contract.test.ts",
  "test/limits.contract.test.ts",
  "test/jobs.contract.test.ts",
  "test/case-stores.contract.test.ts",
  "test/anonymity.test.ts",
  "test/whatsapp.lease.test.ts",
  "test/replicas.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files share one Redis (each under its own key prefix); a little parallelism is enough on 2 cores.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "redis", include: ["test/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "cluster", include: ON_BOTH_REDIS, globalSetup: ["test/support/cluster.ts"] },
      },
    ],
  },
});
