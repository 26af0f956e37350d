import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { KeyValueStore } from "../../core/store/keyvalue.js";
import type { RateLimit, RateLimiter } from "../../core/store/limits.js";
import type { StaffAccounts } from "../accounts/account.js";
import { hashPassword, verifyPassword } from "../accounts/password.js";
import type { StaffAudit } from "../audit.js";

/**
 * Signed-in staff: a random token in the browser's cookie, and under its hash (never the token
 * itself, so a copy of Redis signs nobody in) the account's name, the account's generation and
 * the session's CSRF token. A new password or a removed account ends its sessions: the generation
 * no longer matches.
 */
export interface StaffSession {
  name: string;
  /** Put in every form and checked on every POST. */
  csrf: string;
}

export type SignIn =
  | { ok: true; token: string; session: StaffSession }
  | { ok: false; why: "wrong" }
  | { ok: false; why: "limited"; retryMs: number };

/** Sign-in attempts per account name and per client address, counted across replicas. */
export const SIGN_IN_LIMITS = {
  name: { points: 5, seconds: 15 * 60 },
  address: { points: 20, seconds: 15 * 60 },
} satisfies Record<string, RateLimit>;

const storedSessionSchema = z.object({ name: z.string(), generation: z.string(), csrf: z.string() });
type StoredSession = z.infer<typeof storedSessionSchema>;

export interface StaffSessionsOptions {
  accounts: StaffAccounts;
  facts: KeyValueStore;
  limiter: (name: string, limit: RateLimit) => RateLimiter;
  audit: StaffAudit;
  /** How long a sign-in lasts. */
  hours: number;
}

export class StaffSessions {
  readonly #limits: { name: RateLimiter; address: RateLimiter };
  /** Checked against when the account does not exist, so a wrong name takes as long as a wrong password. */
  readonly #decoy: Promise<string> = hashPassword(randomBytes(16).toString("hex"));

  constructor(private readonly options: StaffSessionsOptions) {
    this.#limits = {
      name: options.limiter("staff-sign-in-name", SIGN_IN_LIMITS.name),
      address: options.limiter("staff-sign-in-address", SIGN_IN_LIMITS.address),
    };
  }

  async signIn(name: string, password: string, address: string): Promise<SignIn> {
    const key = name.trim().toLowerCase().slice(0, 64);
    const wait = Math.max(await this.#limits.address.take(address), await this.#limits.name.take(key));
    if (wait > 0) {
      await this.options.audit.record(key || "-", "sign-in-refused", "too many attempts");
      return { ok: false, why: "limited", retryMs: wait };
    }
    const account = await this.options.accounts.get(key);
    const matches = await verifyPassword(password, account?.passwordHash ?? (await this.#decoy));
    if (!account || !matches) {
      await this.options.audit.record(key || "-", "sign-in-refused", "wrong name or password");
      return { ok: false, why: "wrong" };
    }
    const token = randomBytes(32).toString("base64url");
    const stored: StoredSession = {
      name: account.name,
      generation: account.generation,
      csrf: randomBytes(24).toString("base64url"),
    };
    await this.options.facts.set(sessionKey(token), JSON.stringify(stored), this.options.hours * 3600);
    await this.options.audit.record(account.name, "signed-in");
    return { ok: true, token, session: { name: stored.name, csrf: stored.csrf } };
  }

  /** The session a cookie's token stands for, while it lasts and its account is unchanged. */
  async current(token: string | undefined): Promise<StaffSession | undefined> {
    if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const stored = parseStored(await this.options.facts.get(sessionKey(token)));
    if (!stored) return undefined;
    const account = await this.options.accounts.get(stored.name);
    if (!account || account.generation !== stored.generation) {
      await this.options.facts.delete(sessionKey(token));
      return undefined;
    }
    return { name: stored.name, csrf: stored.csrf };
  }

  async signOut(token: string, name: string): Promise<void> {
    await this.options.facts.delete(sessionKey(token));
    await this.options.audit.record(name, "signed-out");
  }
}

function sessionKey(token: string): string {
  return `staff-session:${createHash("sha256").update(token).digest("base64url")}`;
}

function parseStored(value: string | undefined): StoredSession | undefined {
  if (!value) return undefined;
  try {
    const parsed = storedSessionSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
