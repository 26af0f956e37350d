import { afterAll, describe, expect, it } from "vitest";
import type { KeyValueStore } from "../src/core/store/keyvalue.js";
import { MemoryKeyValueStore } from "../src/core/store/memory/keyvalue.js";
import { closeRedis, openRedis } from "../src/core/store/redis/client.js";
import { RedisKeyValueStore } from "../src/core/store/redis/keyvalue.js";
import { dropPrefix, testPrefix } from "./support/puente.js";
import { TEST_REDIS } from "./support/redis.js";

/** One contract, both backends: what channels rely on from the key-value store. */
const prefix = testPrefix("keyvalue");
const redis = openRedis(TEST_REDIS);
const memory = new MemoryKeyValueStore();
afterAll(async () => {
  memory.close();
  await closeRedis(redis);
  await dropPrefix(prefix);
});

describe.each<[string, KeyValueStore]>([
  ["memory", memory],
  ["redis", new RedisKeyValueStore(redis, prefix)],
])("key-value store contract: %s", (_, store) => {
  it("has nothing for a key never set, and gives back what was set", async () => {
    expect(await store.get("never")).toBeUndefined();
    await store.set("k", "Kreyòl 😊", 60);
    expect(await store.get("k")).toBe("Kreyòl 😊");
  });

  it("lets exactly one of many claims at once win, and none after", async () => {
    const claims = await Promise.all(Array.from({ length: 20 }, () => store.claim("update-1", 60)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.claim("update-1", 60)).toBe(false);
  });

  it("forgets a key after its time, so it can be claimed again", async () => {
    expect(await store.claim("short", 0.3)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await store.get("short")).toBeUndefined();
    expect(await store.claim("short", 60)).toBe(true);
  });

  it("deletes a key, so a claim given back can be made again", async () => {
    expect(await store.claim("given-back", 60)).toBe(true);
    await store.delete("given-back");
    expect(await store.get("given-back")).toBeUndefined();
    expect(await store.claim("given-back", 60)).toBe(true);
  });
});
