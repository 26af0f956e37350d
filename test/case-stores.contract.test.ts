import { afterAll, describe, expect, it } from "vitest";
import type { CaseIndex } from "../src/core/store/cases.js";
import type { Mailbox } from "../src/core/store/mailbox.js";
import { MemoryCaseIndex } from "../src/core/store/memory/cases.js";
import { MemoryMailbox } from "../src/core/store/memory/mailbox.js";
import { RedisCaseIndex } from "../src/core/store/redis/cases.js";
import { closeRedis, openRedis } from "../src/core/store/redis/client.js";
import { RedisMailbox } from "../src/core/store/redis/mailbox.js";
import { until } from "./support/handoff.js";
import { dropPrefix, testPrefix } from "./support/puente.js";
import { TEST_REDIS } from "./support/redis.js";

/** The case index and the mailbox: one contract each, on memory and on Redis. */
const prefix = testPrefix("case-stores");
const redis = openRedis(TEST_REDIS);
const mailboxes: Mailbox[] = [];
afterAll(async () => {
  for (const mailbox of mailboxes) await mailbox.close();
  await closeRedis(redis);
  await dropPrefix(prefix);
});

describe.each<[string, () => CaseIndex]>([
  ["memory", () => new MemoryCaseIndex()],
  ["redis", () => new RedisCaseIndex(redis, prefix)],
])("case index contract: %s", (_, open) => {
  const index = open();

  it("gives a code to one case only", async () => {
    expect(await index.claimCode("K-1111", "a")).toBe("a");
    expect(await index.claimCode("K-1111", "b")).toBe("a");
    expect(await index.findCode("K-1111")).toBe("a");
    expect(await index.findCode("K-2222")).toBeUndefined();
  });

  it("keeps lists by score: due ones lowest first, latest ones highest first, a case once", async () => {
    await index.mark("waiting", "old", 100);
    await index.mark("waiting", "new", 300);
    await index.mark("waiting", "mid", 200);
    await index.mark("waiting", "mid", 250);
    expect(await index.due("waiting", 260, 10)).toEqual(["old", "mid"]);
    expect(await index.latest("waiting", 2)).toEqual(["new", "mid"]);
    await index.unmark("waiting", "old");
    expect(await index.due("waiting", 1000, 10)).toEqual(["mid", "new"]);
  });

  it("counts a list's cases, each once", async () => {
    expect(await index.count("purge")).toBe(0);
    await index.mark("purge", "p1", 10);
    await index.mark("purge", "p2", 20);
    await index.mark("purge", "p1", 30);
    expect(await index.count("purge")).toBe(2);
    await index.unmark("purge", "p1");
    expect(await index.count("purge")).toBe(1);
    expect(await index.count("all")).toBe(0);
  });

  it("appends to a case's logs once per entry, in order, and drops them", async () => {
    await index.append("transcript", "c1", '{"id":"1"}', 10);
    await index.append("transcript", "c1", '{"id":"2"}', 20);
    await index.append("transcript", "c1", '{"id":"1"}', 10);
    expect(await index.entries("transcript", "c1", 10)).toEqual(['{"id":"1"}', '{"id":"2"}']);
    expect(await index.entries("transcript", "c1", 1)).toEqual(['{"id":"2"}']);
    expect(await index.entries("audit", "c1", 10)).toEqual([]);
    await index.drop("transcript", "c1");
    expect(await index.entries("transcript", "c1", 10)).toEqual([]);
  });
});

describe.each<[string, () => Mailbox]>([
  ["memory", () => new MemoryMailbox()],
  ["redis", () => new RedisMailbox(redis, prefix)],
])("mailbox contract: %s", (_, open) => {
  const mailbox = open();
  mailboxes.push(mailbox);

  it("keeps what is posted, in order, until it is taken", async () => {
    await mailbox.post("box-1", ["a", "b"]);
    await mailbox.post("box-1", ["c"]);
    expect(await mailbox.take("box-1")).toEqual(["a", "b", "c"]);
    expect(await mailbox.take("box-1")).toEqual([]);
  });

  it("wakes a watcher of the box, and only of that box, until it stops watching", async () => {
    let woken = 0;
    let other = 0;
    const stop = mailbox.watch("box-2", () => woken++);
    const stopOther = mailbox.watch("box-3", () => other++);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the subscription settles
    await mailbox.post("box-2", ["x"]);
    await until(() => woken === 1, "a wake-up");
    stop();
    await mailbox.post("box-2", ["y"]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(woken).toBe(1);
    expect(other).toBe(0);
    stopOther();
  });
});

describe("the Redis mailbox across replicas", () => {
  it("wakes a watcher on another connection", async () => {
    const elsewhere = openRedis(TEST_REDIS);
    const here = new RedisMailbox(redis, prefix);
    const there = new RedisMailbox(elsewhere, prefix);
    mailboxes.push(here, there, {
      post: async () => {},
      take: async () => [],
      watch: () => () => {},
      close: () => closeRedis(elsewhere),
    });
    let woken = false;
    there.watch("shared", () => {
      woken = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await here.post("shared", ["hello"]);
    await until(() => woken, "the other replica");
    expect(await there.take("shared")).toEqual(["hello"]);
  });
});
