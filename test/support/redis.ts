import { inject } from "vitest";
import {
  type ClusterNode,
  openRedis,
  type RedisClient,
  type RedisLocation,
} from "../../src/core/store/redis/client.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Set in the `cluster` project: the nodes of the Redis Cluster its global setup started. */
    redisCluster: ClusterNode[] | undefined;
  }
}

/** The Redis the machine runs (tests keep to key prefixes of their own there). */
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

const clusterNodes = providedCluster();

/** The cluster's nodes in the `cluster` project; none elsewhere, and outside vitest (`npm run fuzz` shares helpers). */
function providedCluster(): ClusterNode[] | undefined {
  try {
    return inject("redisCluster");
  } catch {
    return undefined;
  }
}

/** Where this test file's stores are: the machine's Redis, or in the `cluster` project a 3-master Redis Cluster. */
export const TEST_REDIS: RedisLocation = clusterNodes ? { cluster: clusterNodes } : { url: REDIS_URL };
export const ON_CLUSTER = clusterNodes !== undefined;

/** The environment that points a Puente started by a test at TEST_REDIS. */
export const REDIS_ENV: Record<string, string> = clusterNodes
  ? { REDIS_CLUSTER_NODES: clusterNodes.map(({ host, port }) => `${host}:${port}`).join(","), REDIS_URL: "" }
  : { REDIS_URL };

/** A client for a test to look at Redis directly (close it with `quit`). */
export function adminRedis(): RedisClient {
  return openRedis(TEST_REDIS);
}

/** Every key matching a pattern: on a cluster, from every master (KEYS is fine on a test's few keys). */
export async function keysMatching(redis: RedisClient, pattern: string): Promise<string[]> {
  if (!("nodes" in redis)) return redis.keys(pattern);
  // A new cluster client knows its masters only once it has read the slots.
  if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
  const perNode = await Promise.all(redis.nodes("master").map((node) => node.keys(pattern)));
  return perNode.flat();
}

/** Deletes keys one by one (on a cluster a DEL of several keys must stay within one slot). */
export async function deleteKeys(redis: RedisClient, keys: string[]): Promise<void> {
  await Promise.all(keys.map((key) => redis.del(key)));
}
