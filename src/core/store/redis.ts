import { Redis, type RedisOptions } from "ioredis";
import { type SessionStore, type StoredSession, StoreUnavailableError } from "./session-store.js";

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

/** Client settings that turn an unreachable Redis into a quick error instead of a hung message. */
export const REDIS_CLIENT_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: 1,
  commandTimeout: 3000,
  enableAutoPipelining: true,
  retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
};

export class RedisSessionStore implements SessionStore {
  readonly #redis: RedisWithCas;
  #reportConnectionError: (message: string) => void = () => {};

  constructor(
    redis: Redis,
    readonly prefix: string,
  ) {
    redis.defineCommand("puenteCompareAndSet", { numberOfKeys: 1, lua: COMPARE_AND_SET });
    // Without a listener ioredis prints every reconnection failure; the owner decides what to log.
    redis.on("error", (error: Error) => this.#reportConnectionError(error.message));
    this.#redis = redis as RedisWithCas;
  }

  onConnectionError(report: (message: string) => void): void {
    this.#reportConnectionError = report;
  }

  static connect(url: string, prefix: string): RedisSessionStore {
    return new RedisSessionStore(new Redis(url, REDIS_CLIENT_OPTIONS), prefix);
  }

  async read(key: string): Promise<StoredSession | undefined> {
    const [revision, value] = await this.#call(() => this.#redis.hmget(this.#key(key), "r", "v"));
    if (revision == null || value == null) return undefined;
    return { revision: Number(revision), value };
  }

  async write(key: string, value: string, expectedRevision: number, ttlSeconds: number): Promise<boolean> {
    const done = await this.#call(() =>
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
    await this.#call(() => this.#redis.del(this.#key(key)));
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #key(key: string): string {
    return `${this.prefix}:s:${key}`;
  }

  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new StoreUnavailableError(`Redis did not answer: ${(error as Error).message}`);
    }
  }
}
