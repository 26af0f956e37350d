import type { KeyValueStore } from "../keyvalue.js";
import { ExpiringMap } from "./expiring.js";

/** Key-value facts in memory, each with its own expiry. */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly #entries = new ExpiringMap<string>();

  async get(key: string): Promise<string | undefined> {
    return this.#entries.get(key);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.#entries.set(key, value, ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  close(): void {
    this.#entries.close();
  }
}
