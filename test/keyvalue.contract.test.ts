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

  it("forgets a key after its time, and a key set again lives its new time", async () => {
    await store.set("short", "1", 0.3);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await store.get("short")).toBeUndefined();
    await store.set("short", "2", 60);
    expect(await store.get("short")).toBe("2");
  });

  it("deletes a key", async () => {
    await store.set("gone", "1", 60);
    await store.delete("gone");
    expect(await store.get("gone")).toBeUndefined();
  });
});
