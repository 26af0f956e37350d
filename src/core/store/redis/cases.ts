import type { CaseIndex, CaseList, CaseLog } from "../cases.js";
import type { RedisClient } from "./client.js";
import { call } from "./client.js";

/**
 * Case codes in one hash (`<prefix>:case-codes`), lists as sorted sets (`<prefix>:cases:<list>`),
 * each case's logs as sorted sets of JSON entries scored by time (`<prefix>:case-<log>:<id>`):
 * adding an identical entry again changes nothing.
 */
export class RedisCaseIndex implements CaseIndex {
  constructor(
    private readonly redis: RedisClient,
    readonly prefix: string,
  ) {}

  async claimCode(code: string, caseId: string): Promise<string> {
    await call(() => this.redis.hsetnx(this.#codes, code, caseId));
    return (await call(() => this.redis.hget(this.#codes, code))) ?? caseId;
  }

  async findCode(code: string): Promise<string | undefined> {
    return (await call(() => this.redis.hget(this.#codes, code))) ?? undefined;
  }

  async mark(list: CaseList, caseId: string, score: number): Promise<void> {
    await call(() => this.redis.zadd(this.#list(list), score, caseId));
  }

  async unmark(list: CaseList, caseId: string): Promise<void> {
    await call(() => this.redis.zrem(this.#list(list), caseId));
  }

  async due(list: CaseList, upTo: number, limit: number): Promise<string[]> {
    return call(() => this.redis.zrangebyscore(this.#list(list), "-inf", upTo, "LIMIT", 0, limit));
  }

  async latest(list: CaseList, limit: number): Promise<string[]> {
    return call(() => this.redis.zrevrange(this.#list(list), 0, limit - 1));
  }

  async count(list: CaseList): Promise<number> {
    return call(() => this.redis.zcard(this.#list(list)));
  }

  async append(log: CaseLog, caseId: string, entry: string, score: number): Promise<void> {
    await call(() => this.redis.zadd(this.#log(log, caseId), score, entry));
  }

  async entries(log: CaseLog, caseId: string, limit: number): Promise<string[]> {
    return call(() => this.redis.zrange(this.#log(log, caseId), String(-limit), "-1"));
  }

  async drop(log: CaseLog, caseId: string): Promise<void> {
    await call(() => this.redis.del(this.#log(log, caseId)));
  }

  get #codes(): string {
    return `${this.prefix}:case-codes`;
  }

  #list(list: CaseList): string {
    return `${this.prefix}:cases:${list}`;
  }

  #log(log: CaseLog, caseId: string): string {
    return `${this.prefix}:case-${log}:${caseId}`;
  }
}
