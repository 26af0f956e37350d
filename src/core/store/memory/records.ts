import type { RecordChange, RecordStore, StoredRecord, UnsettledRecord } from "../records.js";

interface Entry {
  revision: number;
  value: string | undefined;
  outbox: Map<number, string>;
  expiresAt: number;
}

/** Records in this process's memory: for trying the bot, lost on restart, never for production. */
export class MemoryRecordStore implements RecordStore {
  readonly #entries = new Map<string, Entry>();
  readonly #marks = new Map<string, number>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(
    sweepEveryMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.#sweeper = setInterval(() => this.#sweep(), sweepEveryMs).unref();
  }

  async read(key: string): Promise<StoredRecord | undefined> {
    const entry = this.#live(key);
    if (!entry) return undefined;
    const outbox = [...entry.outbox]
      .map(([revision, effects]) => ({ revision, effects }))
      .sort((a, b) => a.revision - b.revision);
    return { revision: entry.revision, value: entry.value, outbox };
  }

  async write(key: string, change: RecordChange, expectedRevision: number): Promise<boolean> {
    if (change.effects) this.#marks.set(key, this.#stamp());
    const current = this.#live(key);
    if ((current?.revision ?? 0) !== expectedRevision) return false;
    const revision = expectedRevision + 1;
    const outbox = new Map(current?.outbox);
    if (change.effects) outbox.set(revision, change.effects);
    if (change.value === null && outbox.size === 0) {
      this.#entries.delete(key);
      return true;
    }
    const expiresAt = change.ttlSeconds > 0 ? this.now() + change.ttlSeconds * 1000 : Number.POSITIVE_INFINITY;
    this.#entries.set(key, { revision, value: change.value ?? undefined, outbox, expiresAt });
    return true;
  }

  async settle(key: string, revision: number): Promise<void> {
    const entry = this.#live(key);
    if (!entry) return;
    entry.outbox.delete(revision);
    if (entry.value === undefined && entry.outbox.size === 0) this.#entries.delete(key);
  }

  async unsettled(olderThanMs: number, limit: number): Promise<UnsettledRecord[]> {
    const before = this.now() - olderThanMs;
    return [...this.#marks]
      .filter(([, since]) => since <= before)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([key, since]) => ({ key, since }));
  }

  async release(entry: UnsettledRecord): Promise<void> {
    if (this.#marks.get(entry.key) === entry.since) this.#marks.delete(entry.key);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  /** Distinct stamps even within one millisecond, so a newer mark never equals an older one. */
  #lastStamp = 0;
  #stamp(): number {
    this.#lastStamp = Math.max(this.now(), this.#lastStamp + 1);
    return this.#lastStamp;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #sweep(): void {
    for (const key of this.#entries.keys()) this.#live(key);
  }
}
