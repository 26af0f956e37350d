/**
 * Global setup of the `cluster` test project: a Redis Cluster of three masters on this machine
 * (scripts/local-cluster.ts), whose nodes the tests read with `inject("redisCluster")`.
 */
import type { TestProject } from "vitest/node";
import { startLocalCluster } from "../../scripts/local-cluster.js";

export default async function startCluster(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startLocalCluster();
  project.provide("redisCluster", cluster.nodes);
  return cluster.stop;
}
