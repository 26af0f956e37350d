import type { Redis } from "ioredis";
import type { KeyValueStore } from "../keyvalue.js";
import { call } from "./client.js";

/** Key-value facts in Redis under `<prefix>:k:<key>`, each with its own expiry. */
export class RedisKeyValueStore implements KeyValueStore {
  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
  ) {}

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    return (await call(() => this.redis.set(this.#key(key), "1", "EX", ttlSeconds, "NX"))) === "OK";
  }

  async get(key: string): Promise<string | undefined> {
    return (await call(() => this.redis.get(this.#key(key)))) ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await call(() => this.redis.set(this.#key(key), value, "EX", ttlSeconds));
  }

  #key(key: string): string {
    return `${this.prefix}:k:${key}`;
  }
}
