/**
 * A map whose entries expire: what the in-memory stores keep in place of Redis keys with a TTL. An
 * expired entry is dropped when read, and by a sweep every minute so that unread ones go too.
 */
export class ExpiringMap<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #sweeper = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }, 60_000).unref();

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, ttlSeconds: number): void {
    this.#entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  close(): void {
    clearInterval(this.#sweeper);
  }
}
