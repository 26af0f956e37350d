import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { RateLimit, RateLimiter } from "../limits.js";
import { StoreUnavailableError } from "../records.js";
import type { RedisClient } from "./client.js";
import { inTime } from "./client.js";

/**
 * Counts in Redis under `<prefix>:rl:<name>:<key>` (rate-limiter-flexible's Redis limiter: one
 * atomic step per count), so every replica enforces the same limit.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #limiter: RateLimiterRedis;

  constructor(redis: RedisClient, prefix: string, name: string, { points, seconds }: RateLimit) {
    this.#limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:rl:${name}`,
      points,
      duration: seconds,
    });
  }

  async take(key: string): Promise<number> {
    try {
      await inTime(this.#limiter.consume(key));
      return 0;
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) return Math.max(1, refusal.msBeforeNext);
      throw new StoreUnavailableError(`Redis did not answer: ${(refusal as Error).message}`);
    }
  }
}
