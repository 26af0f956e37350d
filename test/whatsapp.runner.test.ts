import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { WhatsAppRunner } from "../src/channels/whatsapp/run.js";
import { RedisLease } from "../src/core/store/lease.js";
import { MemoryKeyValueStore } from "../src/core/store/memory/keyvalue.js";
import { closeRedis, openRedis } from "../src/core/store/redis/client.js";
import { dropPrefix, engineOn, memoryStore, quiet, REDIS_URL, testPrefix } from "./support/puente.js";
import { FakeWhatsAppClient } from "./support/whatsapp.js";

/** One owner per number: of two replicas on one Redis only one starts WhatsApp; when it dies the other takes over. */
const prefix = testPrefix("wa-runner");
const TTL = 600;
afterAll(() => dropPrefix(prefix));

function replica(name: string) {
  const redis = openRedis(REDIS_URL);
  const clients: FakeWhatsAppClient[] = [];
  const { engine, texts } = engineOn(memoryStore());
  const runner = new WhatsAppRunner({
    dataDir: `/tmp/${name}`,
    chromiumPath: "/usr/bin/chromium",
    engine,
    texts,
    facts: new MemoryKeyValueStore(),
    lease: new RedisLease(redis, prefix, "whatsapp", TTL),
    leaseTtlMs: TTL,
    defaultLanguage: "es",
    logger: quiet,
    makeClient: () => {
      const client = new FakeWhatsAppClient();
      clients.push(client);
      return client;
    },
  });
  return { runner, clients, redis };
}

const until = async (condition: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe("WhatsApp on several replicas", () => {
  it("only one replica starts the client; when it dies, the other takes over", async () => {
    const a = replica("a");
    const b = replica("b");
    a.runner.start();
    b.runner.start();
    await until(() => a.clients.length + b.clients.length === 1);
    await new Promise((resolve) => setTimeout(resolve, TTL * 2));
    expect(a.clients.length + b.clients.length).toBe(1);

    const [holder, other] = a.clients.length === 1 ? [a, b] : [b, a];
    // The holder's process dies: its Redis connection goes, its lease is never renewed again.
    holder.redis.disconnect();
    await until(() => other.clients.length === 1, TTL * 10);
    await until(() => holder.clients[0]?.destroyed === true, TTL * 10);

    await other.runner.stop();
    await holder.runner.stop();
    await closeRedis(other.redis);
  }, 30_000);
});

describe("the program without WhatsApp", () => {
  it("does not load whatsapp-web.js or its browser driver: they are loaded when a WhatsApp session opens", () => {
    // Everything the program wires (channels, staff side, runtime), in a fresh process.
    const probe = `import("./src/runtime/app.ts").then(() => {
      const loaded = Object.keys(require.cache).map((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file)?.[1]);
      process.stdout.write(JSON.stringify([...new Set(loaded.filter(Boolean))]));
    })`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "-e", probe], { encoding: "utf8", timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const packages: string[] = JSON.parse(run.stdout);
    expect(packages).toContain("grammy");
    expect(packages).toContain("ioredis");
    expect(packages).not.toContain("whatsapp-web.js");
    expect(packages).not.toContain("puppeteer");
    expect(packages).not.toContain("puppeteer-core");
  }, 60_000);
});
