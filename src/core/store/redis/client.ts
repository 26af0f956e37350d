import { Redis, type RedisOptions } from "ioredis";
import { StoreUnavailableError } from "../records.js";

/** How long a Redis call may take before it counts as failed. */
export const COMMAND_TIMEOUT_MS = 3000;

/** Client settings that turn an unreachable Redis into a quick error instead of a hung message. */
export const REDIS_CLIENT_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: 1,
  commandTimeout: COMMAND_TIMEOUT_MS,
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

export async function closeRedis(redis: Redis): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}
