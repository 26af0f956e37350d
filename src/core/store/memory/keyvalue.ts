import type { KeyValueStore } from "../keyvalue.js";

/** Key-value facts in memory; expired entries are dropped when read and by a periodic sweep. */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  readonly #sweeper = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }, 60_000).unref();

  /** Checks and sets without awaiting in between: two claims at once cannot both see the key absent. */
  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return false;
    this.#entries.set(key, { value: "1", expiresAt: Date.now() + ttlSeconds * 1000 });
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.#entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #live(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }
}
