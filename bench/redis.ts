/**
 * Where the side-by-side benchmark meets Redis: every connection it makes is made here, so another
 * kind of Redis (a cluster, `--cluster host:port,…`) is one more case in `RedisTarget` and in the
 * functions below, nothing elsewhere.
 */
import { Redis } from "ioredis";
import type { ClusterNode } from "../src/core/store/redis/client.js";

/** The one Redis both bots use; with `cluster`, Puente opens its stores on that Redis Cluster instead. */
export interface RedisTarget {
  url: string;
  cluster?: ClusterNode[];
}

/**
 * A connection with the tuning that matters for throughput set as Puente sets it for its own
 * (auto-pipelining: commands issued in one tick go out as one write). No command timeout: a slow
 * bot is measured slow, not failed.
 */
export function connect(target: RedisTarget): Redis {
  return new Redis(target.url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
}

/** The environment Puente's configuration reads to open its stores on the target. */
export function puenteRedisEnv(target: RedisTarget): Record<string, string> {
  if (target.cluster)
    return { REDIS_URL: "", REDIS_CLUSTER_NODES: target.cluster.map(({ host, port }) => `${host}:${port}`).join(",") };
  return { REDIS_URL: target.url };
}

/** Deletes every key under `root` (`root:*`, and BullMQ's `{root…}` keys), and only those. Never FLUSHALL. */
export async function dropPrefix(admin: Redis, root: string): Promise<number> {
  let deleted = 0;
  for (const pattern of [`${root}:*`, `{${root}:*`]) {
    let cursor = "0";
    do {
      const [next, keys] = await admin.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      if (keys.length > 0) deleted += await admin.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  }
  return deleted;
}

/** How many keys are under `root` (as dropPrefix counts them). */
export async function countPrefix(admin: Redis, root: string): Promise<number> {
  let count = 0;
  for (const pattern of [`${root}:*`, `{${root}:*`]) {
    let cursor = "0";
    do {
      const [next, keys] = await admin.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      count += keys.length;
      cursor = next;
    } while (cursor !== "0");
  }
  return count;
}

/** MEMORY USAGE (SAMPLES 0: every element counted) of each key; 0 for a key that does not exist. */
export async function memoryUsage(admin: Redis, keys: readonly string[]): Promise<number[]> {
  return Promise.all(keys.map(async (key) => (await admin.memory("USAGE", key, "SAMPLES", 0)) ?? 0));
}

/** CPU time Redis has used so far (user + system), in ms. */
export async function redisCpuMs(admin: Redis): Promise<number> {
  const info = await admin.info("cpu");
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1000;
}

export async function redisVersion(admin: Redis): Promise<string> {
  return /redis_version:(\S+)/.exec(await admin.info("server"))?.[1] ?? "unknown";
}
