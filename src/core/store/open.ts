import type { Logger } from "pino";
import type { Config } from "../../config.js";
import type { KeyValueStore } from "./keyvalue.js";
import { type Lease, LocalLease, RedisLease } from "./lease.js";
import { MemoryKeyValueStore } from "./memory/keyvalue.js";
import { MemoryResponseStore } from "./memory/responses.js";
import { MemorySessionStore } from "./memory/sessions.js";
import { closeRedis, openRedis } from "./redis/client.js";
import { RedisKeyValueStore } from "./redis/keyvalue.js";
import { RedisResponseStore } from "./redis/responses.js";
import { RedisSessionStore } from "./redis/sessions.js";
import type { ResponseStore } from "./responses.js";
import type { SessionStore } from "./sessions.js";

export interface Stores {
  sessions: SessionStore;
  responses: ResponseStore;
  facts: KeyValueStore;
  /** A lease by name: in Redis one holder among all replicas; in memory this process holds it. */
  lease(name: string, ttlMs: number): Lease;
  kind: "redis" | "memory";
  close(): Promise<void>;
}

/** Redis when `REDIS_URL` is set (one connection for every store), else memory, said loudly. */
export function openStores(config: Config, logger: Logger): Stores {
  if (config.REDIS_URL) {
    const redis = openRedis(
      config.REDIS_URL,
      throttled(30_000, (message) => logger.error({ err: message }, "Redis connection problem")),
    );
    return {
      sessions: new RedisSessionStore(redis, config.REDIS_PREFIX),
      responses: new RedisResponseStore(redis, config.REDIS_PREFIX),
      facts: new RedisKeyValueStore(redis, config.REDIS_PREFIX),
      lease: (name, ttlMs) => new RedisLease(redis, config.REDIS_PREFIX, name, ttlMs),
      kind: "redis",
      close: () => closeRedis(redis),
    };
  }
  logger.warn(
    "REDIS_URL is not set: sessions and responses are kept in memory and lost on restart. Good for trying the bot, never for production.",
  );
  const sessions = new MemorySessionStore(config.REDIS_PREFIX);
  const facts = new MemoryKeyValueStore();
  return {
    sessions,
    responses: new MemoryResponseStore(),
    facts,
    lease: () => new LocalLease(),
    kind: "memory",
    close: async () => {
      facts.close();
      await sessions.close();
    },
  };
}

/** Calls `report` at most once per period: a Redis outage must not flood the log. */
function throttled(periodMs: number, report: (message: string) => void): (message: string) => void {
  let last = 0;
  return (message) => {
    const now = Date.now();
    if (now - last < periodMs) return;
    last = now;
    report(message);
  };
}
