import { afterAll, describe, expect, it } from "vitest";
import { MemoryRecordStore } from "../src/core/store/memory/records.js";
import { type RecordStore, StoreUnavailableError } from "../src/core/store/records.js";
import { RedisRecordStore } from "../src/core/store/redis/records.js";
import { dropPrefix, testPrefix } from "./support/puente.js";
import { adminRedis, keysMatching, TEST_REDIS } from "./support/redis.js";

/** One contract, every backend: what the engine and the cases rely on from a record store. */
const backends: Array<[string, () => { store: RecordStore; prefix: string | undefined }]> = [
  ["memory", () => ({ store: new MemoryRecordStore(), prefix: undefined })],
  [
    "redis",
    () => {
      const prefix = testPrefix("records");
      return { store: RedisRecordStore.connect(TEST_REDIS, prefix, "s"), prefix };
    },
  ],
];

const opened: Array<{ store: RecordStore; prefix: string | undefined }> = [];
afterAll(async () => {
  for (const { store, prefix } of opened) {
    await store.close();
    if (prefix) await dropPrefix(prefix);
  }
});

const set = (value: string | null, effects?: string, ttlSeconds = 60) => ({
  value,
  ttlSeconds,
  ...(effects ? { effects } : {}),
});

describe.each(backends)("record store contract: %s", (_, open) => {
  const backend = open();
  opened.push(backend);
  const { store } = backend;

  it("has nothing for a key never written", async () => {
    expect(await store.read("nobody")).toBeUndefined();
  });

  it("writes at revision 0, then only at the revision it read", async () => {
    expect(await store.write("a", set("one"), 0)).toBe(true);
    expect(await store.read("a")).toEqual({ revision: 1, value: "one", outbox: [] });
    expect(await store.write("a", set("stale"), 0)).toBe(false);
    expect(await store.write("a", set("two"), 1)).toBe(true);
    expect(await store.read("a")).toEqual({ revision: 2, value: "two", outbox: [] });
  });

  it("lets exactly one of two concurrent writers at one revision win", async () => {
    await store.write("race", set("start"), 0);
    const results = await Promise.all([store.write("race", set("x"), 1), store.write("race", set("y"), 1)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const after = await store.read("race");
    expect(after?.revision).toBe(2);
    expect(["x", "y"]).toContain(after?.value);
  });

  it("deletes with a null value, after which the key starts over at revision 0", async () => {
    await store.write("gone", set("v"), 0);
    expect(await store.write("gone", set(null), 1)).toBe(true);
    expect(await store.read("gone")).toBeUndefined();
    expect(await store.write("gone", set("again"), 0)).toBe(true);
  });

  it("keeps a change's effects with it until they are settled, oldest first", async () => {
    await store.write("fx", set("v1", '["first"]'), 0);
    await store.write("fx", set("v2", '["second"]'), 1);
    expect(await store.read("fx")).toEqual({
      revision: 2,
      value: "v2",
      outbox: [
        { revision: 1, effects: '["first"]' },
        { revision: 2, effects: '["second"]' },
      ],
    });
    await store.settle("fx", 1);
    expect((await store.read("fx"))?.outbox).toEqual([{ revision: 2, effects: '["second"]' }]);
    await store.settle("fx", 2);
    expect((await store.read("fx"))?.outbox).toEqual([]);
  });

  it("keeps the effects of a deletion until they are settled, then forgets the record", async () => {
    await store.write("bye", set("v"), 0);
    await store.write("bye", set(null, '["forget"]'), 1);
    expect(await store.read("bye")).toEqual({
      revision: 2,
      value: undefined,
      outbox: [{ revision: 2, effects: '["forget"]' }],
    });
    await store.settle("bye", 2);
    expect(await store.read("bye")).toBeUndefined();
  });

  it("lists records written with effects for recovery, and releases them only when unchanged", async () => {
    await store.write("crashed", set("v", '["e"]'), 0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const [entry] = (await store.unsettled(10, 100)).filter((e) => e.key === "crashed");
    expect(entry).toBeDefined();
    if (!entry) return;
    expect(await store.unsettled(60_000, 100)).not.toContainEqual(entry);
    // Written with effects again since: the mark is newer, release leaves it.
    await store.write("crashed", set("v2", '["f"]'), 1);
    await store.release(entry);
    expect((await store.unsettled(0, 100)).map((e) => e.key)).toContain("crashed");
    const [newer] = (await store.unsettled(0, 100)).filter((e) => e.key === "crashed");
    if (newer) await store.release(newer);
    expect((await store.unsettled(0, 100)).map((e) => e.key)).not.toContain("crashed");
  });

  it("keeps values byte for byte (accents, emoji, 4,096 characters)", async () => {
    const value = JSON.stringify({ text: "Kreyòl àéíóú ñ 😊".repeat(256) });
    await store.write("utf8", set(value), 0);
    expect((await store.read("utf8"))?.value).toBe(value);
  });

  it("forgets a record after its idle time, and keeps one with no time for good", async () => {
    await store.write("idle", set("v", undefined, 0.3), 0);
    await store.write("kept", set("v", undefined, 0), 0);
    expect(await store.read("idle")).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await store.read("idle")).toBeUndefined();
    expect((await store.read("kept"))?.value).toBe("v");
  });

  it("renews the idle time on every write", async () => {
    await store.write("busy", set("v1", undefined, 0.4), 0);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await store.write("busy", set("v2", undefined, 0.4), 1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await store.read("busy"))?.value).toBe("v2");
  });
});

describe("redis record store", () => {
  it("puts every key under its prefix and namespace", async () => {
    const prefix = testPrefix("keys");
    const store = RedisRecordStore.connect(TEST_REDIS, prefix, "s");
    await store.write("k", set("v"), 0);
    await store.write("j", set("v", '["e"]'), 0);
    const redis = adminRedis();
    expect((await keysMatching(redis, `${prefix}:*`)).sort()).toEqual([
      `${prefix}:s-outbox`,
      `${prefix}:s:j`,
      `${prefix}:s:k`,
    ]);
    await redis.quit();
    await store.close();
    await dropPrefix(prefix);
  });

  it("keeps a settled record as one string, small, and one with effects pending as a hash until they are settled", async () => {
    const prefix = testPrefix("shape");
    const store = RedisRecordStore.connect(TEST_REDIS, prefix, "s");
    const redis = adminRedis();
    const key = `${prefix}:s:session`;
    // A session half-way through a long survey: over the 64 bytes a listpack hash allows by default.
    const session = JSON.stringify({
      lng: "es",
      answers: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`q${i}`, "often"])),
    });
    await store.write("session", set(session, undefined, 3600), 0);
    expect(await redis.type(key)).toBe("string");
    const usage = Number(await redis.memory("USAGE", key, "SAMPLES", 0));
    // Its name and value and about a hundred bytes more (a cluster adds a few); as a hash, about 250 more.
    expect(usage - session.length - key.length).toBeLessThan(150);
    await store.write("session", set(session, '["effect"]', 3600), 1);
    expect(await redis.type(key)).toBe("hash");
    expect(await store.read("session")).toEqual({
      revision: 2,
      value: session,
      outbox: [{ revision: 2, effects: '["effect"]' }],
    });
    await store.settle("session", 2);
    expect(await redis.type(key)).toBe("string");
    expect(await store.read("session")).toEqual({ revision: 2, value: session, outbox: [] });
    // Settling keeps the record's expiry.
    expect(await redis.pttl(key)).toBeGreaterThan(3_500_000);
    await redis.quit();
    await store.close();
    await dropPrefix(prefix);
  });

  it("reads a record an earlier version kept as a hash, and writes it on at its revision", async () => {
    const prefix = testPrefix("earlier");
    const store = RedisRecordStore.connect(TEST_REDIS, prefix, "s");
    const redis = adminRedis();
    await redis.hset(`${prefix}:s:old`, "r", "7", "v", '{"lng":"ht"}');
    await redis.hset(`${prefix}:s:old-fx`, "r", "3", "v", "three", "o:3", '["left"]');
    expect(await store.read("old")).toEqual({ revision: 7, value: '{"lng":"ht"}', outbox: [] });
    expect(await store.write("old", set("stale"), 6)).toBe(false);
    expect(await store.write("old", set("eight"), 7)).toBe(true);
    expect(await store.read("old")).toEqual({ revision: 8, value: "eight", outbox: [] });
    expect(await redis.type(`${prefix}:s:old`)).toBe("string");
    expect(await store.read("old-fx")).toEqual({
      revision: 3,
      value: "three",
      outbox: [{ revision: 3, effects: '["left"]' }],
    });
    expect(await store.write("old-fx", set("four"), 3)).toBe(true);
    expect(await store.read("old-fx")).toEqual({
      revision: 4,
      value: "four",
      outbox: [{ revision: 3, effects: '["left"]' }],
    });
    await store.settle("old-fx", 3);
    expect(await store.read("old-fx")).toEqual({ revision: 4, value: "four", outbox: [] });
    await redis.quit();
    await store.close();
    await dropPrefix(prefix);
  });

  it("keeps namespaces apart on one prefix", async () => {
    const prefix = testPrefix("namespaces");
    const sessions = RedisRecordStore.connect(TEST_REDIS, prefix, "s");
    const cases = RedisRecordStore.connect(TEST_REDIS, prefix, "c");
    await sessions.write("shared", set("mine"), 0);
    expect(await cases.read("shared")).toBeUndefined();
    await sessions.close();
    await cases.close();
    await dropPrefix(prefix);
  });

  it("turns an unreachable Redis into StoreUnavailableError, quickly", async () => {
    const store = RedisRecordStore.connect("redis://127.0.0.1:1", testPrefix("down"), "s");
    const started = Date.now();
    await expect(store.read("k")).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.write("k", set("v"), 0)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(15_000);
    await store.close();
  });
});
