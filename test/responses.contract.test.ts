import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryResponseStore } from "../src/core/store/memory/responses.js";
import { closeRedis, openRedis } from "../src/core/store/redis/client.js";
import { RedisResponseStore, ResponseKeysError } from "../src/core/store/redis/responses.js";
import type { ResponseStore, StoredResponse } from "../src/core/store/responses.js";
import { dropPrefix, testPrefix } from "./support/puente.js";
import { keysMatching, ON_CLUSTER, TEST_REDIS } from "./support/redis.js";

/** One contract for every backend of anonymous responses. */
const prefix = testPrefix("responses");
const redis = openRedis(TEST_REDIS);
afterAll(async () => {
  await dropPrefix(prefix);
  await closeRedis(redis);
});

const backends: Array<[string, () => ResponseStore]> = [
  ["memory", () => new MemoryResponseStore()],
  ["redis", () => new RedisResponseStore(redis, `${prefix}:${randomUUID().slice(0, 6)}`)],
];

const response = (date: string, answers: StoredResponse["answers"] = { age: 30 }): StoredResponse => ({
  id: randomUUID(),
  flow: "consulta",
  version: 1,
  lng: "es",
  channel: "telegram",
  date,
  answers,
});

describe.each(backends)("response store contract: %s", (_, open) => {
  it("stores a response once per participant and says so the second time", async () => {
    const store = open();
    expect(await store.hasTakenPart("consulta", "p1")).toBe(false);
    expect(await store.submit(response("2026-11-20"), "p1")).toBe("stored");
    expect(await store.hasTakenPart("consulta", "p1")).toBe(true);
    expect(await store.submit(response("2026-11-20", { age: 31 }), "p1")).toBe("duplicate");
    expect((await store.list("consulta")).responses.map((r) => r.answers)).toEqual([{ age: 30 }]);
  });

  it("lists responses oldest first, each exactly as submitted", async () => {
    const store = open();
    const first = response("2026-11-20", { country: "haiti", needs: ["work", "health"], comment: "ñandú 😊" });
    const second = response("2026-11-21", { country: null });
    await store.submit(first, "a");
    await store.submit(second, "b");
    expect((await store.list("consulta")).responses).toEqual([first, second]);
  });

  it("forgets a participation mark on request, and keeps the anonymous response", async () => {
    const store = open();
    await store.submit(response("2026-11-20"), "gone");
    await store.forget("consulta", "gone");
    expect(await store.hasTakenPart("consulta", "gone")).toBe(false);
    expect((await store.list("consulta")).responses).toHaveLength(1);
  });

  it("keeps flows apart: participation and responses", async () => {
    const store = open();
    await store.submit(response("2026-11-20"), "p");
    expect(await store.hasTakenPart("otra", "p")).toBe(false);
    expect((await store.list("otra")).responses).toEqual([]);
  });

  it("takes concurrent submissions by one participant as one", async () => {
    const store = open();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => store.submit(response("2026-11-22"), "same")));
    expect(outcomes.filter((o) => o === "stored")).toHaveLength(1);
    expect((await store.list("consulta")).responses).toHaveLength(1);
  });
});

describe("redis response store", () => {
  it("gives stream entries the submission day, never the time, even when days arrive out of order", async () => {
    const own = `${prefix}:ids`;
    const store = new RedisResponseStore(redis, own);
    await store.submit(response("2026-11-21"), "x");
    await store.submit(response("2026-11-20"), "y");
    await store.submit(response("2026-11-21"), "z");
    const ids = (await redis.xrange(`${own}:r:{consulta}`, "-", "+")).map(([id]) => id);
    const day = String(Date.parse("2026-11-21T00:00:00Z"));
    expect(ids).toEqual([`${day}-0`, `${day}-1`, `${day}-2`]);
  });

  it.runIf(ON_CLUSTER)(
    "keeps a flow's stream and participants in one cluster slot (the submit script touches both)",
    async () => {
      const own = `${prefix}:slots`;
      await new RedisResponseStore(redis, own).submit(response("2026-11-21"), "x");
      const slot = (key: string) => redis.call("CLUSTER", "KEYSLOT", key);
      const keys = await keysMatching(redis, `${own}:*`);
      expect(keys.sort()).toEqual([`${own}:p:{consulta}`, `${own}:r:{consulta}`]);
      expect(await slot(keys[0] as string)).toBe(await slot(keys[1] as string));
    },
  );

  // Versions before hash tags never ran on a cluster: their keys only exist on one Redis.
  it.skipIf(ON_CLUSTER)(
    "moves responses kept under an older version's key names, once, and refuses to guess when both exist",
    async () => {
      const own = `${prefix}:adopt`;
      const old = new RedisResponseStore(redis, `${own}:staging`);
      await old.submit(response("2026-11-20"), "early");
      // Where an older version kept them: the same stream and set without the hash tag.
      await redis.rename(`${own}:staging:r:{consulta}`, `${own}:r:consulta`);
      await redis.rename(`${own}:staging:p:{consulta}`, `${own}:p:consulta`);
      const store = new RedisResponseStore(redis, own);
      expect(await store.adoptUntagged(["consulta", "demo"])).toEqual(["consulta"]);
      expect((await store.list("consulta")).responses).toHaveLength(1);
      expect(await store.hasTakenPart("consulta", "early")).toBe(true);
      expect(await store.submit(response("2026-11-21"), "early")).toBe("duplicate");
      expect(await store.adoptUntagged(["consulta"])).toEqual([]);
      await redis.set(`${own}:r:consulta`, "left by hand");
      await expect(store.adoptUntagged(["consulta"])).rejects.toBeInstanceOf(ResponseKeysError);
      expect(await redis.get(`${own}:r:consulta`)).toBe("left by hand");
    },
  );
});
