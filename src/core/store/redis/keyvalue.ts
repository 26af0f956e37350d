import type { KeyValueStore } from "../keyvalue.js";
import type { RedisClient } from "./client.js";
import { call, milliseconds } from "./client.js";

/** Key-value facts in Redis under `<prefix>:k:<key>`, each with its own expiry. */
export class RedisKeyValueStore implements KeyValueStore {
  constructor(
    private readonly redis: RedisClient,
    readonly prefix: string,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await call(() => this.redis.get(this.#key(key)))) ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await call(() => this.redis.set(this.#key(key), value, "PX", milliseconds(ttlSeconds)));
  }

  async delete(key: string): Promise<void> {
    await call(() => this.redis.del(this.#key(key)));
  }

  #key(key: string): string {
    return `${this.prefix}:k:${key}`;
  }
}
