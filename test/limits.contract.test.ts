import { afterAll, describe, expect, it } from "vitest";
import type { RateLimit, RateLimiter } from "../src/core/store/limits.js";
import { MemoryRateLimiter } from "../src/core/store/memory/limits.js";
import { StoreUnavailableError } from "../src/core/store/records.js";
import { closeRedis, openRedis } from "../src/core/store/redis/client.js";
import { RedisRateLimiter } from "../src/core/store/redis/limits.js";
import { dropPrefix, testPrefix } from "./support/puente.js";
import { TEST_REDIS } from "./support/redis.js";

/** One contract, both backends: what the web chat relies on from a rate limiter. */
const prefix = testPrefix("limits");
const redis = openRedis(TEST_REDIS);
afterAll(async () => {
  await closeRedis(redis);
  await dropPrefix(prefix);
});

describe.each<[string, (name: string, limit: RateLimit) => RateLimiter]>([
  ["memory", (name, limit) => new MemoryRateLimiter(name, limit)],
  ["redis", (name, limit) => new RedisRateLimiter(redis, prefix, name, limit)],
])("rate limiter contract: %s", (_, limiter) => {
  it("allows as many as the limit at once, refuses the rest with the wait until the window ends", async () => {
    const chats = limiter("burst", { points: 5, seconds: 60 });
    const waits = await Promise.all(Array.from({ length: 12 }, () => chats.take("client-a")));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(5);
    for (const wait of waits.filter((w) => w > 0)) expect(wait).toBeLessThanOrEqual(60_000);
  });

  it("counts each key apart, and each limiter apart", async () => {
    const one = limiter("apart-1", { points: 1, seconds: 60 });
    const two = limiter("apart-2", { points: 1, seconds: 60 });
    expect(await one.take("a")).toBe(0);
    expect(await one.take("b")).toBe(0);
    expect(await two.take("a")).toBe(0);
    expect(await one.take("a")).toBeGreaterThan(0);
  });

  it("allows again once the window is over", async () => {
    const short = limiter("short", { points: 1, seconds: 1 });
    expect(await short.take("a")).toBe(0);
    const wait = await short.take("a");
    expect(wait).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, wait + 100));
    expect(await short.take("a")).toBe(0);
  });
});

describe("rate limiter on Redis, when Redis is away", () => {
  it("says so as StoreUnavailableError, quickly", async () => {
    const down = openRedis("redis://127.0.0.1:1");
    try {
      const limiter = new RedisRateLimiter(down, prefix, "down", { points: 1, seconds: 60 });
      await expect(limiter.take("a")).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      down.disconnect();
    }
  });
});
