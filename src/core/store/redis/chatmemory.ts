import { type ChatMemory, DELIVERIES_KEPT } from "../chatmemory.js";
import type { RedisClient } from "./client.js";
import { call, milliseconds } from "./client.js";

/**
 * Chat memory in Redis: one string per chat under `<prefix>:m:<chat>`, the delivery ids newest
 * first separated by spaces, a line break, then the note. A string, not a hash: its size is the
 * text and little more, where a hash with a value over `hash-max-listpack-value` costs a table.
 * Each script touches one key, so the store works on Redis Cluster.
 */
const SPLIT = `
local function split(stored)
  if not stored then return '', '' end
  local cut = string.find(stored, '\\n', 1, true)
  if not cut then return '', '' end
  return string.sub(stored, 1, cut - 1), string.sub(stored, cut + 1)
end
`;

const TAKE = `${SPLIT}
local deliveries, note = split(redis.call('GET', KEYS[1]))
local kept = { ARGV[1] }
for delivery in string.gmatch(deliveries, '%S+') do
  if delivery == ARGV[1] then return { 0, note } end
  if #kept < tonumber(ARGV[2]) then kept[#kept + 1] = delivery end
end
redis.call('SET', KEYS[1], table.concat(kept, ' ') .. '\\n' .. note, 'PX', ARGV[3])
return { 1, note }`;

const GIVE_BACK = `${SPLIT}
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
local deliveries, note = split(stored)
local kept = {}
for delivery in string.gmatch(deliveries, '%S+') do
  if delivery ~= ARGV[1] then kept[#kept + 1] = delivery end
end
redis.call('SET', KEYS[1], table.concat(kept, ' ') .. '\\n' .. note, 'KEEPTTL')
return 1`;

const NOTE = `${SPLIT}
local deliveries = split(redis.call('GET', KEYS[1]))
redis.call('SET', KEYS[1], deliveries .. '\\n' .. ARGV[1], 'PX', ARGV[2])
return 1`;

type RedisWithChatMemory = RedisClient & {
  puenteChatTake(key: string, delivery: string, kept: string, ttlMs: string): Promise<[number, string]>;
  puenteChatGiveBack(key: string, delivery: string): Promise<number>;
  puenteChatNote(key: string, note: string, ttlMs: string): Promise<number>;
};

export class RedisChatMemory implements ChatMemory {
  readonly #redis: RedisWithChatMemory;

  constructor(
    redis: RedisClient,
    readonly prefix: string,
  ) {
    redis.defineCommand("puenteChatTake", { numberOfKeys: 1, lua: TAKE });
    redis.defineCommand("puenteChatGiveBack", { numberOfKeys: 1, lua: GIVE_BACK });
    redis.defineCommand("puenteChatNote", { numberOfKeys: 1, lua: NOTE });
    this.#redis = redis as RedisWithChatMemory;
  }

  async take(
    chat: string,
    delivery: string,
    ttlSeconds: number,
  ): Promise<{ first: boolean; note: string | undefined }> {
    const [first, note] = await call(() =>
      this.#redis.puenteChatTake(this.#key(chat), delivery, String(DELIVERIES_KEPT), String(milliseconds(ttlSeconds))),
    );
    return { first: first === 1, note: note === "" ? undefined : note };
  }

  async giveBack(chat: string, delivery: string): Promise<void> {
    await call(() => this.#redis.puenteChatGiveBack(this.#key(chat), delivery));
  }

  async note(chat: string, note: string, ttlSeconds: number): Promise<void> {
    await call(() => this.#redis.puenteChatNote(this.#key(chat), note, String(milliseconds(ttlSeconds))));
  }

  async read(chat: string): Promise<string | undefined> {
    const stored = await call(() => this.#redis.get(this.#key(chat)));
    const cut = stored?.indexOf("\n") ?? -1;
    const note = stored && cut >= 0 ? stored.slice(cut + 1) : "";
    return note === "" ? undefined : note;
  }

  #key(chat: string): string {
    return `${this.prefix}:m:${chat}`;
  }
}
