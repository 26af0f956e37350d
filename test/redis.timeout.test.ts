import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../src/core/store/records.js";
import { COMMAND_TIMEOUT_MS, call, openRedis, type RedisClient } from "../src/core/store/redis/client.js";
import { RedisRateLimiter } from "../src/core/store/redis/limits.js";
import { dropPrefix, REDIS_URL, testPrefix } from "./support/puente.js";
import { RedisProxy } from "./support/redis-proxy.js";

/**
 * A Redis call fails within the command timeout of its own start. ioredis times a command from the
 * moment it is written, and with auto-pipelining a command is written once the pipeline before it
 * is answered: behind a stalled one it took twice the timeout, and a message's calls added up to
 * 15 s and more before the person heard "try again" (found by test/redis.faults.test.ts).
 */
describe("a Redis call behind a stalled one", () => {
  const proxy = new RedisProxy(REDIS_URL);
  const prefix = testPrefix("redis-timeout");
  let redis: RedisClient;
  /** Well under twice the timeout, which is what a call behind a stalled one took. */
  const bound = COMMAND_TIMEOUT_MS + 1_500;

  beforeAll(async () => {
    await proxy.start();
    redis = openRedis(proxy.url);
    await redis.ping();
  });

  afterAll(async () => {
    proxy.set({ kind: "pass" });
    redis.disconnect();
    await proxy.close();
    await dropPrefix(prefix);
  });

  /** Starts a call that stalls, then `second` once the first went out in a pipeline of its own. */
  async function behindStalled(second: () => Promise<unknown>): Promise<{ error: unknown; took: number }> {
    proxy.set({ kind: "stall" });
    const first = call(() => redis.get(`${prefix}:first`)).catch(() => undefined);
    await sleep(100);
    const started = performance.now();
    const error = await second().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    const took = performance.now() - started;
    await first;
    proxy.set({ kind: "pass" });
    return { error, took };
  }

  it("fails a store call within the command timeout", async () => {
    const { error, took } = await behindStalled(() => call(() => redis.get(`${prefix}:second`)));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(took).toBeLessThan(bound);
  });

  it("fails a rate limit's count within the command timeout", async () => {
    const limiter = new RedisRateLimiter(redis, prefix, "test", { points: 10, seconds: 60 });
    const { error, took } = await behindStalled(() => limiter.take("someone"));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(took).toBeLessThan(bound);
  });
});
