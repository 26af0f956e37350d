import { randomUUID } from "node:crypto";
import type { RedisClient } from "./redis/client.js";
import { call } from "./redis/client.js";

/**
 * The right to hold the one WhatsApp session of a number. Two replicas logged in at once would
 * fight over the session (WhatsApp closes one, messages go to whichever is linked), so exactly one
 * process holds this lease at a time, and keeps it only while it keeps renewing.
 */
export interface Lease {
  /** Tries once to take the lease; true when this holder now has it. */
  acquire(): Promise<boolean>;
  /** Extends the lease; true only if it was still ours (it may have expired and been taken). */
  renew(): Promise<boolean>;
  /** Gives the lease up at once, so another replica need not wait for the expiry; only if ours. */
  release(): Promise<void>;
  /** Who this instance is, as written in the lease. */
  readonly holder: string;
}

/**
 * Renew and release must compare the holder and act in one step: a GET then PEXPIRE/DEL from the
 * client could touch a lease that expired and was taken by another replica in between.
 */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type RedisWithLease = RedisClient & {
  puenteLeaseRenew(key: string, holder: string, ttlMs: string): Promise<number>;
  puenteLeaseRelease(key: string, holder: string): Promise<number>;
};

/**
 * A lease in Redis at `<prefix>:lease:<name>`, whose value names the holder and whose expiry is
 * the ttl: a holder that dies simply stops renewing and the key vanishes for the next one.
 * Give the LeaseKeeper the same ttl, so it renews well before the key expires.
 */
export class RedisLease implements Lease {
  /** Random per instance: two processes (or two leases in one test) never share an identity. */
  readonly holder = randomUUID();
  readonly #redis: RedisWithLease;
  readonly #key: string;

  constructor(
    redis: RedisClient,
    prefix: string,
    name: string,
    private readonly ttlMs = 30_000,
  ) {
    redis.defineCommand("puenteLeaseRenew", { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand("puenteLeaseRelease", { numberOfKeys: 1, lua: RELEASE });
    this.#redis = redis as RedisWithLease;
    this.#key = `${prefix}:lease:${name}`;
  }

  async acquire(): Promise<boolean> {
    return (await call(() => this.#redis.set(this.#key, this.holder, "PX", this.ttlMs, "NX"))) === "OK";
  }

  async renew(): Promise<boolean> {
    return (await call(() => this.#redis.puenteLeaseRenew(this.#key, this.holder, String(this.ttlMs)))) === 1;
  }

  async release(): Promise<void> {
    await call(() => this.#redis.puenteLeaseRelease(this.#key, this.holder));
  }
}

/** Memory mode runs a single process, so there is nobody to share the number with. */
export class LocalLease implements Lease {
  readonly holder = "local";

  async acquire(): Promise<boolean> {
    return true;
  }

  async renew(): Promise<boolean> {
    return true;
  }

  async release(): Promise<void> {}
}

export interface LeaseKeeperOptions {
  /** The lease's ttl in Redis; the keeper tries or renews every third of it. */
  ttlMs?: number;
  /**
   * Called when the lease becomes ours (start the WhatsApp session) or stops being ours (close it
   * at once: another replica may already hold it). Called synchronously: start any slow work
   * without awaiting it here, the keeper must keep its rhythm.
   */
  onAcquired(): void;
  onLost(): void;
  /** Redis failures and callback errors, for the log; the keeper keeps going after them. */
  onError?(error: unknown): void;
}

/**
 * Keeps trying to take a lease while it is not ours and keeps renewing it while it is, telling the
 * channel when it gains or loses it. One step at a time (each timer is set when the previous step
 * ends), so a slow Redis never piles up overlapping renewals.
 */
export class LeaseKeeper {
  readonly #lease: Lease;
  readonly #ttlMs: number;
  readonly #intervalMs: number;
  readonly #options: LeaseKeeperOptions;
  #holding = false;
  /** When the last successful acquire or renew was sent: the lease lasts at least ttl from there. */
  #confirmedAt = 0;
  #started = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #step: Promise<void> | undefined;

  constructor(lease: Lease, options: LeaseKeeperOptions) {
    this.#lease = lease;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#intervalMs = Math.max(1, Math.floor(this.#ttlMs / 3));
    this.#options = options;
  }

  get holding(): boolean {
    return this.#holding;
  }

  /** Tries at once, then every third of the ttl. Starting twice does nothing. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#run();
  }

  /**
   * Stops trying and gives the lease back, so another replica takes over without waiting for the
   * expiry. Does not call onLost: the owner is shutting down and closes the session itself.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#step;
    if (!this.#holding) return;
    this.#holding = false;
    // A Redis that does not answer now cannot be helped: the lease then expires on its own.
    await this.#lease.release().catch((error: unknown) => this.#report(error));
  }

  #run(): void {
    this.#timer = undefined;
    this.#step = this.#attempt().finally(() => {
      this.#step = undefined;
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#stopped) return;
    // unref: a keeper alone must not keep the process alive on shutdown.
    this.#timer = setTimeout(() => this.#run(), this.#intervalMs).unref();
  }

  /**
   * One acquire or renew; never rejects, so the rhythm survives any failure. A renewal Redis is
   * slow to answer does not hold the lease meanwhile: once it could have run out (and another
   * replica taken it) it is given up, whatever the answer says later.
   */
  async #attempt(): Promise<void> {
    const sentAt = Date.now();
    const wasHolding = this.#holding;
    const giveUp = wasHolding
      ? setTimeout(() => this.#holding && this.#lose(), this.#confirmedAt + this.#ttlMs - this.#intervalMs - sentAt)
      : undefined;
    let ours: boolean;
    try {
      ours = wasHolding ? await this.#lease.renew() : await this.#lease.acquire();
    } catch (error) {
      this.#report(error);
      if (this.#holding && this.#mayExpireBeforeNextTry()) this.#lose();
      return;
    } finally {
      clearTimeout(giveUp);
    }
    if (ours) this.#confirmedAt = sentAt;
    if (ours && !this.#holding) this.#gain();
    if (!ours && this.#holding) this.#lose();
  }

  /**
   * While Redis fails we cannot renew, but the lease still lasts ttl from the last confirmation.
   * Give it up as soon as it could run out before the next try, so this replica stops before
   * another one can take over, never after.
   */
  #mayExpireBeforeNextTry(): boolean {
    return Date.now() + this.#intervalMs >= this.#confirmedAt + this.#ttlMs;
  }

  #gain(): void {
    this.#holding = true;
    // Taken while stop() waited for this step: keep it marked as ours so stop() releases it,
    // but do not start a session that is about to be shut.
    if (this.#stopped) return;
    this.#notify(this.#options.onAcquired);
  }

  #lose(): void {
    this.#holding = false;
    this.#notify(this.#options.onLost);
  }

  #notify(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#report(error);
    }
  }

  #report(error: unknown): void {
    this.#options.onError?.(error);
  }
}
