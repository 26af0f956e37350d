import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { StoreUnavailableError } from "../records.js";

/** How long a Redis call may take before it counts as failed. */
export const COMMAND_TIMEOUT_MS = 3000;

/** One Redis server, or a Redis Cluster: every store works on either (keys used together share a hash tag). */
export type RedisClient = Redis | Cluster;

/** A node of a Redis Cluster to start from; the client learns the others from it. */
export interface ClusterNode {
  host: string;
  port: number;
}

/**
 * Where the data is: one Redis by URL, or a Redis Cluster by some of its nodes (with the
 * credentials and TLS every node shares).
 */
export type RedisLocation =
  | { url: string }
  | { cluster: ClusterNode[]; username?: string; password?: string; tls?: boolean };

/** Client settings that turn an unreachable Redis into a quick error instead of a hung message. */
export const REDIS_CLIENT_OPTIONS = {
  maxRetriesPerRequest: 1,
  commandTimeout: COMMAND_TIMEOUT_MS,
  enableAutoPipelining: true,
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
} satisfies RedisOptions;

/** What a connection may change from REDIS_CLIENT_OPTIONS (BullMQ's workers wait without a limit). */
export type ClientTuning = Pick<RedisOptions, "maxRetriesPerRequest" | "commandTimeout" | "enableAutoPipelining">;

/**
 * A connection for the stores of a process. Without an error listener ioredis prints every
 * reconnection failure; `report` decides what reaches the log. A string is a Redis URL.
 */
export function openRedis(
  location: RedisLocation | string,
  report: (message: string) => void = () => {},
  tuning: ClientTuning = {},
): RedisClient {
  const where = typeof location === "string" ? { url: location } : location;
  const options = { ...REDIS_CLIENT_OPTIONS, ...tuning };
  const redis = "url" in where ? new Redis(where.url, options) : openCluster(where, options);
  redis.on("error", (error: Error) => report(error.message));
  return redis;
}

function openCluster(
  { cluster, username, password, tls }: Extract<RedisLocation, { cluster: ClusterNode[] }>,
  { enableAutoPipelining, retryStrategy, ...perNode }: RedisOptions,
): Cluster {
  const options: ClusterOptions = {
    ...(enableAutoPipelining !== undefined ? { enableAutoPipelining } : {}),
    ...(retryStrategy ? { clusterRetryStrategy: (attempt: number) => retryStrategy(attempt) } : {}),
    redisOptions: {
      ...perNode,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(tls ? { tls: {} } : {}),
    },
  };
  return new Cluster(cluster, options);
}

/** Redis expiries in whole milliseconds, at least one. */
export function milliseconds(seconds: number): number {
  return Math.max(1, Math.round(seconds * 1000));
}

/** Runs a Redis command; any failure becomes StoreUnavailableError, which the engine answers kindly. */
export async function call<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await inTime(command());
  } catch (error) {
    throw new StoreUnavailableError(`Redis did not answer: ${(error as Error).message}`);
  }
}

/**
 * A Redis command, failed once COMMAND_TIMEOUT_MS went by since it was asked for. ioredis's own
 * timeout starts only when the command is written, and with auto-pipelining a command is written
 * once the pipeline before it is answered: behind a stalled one it would wait twice as long, and
 * the calls of one message would add up to far more than a person waits for an answer. What was
 * asked for may still run later, as after any timeout: a failure here means "not known to be done".
 */
export async function inTime<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("Command timed out")), COMMAND_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A second connection to the same place with the same settings (a subscriber needs one of its own). */
export function duplicateRedis(redis: RedisClient): RedisClient {
  // Two branches that read alike: TypeScript cannot call `duplicate` on the union, whose signatures differ.
  return redis instanceof Cluster ? redis.duplicate() : redis.duplicate();
}

export async function closeRedis(redis: RedisClient): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}
