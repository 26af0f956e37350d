import type { AuditLog } from "../audit.js";
import type { RedisClient } from "./client.js";
import { call } from "./client.js";

/** The staff audit log as a Redis stream, `<prefix>:audit`: entries get the server's time and order. */
export class RedisAuditLog implements AuditLog {
  readonly #key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.#key = `${prefix}:audit`;
  }

  async append(entry: string): Promise<void> {
    await call(() => this.redis.xadd(this.#key, "*", "e", entry));
  }

  async latest(limit: number): Promise<string[]> {
    const entries = await call(() => this.redis.xrevrange(this.#key, "+", "-", "COUNT", limit));
    return entries.flatMap(([, fields]) => (fields[0] === "e" && fields[1] !== undefined ? [fields[1]] : []));
  }
}
