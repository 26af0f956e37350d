import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { RateLimit, RateLimiter } from "../limits.js";

/** Counts in this process (rate-limiter-flexible's memory limiter): one replica, or a trial. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #limiter: RateLimiterMemory;

  constructor(name: string, { points, seconds }: RateLimit) {
    this.#limiter = new RateLimiterMemory({ keyPrefix: name, points, duration: seconds });
  }

  async take(key: string): Promise<number> {
    try {
      await this.#limiter.consume(key);
      return 0;
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) return Math.max(1, refusal.msBeforeNext);
      throw refusal;
    }
  }
}
