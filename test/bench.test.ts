import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/**
 * `npm run bench` as the README gives it, at the smallest size: it must keep running (it broke
 * once, unnoticed, when the flow it walks left the menu). Its figures are read by people, in
 * BENCHMARKS.md; here only that every walk finished with the replies it expected.
 */
describe("npm run bench", () => {
  it("walks the demo flow for two people on Redis, measures, and cleans up after itself", () => {
    const run = spawnSync(
      "npm",
      ["run", "--silent", "bench", "--", "--people", "2", "--rounds", "1", "--warmup", "1", "--probe", "2"],
      {
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^puente engine benchmark/m);
    expect(run.stdout).toMatch(/^at review \(11 msgs\) +MEMORY USAGE p50 \d+ B/m);
    expect(run.stdout).toMatch(/^cleanup +deleted \d+ keys under puente-bench:/m);
  }, 150_000);
});
