import type { SessionStore, StoredSession } from "../sessions.js";

interface Entry extends StoredSession {
  expiresAt: number;
}

/** Sessions in this process's memory: for trying the bot, lost on restart, never for production. */
export class MemorySessionStore implements SessionStore {
  readonly #entries = new Map<string, Entry>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(
    readonly prefix: string,
    sweepEveryMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.#sweeper = setInterval(() => this.#sweep(), sweepEveryMs).unref();
  }

  async read(key: string): Promise<StoredSession | undefined> {
    const entry = this.#live(`${this.prefix}:${key}`);
    return entry && { revision: entry.revision, value: entry.value };
  }

  async write(key: string, value: string, expectedRevision: number, ttlSeconds: number): Promise<boolean> {
    const full = `${this.prefix}:${key}`;
    const revision = this.#live(full)?.revision ?? 0;
    if (revision !== expectedRevision) return false;
    this.#entries.set(full, { revision: revision + 1, value, expiresAt: this.now() + ttlSeconds * 1000 });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(`${this.prefix}:${key}`);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  #live(fullKey: string): Entry | undefined {
    const entry = this.#entries.get(fullKey);
    if (entry && entry.expiresAt <= this.now()) {
      this.#entries.delete(fullKey);
      return undefined;
    }
    return entry;
  }

  #sweep(): void {
    for (const key of this.#entries.keys()) this.#live(key);
  }
}
