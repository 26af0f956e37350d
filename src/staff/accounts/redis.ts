import type { RedisClient } from "../../core/store/redis/client.js";
import { call } from "../../core/store/redis/client.js";
import { type StaffAccount, type StaffAccounts, staffAccountSchema } from "./account.js";

/** Accounts in one Redis hash, `<prefix>:staff:accounts`, name → account as JSON. */
export class RedisStaffAccounts implements StaffAccounts {
  readonly #key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly closeConnection: () => Promise<void> = async () => {},
  ) {
    this.#key = `${prefix}:staff:accounts`;
  }

  async get(name: string): Promise<StaffAccount | undefined> {
    const stored = await call(() => this.redis.hget(this.#key, name));
    return stored ? parse(stored) : undefined;
  }

  async put(account: StaffAccount): Promise<void> {
    await call(() => this.redis.hset(this.#key, account.name, JSON.stringify(account)));
  }

  async remove(name: string): Promise<boolean> {
    return (await call(() => this.redis.hdel(this.#key, name))) > 0;
  }

  async list(): Promise<StaffAccount[]> {
    const all = await call(() => this.redis.hvals(this.#key));
    return all.flatMap((stored) => {
      const account = parse(stored);
      return account ? [account] : [];
    });
  }

  close(): Promise<void> {
    return this.closeConnection();
  }
}

/** A damaged entry is no account: nobody signs in with it. */
function parse(stored: string): StaffAccount | undefined {
  try {
    const result = staffAccountSchema.safeParse(JSON.parse(stored));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
