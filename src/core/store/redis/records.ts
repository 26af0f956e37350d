import type { OutboxEntry, RecordChange, RecordStore, StoredRecord, UnsettledRecord } from "../records.js";
import type { RedisClient } from "./client.js";
import { call, closeRedis, openRedis, type RedisLocation } from "./client.js";

/**
 * Records in Redis, one key per record under `<prefix>:<namespace>:<key>`, in one of two shapes:
 *
 * - settled (the usual case): a string `<revision>:<value>`, the value and a few bytes more;
 * - with effects not yet settled: a hash with `r` (revision), `v` (value, absent once deleted) and
 *   one `o:<revision>` field per unsettled change's effects. Settling the last one turns it back
 *   into a string, keeping its expiry.
 *
 * A string because a hash whose value is over Redis's `hash-max-listpack-value` (64 bytes by
 * default, and a session is longer) is stored as a table, about 160 bytes more per record. Every
 * script touches one key, so the store works on Redis Cluster. Records written with effects are
 * also marked in a sorted set (`<prefix>:<namespace>-outbox`, scored by time) before the write, so a
 * crash right after it leaves a mark to recover from; marks are dropped by `release`, never by the
 * writer. Records kept as a hash by an earlier version are read as they are and become strings on
 * their next write.
 */
const READ = `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then return { redis.call('GET', KEYS[1]) } end
if kind == 'hash' then return redis.call('HGETALL', KEYS[1]) end
return {}`;

const WRITE = `
local kind = redis.call('TYPE', KEYS[1]).ok
local current, unsettled = '0', 0
if kind == 'string' then
  local stored = redis.call('GET', KEYS[1])
  current = string.sub(stored, 1, string.find(stored, ':', 1, true) - 1)
elseif kind == 'hash' then
  current = redis.call('HGET', KEYS[1], 'r') or '0'
  unsettled = redis.call('HLEN', KEYS[1]) - 1 - redis.call('HEXISTS', KEYS[1], 'v')
end
if current ~= ARGV[1] then return 0 end
local revision = tostring(tonumber(ARGV[1]) + 1)
if ARGV[5] == '' and unsettled == 0 then
  if ARGV[2] ~= '1' then
    redis.call('DEL', KEYS[1])
  elseif ARGV[4] == '0' then
    redis.call('SET', KEYS[1], revision .. ':' .. ARGV[3])
  else
    redis.call('SET', KEYS[1], revision .. ':' .. ARGV[3], 'PX', ARGV[4])
  end
  return 1
end
if kind == 'string' then redis.call('DEL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'r', revision)
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'v', ARGV[3]) else redis.call('HDEL', KEYS[1], 'v') end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'o:' .. revision, ARGV[5]) end
if ARGV[4] == '0' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1`;

const SETTLE = `
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 1 end
redis.call('HDEL', KEYS[1], 'o:' .. ARGV[1])
local value = redis.call('HGET', KEYS[1], 'v')
local unsettled = redis.call('HLEN', KEYS[1]) - 1 - (value and 1 or 0)
if unsettled > 0 then return 1 end
if not value then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('SET', KEYS[1], redis.call('HGET', KEYS[1], 'r') .. ':' .. value, 'KEEPTTL')
return 1`;

const RELEASE = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 1`;

type RedisWithRecords = RedisClient & {
  puenteRecordRead(key: string): Promise<string[]>;
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

const WRONG_TYPE: unique symbol = Symbol("wrong type");

/** A GET of a key that holds a hash: told apart from every other failure, which stays one. */
function notAString(error: unknown): typeof WRONG_TYPE {
  if (error instanceof Error && error.message.startsWith("WRONGTYPE")) return WRONG_TYPE;
  throw error;
}

function readSettled(settled: string): StoredRecord {
  const cut = settled.indexOf(":");
  return { revision: Number(settled.slice(0, cut)), value: settled.slice(cut + 1), outbox: [] };
}

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
    redis.defineCommand("puenteRecordRead", { numberOfKeys: 1, lua: READ });
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

  /**
   * A plain GET first: nearly every record is settled, a string. Only a hash (effects pending)
   * answers WRONGTYPE, and is then read by a script that takes either shape in one step, since it
   * may have been settled in between.
   */
  async read(key: string): Promise<StoredRecord | undefined> {
    const name = this.#base + key;
    const settled = await call(() => this.#redis.get(name).catch(notAString));
    if (settled === null) return undefined;
    if (settled !== WRONG_TYPE) return readSettled(settled);
    const stored = await call(() => this.#redis.puenteRecordRead(name));
    if (stored.length === 1) return readSettled(stored[0] ?? "");
    let revision: number | undefined;
    let value: string | undefined;
    const outbox: OutboxEntry[] = [];
    for (let at = 0; at + 1 < stored.length; at += 2) {
      const [field, content] = [stored[at] ?? "", stored[at + 1] ?? ""];
      if (field === "r") revision = Number(content);
      else if (field === "v") value = content;
      else if (field.startsWith("o:")) outbox.push({ revision: Number(field.slice(2)), effects: content });
    }
    if (revision === undefined) return undefined;
    outbox.sort((a, b) => a.revision - b.revision);
    return { revision, value, outbox };
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
