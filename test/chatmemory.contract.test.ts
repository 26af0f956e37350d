import { afterAll, describe, expect, it } from "vitest";
import { type ChatMemory, DELIVERIES_KEPT } from "../src/core/store/chatmemory.js";
import { MemoryChatMemory } from "../src/core/store/memory/chatmemory.js";
import { RedisChatMemory } from "../src/core/store/redis/chatmemory.js";
import { closeRedis, openRedis } from "../src/core/store/redis/client.js";
import { dropPrefix, testPrefix } from "./support/puente.js";
import { adminRedis, keysMatching, TEST_REDIS } from "./support/redis.js";

/** One contract, both backends: what a channel relies on to handle each update once and recall what it showed. */
const prefix = testPrefix("chatmemory");
const redis = openRedis(TEST_REDIS);
const memory = new MemoryChatMemory();
afterAll(async () => {
  memory.close();
  await closeRedis(redis);
  await dropPrefix(prefix);
});

describe.each<[string, ChatMemory]>([
  ["memory", memory],
  ["redis", new RedisChatMemory(redis, prefix)],
])("chat memory contract: %s", (_, chats) => {
  it("lets exactly one of many takes of one delivery at once be first, and none after", async () => {
    const takes = await Promise.all(Array.from({ length: 20 }, () => chats.take("race", "1001", 60)));
    expect(takes.filter((take) => take.first)).toHaveLength(1);
    expect((await chats.take("race", "1001", 60)).first).toBe(false);
  });

  it("keeps deliveries per chat: the same id in another chat is another delivery", async () => {
    expect((await chats.take("chat-a", "7", 60)).first).toBe(true);
    expect((await chats.take("chat-b", "7", 60)).first).toBe(true);
  });

  it("reads the note with each take, and a new note keeps the deliveries", async () => {
    expect(await chats.take("noted", "1", 60)).toEqual({ first: true, note: undefined });
    await chats.note("noted", '{"m":42,"b":"consulta:age"}', 60);
    expect(await chats.read("noted")).toBe('{"m":42,"b":"consulta:age"}');
    expect(await chats.take("noted", "2", 60)).toEqual({ first: true, note: '{"m":42,"b":"consulta:age"}' });
    expect((await chats.take("noted", "1", 60)).first).toBe(false);
    await chats.note("noted", "Kreyòl 😊\nsecond line", 60);
    expect(await chats.take("noted", "2", 60)).toEqual({ first: false, note: "Kreyòl 😊\nsecond line" });
  });

  it("remembers the last DELIVERIES_KEPT deliveries and no more, so a chat's record never grows", async () => {
    for (let id = 1; id <= DELIVERIES_KEPT + 3; id++)
      expect((await chats.take("long", String(id), 60)).first).toBe(true);
    for (let id = 4; id <= DELIVERIES_KEPT + 3; id++)
      expect((await chats.take("long", String(id), 60)).first).toBe(false);
    expect((await chats.take("long", "1", 60)).first).toBe(true);
  });

  it("takes a delivery again once it was given back, and keeps the rest", async () => {
    await chats.take("failed", "10", 60);
    await chats.take("failed", "11", 60);
    await chats.note("failed", "shown", 60);
    await chats.giveBack("failed", "10");
    expect(await chats.take("failed", "10", 60)).toEqual({ first: true, note: "shown" });
    expect((await chats.take("failed", "11", 60)).first).toBe(false);
    await chats.giveBack("never-seen", "1");
    expect(await chats.read("never-seen")).toBeUndefined();
  });

  it("forgets a chat after its time", async () => {
    await chats.take("short", "1", 0.3);
    await chats.note("short", "shown", 0.3);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await chats.read("short")).toBeUndefined();
    expect(await chats.take("short", "1", 60)).toEqual({ first: true, note: undefined });
  });
});

describe("chat memory in Redis", () => {
  it("is one key per chat, holding no more than the delivery ids and the note, with an expiry", async () => {
    const chats = new RedisChatMemory(redis, `${prefix}-shape`);
    for (let id = 500_000_001; id <= 500_000_040; id++) await chats.take("tg:1:chatHash", String(id), 3600);
    await chats.note("tg:1:chatHash", '{"m":1234,"b":"survey:q11"}', 3600);
    const admin = adminRedis();
    const keys = await keysMatching(admin, `${prefix}-shape:*`);
    expect(keys).toEqual([`${prefix}-shape:m:tg:1:chatHash`]);
    const key = keys[0] ?? "";
    const stored = await admin.get(key);
    expect(stored?.split("\n")[0]?.split(" ")).toHaveLength(DELIVERIES_KEPT);
    expect(stored?.split("\n")[1]).toBe('{"m":1234,"b":"survey:q11"}');
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    await admin.quit();
    await dropPrefix(`${prefix}-shape`);
  });
});
