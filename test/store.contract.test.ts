import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { MemorySessionStore } from "../src/core/store/memory/sessions.js";
import { RedisSessionStore } from "../src/core/store/redis/sessions.js";
import { type SessionStore, StoreUnavailableError } from "../src/core/store/sessions.js";
import { dropPrefix, REDIS_URL, testPrefix } from "./support/puente.js";

/** One contract, every backend: what the engine relies on from a session store. */
const backends: Array<[string, () => { store: SessionStore; prefix: string }]> = [
  ["memory", () => ({ store: new MemorySessionStore("mem"), prefix: "mem" })],
  [
    "redis",
    () => {
      const prefix = testPrefix("store");
      return { store: RedisSessionStore.connect(REDIS_URL, prefix), prefix };
    },
  ],
];

const opened: Array<{ store: SessionStore; prefix: string }> = [];
afterAll(async () => {
  for (const { store, prefix } of opened) {
    await store.close();
    if (prefix !== "mem") await dropPrefix(prefix);
  }
});

describe.each(backends)("session store contract: %s", (_, open) => {
  const backend = open();
  opened.push(backend);
  const { store } = backend;

  it("has nothing for a key never written", async () => {
    expect(await store.read("nobody")).toBeUndefined();
  });

  it("writes at revision 0, then only at the revision it read", async () => {
    expect(await store.write("a", "one", 0, 60)).toBe(true);
    expect(await store.read("a")).toEqual({ revision: 1, value: "one" });
    expect(await store.write("a", "stale", 0, 60)).toBe(false);
    expect(await store.write("a", "two", 1, 60)).toBe(true);
    expect(await store.read("a")).toEqual({ revision: 2, value: "two" });
  });

  it("lets exactly one of two concurrent writers at one revision win", async () => {
    await store.write("race", "start", 0, 60);
    const results = await Promise.all([store.write("race", "x", 1, 60), store.write("race", "y", 1, 60)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const after = await store.read("race");
    expect(after?.revision).toBe(2);
    expect(["x", "y"]).toContain(after?.value);
  });

  it("deletes, after which the key starts over at revision 0", async () => {
    await store.write("gone", "v", 0, 60);
    await store.delete("gone");
    expect(await store.read("gone")).toBeUndefined();
    expect(await store.write("gone", "again", 0, 60)).toBe(true);
  });

  it("keeps values byte for byte (accents, emoji, 4,096 characters)", async () => {
    const value = JSON.stringify({ text: "Kreyòl àéíóú ñ 😊".repeat(256) });
    await store.write("utf8", value, 0, 60);
    expect((await store.read("utf8"))?.value).toBe(value);
  });

  it("forgets a session after its idle time", async () => {
    await store.write("idle", "v", 0, 0.3);
    expect(await store.read("idle")).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await store.read("idle")).toBeUndefined();
  });

  it("renews the idle time on every write", async () => {
    await store.write("busy", "v1", 0, 0.4);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await store.write("busy", "v2", 1, 0.4);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await store.read("busy"))?.value).toBe("v2");
  });

  it("keeps keys apart by prefix", async () => {
    const other =
      backend.prefix === "mem"
        ? new MemorySessionStore("other")
        : RedisSessionStore.connect(REDIS_URL, testPrefix("other"));
    await store.write("shared", "mine", 0, 60);
    expect(await other.read("shared")).toBeUndefined();
    await other.close();
  });
});

describe("redis session store", () => {
  it("puts every key under its prefix", async () => {
    const prefix = testPrefix("keys");
    const store = RedisSessionStore.connect(REDIS_URL, prefix);
    await store.write("k", "v", 0, 60);
    const redis = new Redis(REDIS_URL);
    expect(await redis.keys(`${prefix}:*`)).toEqual([`${prefix}:s:k`]);
    await redis.quit();
    await store.close();
    await dropPrefix(prefix);
  });

  it("turns an unreachable Redis into StoreUnavailableError, quickly", async () => {
    const store = RedisSessionStore.connect("redis://127.0.0.1:1", testPrefix("down"));
    const started = Date.now();
    await expect(store.read("k")).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.write("k", "v", 0, 60)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(15_000);
    await store.close();
  });
});
