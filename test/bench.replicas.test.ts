import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/**
 * `npm run bench:replicas` as BENCHMARKS.md gives it, at its smallest: a local Redis Cluster is
 * started and removed, each set-up's every reply and stored response is checked (it exits 1
 * otherwise), and its keys on the shared Redis are removed.
 */
describe("npm run bench:replicas", () => {
  it("runs one replica, two on one Redis and two on a local cluster, checks every reply, and cleans up", () => {
    const run = spawnSync("npm", ["run", "--silent", "bench:replicas", "--", "--people", "4", "--questions", "3"], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    for (const setUp of ["1 replica, one Redis", "2 replicas, one Redis", "2 replicas, Redis Cluster (3 masters)"])
      expect(run.stdout).toContain(`| ${setUp} |`);
    expect(run.stdout).toMatch(/updates per replica: .*2 replicas, one Redis (\d+)\/\1;/);
    expect(run.stdout).toMatch(
      /^cleanup +deleted \d+ keys under puente-replicas:\w+:\* on the one Redis; the local cluster stopped and removed$/m,
    );
  }, 150_000);
});
