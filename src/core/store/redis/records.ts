import type { OutboxEntry, RecordChange, RecordStore, StoredRecord, UnsettledRecord } from "../records.js";
import type { RedisClient } from "./client.js";
import { call, closeRedis, openRedis, type RedisLocation } from "./client.js";

/**
 * Records in Redis: one hash per record under `<prefix>:<namespace>:<key>` with `r` (revision),
 * `v` (value) and one `o:<revision>` field per unsettled change's effects. Every script touches
 * one key, so the store works on Redis Cluster. Records written with effects are also marked in a
 * sorted set (`<prefix>:<namespace>-outbox`, scored by time) before the write, so a crash right
 * after it leaves a mark to recover from; marks are dropped by `release`, never by the writer.
 */
const WRITE = `
local current = redis.call('HGET', KEYS[1], 'r')
if (current or '0') ~= ARGV[1] then return 0 end
local revision = tonumber(ARGV[1]) + 1
redis.call('HSET', KEYS[1], 'r', tostring(revision))
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'v', ARGV[3]) else redis.call('HDEL', KEYS[1], 'v') end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'o:' .. revision, ARGV[5]) end
if ARGV[2] ~= '1' and redis.call('HLEN', KEYS[1]) == 1 then
  redis.call('DEL', KEYS[1])
  return 1
end
if ARGV[4] == '0' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1`;

const SETTLE = `
redis.call('HDEL', KEYS[1], 'o:' .. ARGV[1])
if redis.call('HEXISTS', KEYS[1], 'v') == 0 and redis.call('HLEN', KEYS[1]) <= 1 then redis.call('DEL', KEYS[1]) end
return 1`;

const RELEASE = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 1`;

type RedisWithRecords = RedisClient & {
  puenteRecordWrite(
    key: string,
    expected: string,
    hasValue: string,
    value: string,
    ttlMs: string,
    effects: string,
  ): Promise<number>;
  puenteRecordSettle(key: string, revision: string): Promise<number>;
  puenteRecordRelease(index: string, member: string, score: string): Promise<number>;
};

export class RedisRecordStore implements RecordStore {
  readonly #redis: RedisWithRecords;
  readonly #base: string;
  readonly #index: string;

  /** On a shared client, which its owner closes; `connect` makes a store that owns its own. */
  constructor(
    redis: RedisClient,
    readonly prefix: string,
    namespace: string,
    private readonly ownsClient = false,
  ) {
    redis.defineCommand("puenteRecordWrite", { numberOfKeys: 1, lua: WRITE });
    redis.defineCommand("puenteRecordSettle", { numberOfKeys: 1, lua: SETTLE });
    redis.defineCommand("puenteRecordRelease", { numberOfKeys: 1, lua: RELEASE });
    this.#redis = redis as RedisWithRecords;
    this.#base = `${prefix}:${namespace}:`;
    this.#index = `${prefix}:${namespace}-outbox`;
  }

  static connect(location: RedisLocation | string, prefix: string, namespace: string): RedisRecordStore {
    return new RedisRecordStore(openRedis(location), prefix, namespace, true);
  }

  async read(key: string): Promise<StoredRecord | undefined> {
    const fields = await call(() => this.#redis.hgetall(this.#base + key));
    const revision = fields.r;
    if (revision === undefined) return undefined;
    const outbox: OutboxEntry[] = [];
    for (const [field, effects] of Object.entries(fields))
      if (field.startsWith("o:")) outbox.push({ revision: Number(field.slice(2)), effects });
    outbox.sort((a, b) => a.revision - b.revision);
    return { revision: Number(revision), value: fields.v, outbox };
  }

  async write(key: string, change: RecordChange, expectedRevision: number): Promise<boolean> {
    // A fraction on the time keeps two marks of one millisecond apart, for release's comparison.
    if (change.effects) await call(() => this.#redis.zadd(this.#index, Date.now() + Math.random() * 0.999, key));
    const done = await call(() =>
      this.#redis.puenteRecordWrite(
        this.#base + key,
        String(expectedRevision),
        change.value === null ? "0" : "1",
        change.value ?? "",
        String(Math.round(change.ttlSeconds * 1000)),
        change.effects ?? "",
      ),
    );
    return done === 1;
  }

  async settle(key: string, revision: number): Promise<void> {
    await call(() => this.#redis.puenteRecordSettle(this.#base + key, String(revision)));
  }

  async unsettled(olderThanMs: number, limit: number): Promise<UnsettledRecord[]> {
    const flat = await call(() =>
      // Marks carry a fraction of a millisecond (two in one millisecond keep apart): everything
      // before the next whole millisecond counts, or a mark made this millisecond would be missed.
      this.#redis.zrangebyscore(
        this.#index,
        "-inf",
        `(${Date.now() - olderThanMs + 1}`,
        "WITHSCORES",
        "LIMIT",
        0,
        limit,
      ),
    );
    const entries: UnsettledRecord[] = [];
    for (let at = 0; at + 1 < flat.length; at += 2)
      entries.push({ key: flat[at] as string, since: Number(flat[at + 1]) });
    return entries;
  }

  async release(entry: UnsettledRecord): Promise<void> {
    await call(() => this.#redis.puenteRecordRelease(this.#index, entry.key, String(entry.since)));
  }

  async close(): Promise<void> {
    if (this.ownsClient) await closeRedis(this.#redis);
  }
}
