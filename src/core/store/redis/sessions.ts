import type { Redis } from "ioredis";
import type { SessionStore, StoredSession } from "../sessions.js";
import { call, closeRedis, openRedis } from "./client.js";

/**
 * Sessions in Redis: one hash per session (`r` revision, `v` value) under `<prefix>:s:<key>`.
 * A read is one HMGET, a write one script that compares the revision and sets value and expiry.
 */
const COMPARE_AND_SET = `
local current = redis.call('HGET', KEYS[1], 'r')
if (current or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'r', tostring(tonumber(ARGV[1]) + 1), 'v', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

type RedisWithCas = Redis & {
  puenteCompareAndSet(key: string, expected: string, value: string, ttlMs: string): Promise<number>;
};

export class RedisSessionStore implements SessionStore {
  readonly #redis: RedisWithCas;

  /** On a shared client, which its owner closes; `connect` makes a store that owns its own. */
  constructor(
    redis: Redis,
    readonly prefix: string,
    private readonly ownsClient = false,
  ) {
    redis.defineCommand("puenteCompareAndSet", { numberOfKeys: 1, lua: COMPARE_AND_SET });
    this.#redis = redis as RedisWithCas;
  }

  static connect(url: string, prefix: string): RedisSessionStore {
    return new RedisSessionStore(openRedis(url), prefix, true);
  }

  async read(key: string): Promise<StoredSession | undefined> {
    const [revision, value] = await call(() => this.#redis.hmget(this.#key(key), "r", "v"));
    if (revision == null || value == null) return undefined;
    return { revision: Number(revision), value };
  }

  async write(key: string, value: string, expectedRevision: number, ttlSeconds: number): Promise<boolean> {
    const done = await call(() =>
      this.#redis.puenteCompareAndSet(
        this.#key(key),
        String(expectedRevision),
        value,
        String(Math.round(ttlSeconds * 1000)),
      ),
    );
    return done === 1;
  }

  async delete(key: string): Promise<void> {
    await call(() => this.#redis.del(this.#key(key)));
  }

  async close(): Promise<void> {
    if (this.ownsClient) await closeRedis(this.#redis);
  }

  #key(key: string): string {
    return `${this.prefix}:s:${key}`;
  }
}
