import { Redis, type RedisOptions } from "ioredis";
import { StoreUnavailableError } from "../records.js";

/** Client settings that turn an unreachable Redis into a quick error instead of a hung message. */
export const REDIS_CLIENT_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: 1,
  commandTimeout: 3000,
  enableAutoPipelining: true,
  retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
};

/**
 * One connection for all the stores of a process. Without an error listener ioredis prints every
 * reconnection failure; `report` decides what reaches the log.
 */
export function openRedis(url: string, report: (message: string) => void = () => {}): Redis {
  const redis = new Redis(url, REDIS_CLIENT_OPTIONS);
  redis.on("error", (error: Error) => report(error.message));
  return redis;
}

/** Runs a Redis command; any failure becomes StoreUnavailableError, which the engine answers kindly. */
export async function call<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    throw new StoreUnavailableError(`Redis did not answer: ${(error as Error).message}`);
  }
}

export async function closeRedis(redis: Redis): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}
