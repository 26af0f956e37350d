import { EventEmitter } from "node:events";
import type { Mailbox } from "../mailbox.js";
import type { RedisClient } from "./client.js";
import { call, closeRedis, duplicateRedis } from "./client.js";

const KEEP_SECONDS = 24 * 3600;

/**
 * Mailboxes as Redis lists (`<prefix>:mail:<box>`, kept a day) and a wake-up published on
 * `<prefix>:mail` with the box's name. One subscriber connection per process, opened on the first
 * watch, serves every watcher of the process.
 */
export class RedisMailbox implements Mailbox {
  readonly #watchers = new EventEmitter().setMaxListeners(0);
  #subscriber: RedisClient | undefined;

  constructor(
    private readonly redis: RedisClient,
    readonly prefix: string,
  ) {}

  async post(box: string, items: string[]): Promise<void> {
    if (items.length === 0) return;
    const key = this.#key(box);
    await call(() =>
      this.redis
        .multi()
        .rpush(key, ...items)
        .expire(key, KEEP_SECONDS)
        .exec(),
    );
    await call(() => this.redis.publish(this.#channel, box));
  }

  async take(box: string): Promise<string[]> {
    return (await call(() => this.redis.lpop(this.#key(box), 1000))) ?? [];
  }

  watch(box: string, wake: () => void): () => void {
    this.#subscribe();
    this.#watchers.on(box, wake);
    return () => this.#watchers.off(box, wake);
  }

  async close(): Promise<void> {
    this.#watchers.removeAllListeners();
    if (this.#subscriber) await closeRedis(this.#subscriber);
  }

  #subscribe(): void {
    if (this.#subscriber) return;
    const subscriber = duplicateRedis(this.redis);
    subscriber.on("error", () => undefined);
    subscriber.on("message", (_channel: string, box: string) => this.#watchers.emit(box));
    void subscriber.subscribe(this.#channel).catch(() => undefined);
    this.#subscriber = subscriber;
  }

  get #channel(): string {
    return `${this.prefix}:mail`;
  }

  #key(box: string): string {
    return `${this.prefix}:mail:${box}`;
  }
}
