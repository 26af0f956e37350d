import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { type Lease, LeaseKeeper, LocalLease, RedisLease } from "../src/core/store/lease.js";
import { closeRedis, openRedis, type RedisClient } from "../src/core/store/redis/client.js";
import { dropPrefix, testPrefix } from "./support/puente.js";
import { TEST_REDIS } from "./support/redis.js";

/**
 * One owner per number: of several replicas, exactly one holds the WhatsApp session by a lease in
 * Redis that it renews, and another takes over when the holder dies or leaves.
 */
const prefix = testPrefix("whatsapp-lease");
const connections: RedisClient[] = [];
const keepers: LeaseKeeper[] = [];

/** Each replica has its own connection, as separate processes would. */
function connect(): RedisClient {
  const redis = openRedis(TEST_REDIS);
  connections.push(redis);
  return redis;
}

/** A keeper that records when its callbacks fire. */
function keeper(lease: Lease, ttlMs: number) {
  const events = { acquired: [] as number[], lost: [] as number[] };
  const kept = new LeaseKeeper(lease, {
    ttlMs,
    onAcquired: () => events.acquired.push(Date.now()),
    onLost: () => events.lost.push(Date.now()),
  });
  keepers.push(kept);
  return { keeper: kept, events };
}

function waitUntil(condition: () => boolean, timeout = 3000): Promise<void> {
  return vi.waitFor(
    () => {
      if (!condition()) throw new Error("not yet");
    },
    { timeout, interval: 20 },
  );
}

afterEach(async () => {
  for (const kept of keepers.splice(0)) await kept.stop();
});

afterAll(async () => {
  for (const redis of connections) await closeRedis(redis);
  await dropPrefix(prefix);
});

describe("RedisLease", () => {
  it("lets only one of two holders acquire; the other can neither renew nor release it", async () => {
    const a = new RedisLease(connect(), prefix, "one-key", 800);
    const b = new RedisLease(connect(), prefix, "one-key", 800);
    expect(a.holder).not.toBe(b.holder);

    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect(await b.renew()).toBe(false);
    await b.release();

    const redis = connect();
    expect(await redis.get(`${prefix}:lease:one-key`)).toBe(a.holder);
    expect(await a.renew()).toBe(true);

    await a.release();
    expect(await redis.exists(`${prefix}:lease:one-key`)).toBe(0);
    expect(await b.acquire()).toBe(true);
  });

  it("renew puts the expiry back to the full ttl", async () => {
    const redis = connect();
    const lease = new RedisLease(redis, prefix, "renew", 800);
    expect(await lease.acquire()).toBe(true);
    await redis.pexpire(`${prefix}:lease:renew`, 100);
    expect(await lease.renew()).toBe(true);
    expect(await redis.pttl(`${prefix}:lease:renew`)).toBeGreaterThan(500);
  });
});

describe("LeaseKeeper", () => {
  it("takes over once a dead holder's lease expires, and not before", async () => {
    const ttl = 600;
    const dead = new RedisLease(connect(), prefix, "expiry", ttl);
    expect(await dead.acquire()).toBe(true);
    const takenAt = Date.now();

    const other = keeper(new RedisLease(connect(), prefix, "expiry", ttl), ttl);
    other.keeper.start();
    await waitUntil(() => other.events.acquired.length === 1);
    expect(other.keeper.holding).toBe(true);
    // Redis expiry is precise to about a millisecond; allow a little for clock reading.
    expect((other.events.acquired[0] ?? 0) - takenAt).toBeGreaterThanOrEqual(ttl - 20);
  });

  it("when the holder's Redis goes away, it gives up before the other takes over", async () => {
    const ttl = 600;
    const holderConnection = connect();
    const holder = keeper(new RedisLease(holderConnection, prefix, "death", ttl), ttl);
    holder.keeper.start();
    await waitUntil(() => holder.events.acquired.length === 1);

    const other = keeper(new RedisLease(connect(), prefix, "death", ttl), ttl);
    other.keeper.start();
    holderConnection.disconnect();

    await waitUntil(() => other.events.acquired.length === 1);
    expect(holder.events.lost).toHaveLength(1);
    expect(holder.events.lost[0] ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(other.events.acquired[0] ?? 0);
  });

  it("gives the lease up while a renewal hangs (Redis stalled, not down), before it could run out", async () => {
    const ttl = 600;
    let stalled = false;
    // Answers, but only after three ttls: as a stalled Redis does before the command times out.
    const late = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 3 * ttl));
    const lease: Lease = {
      holder: "stalled",
      acquire: async () => true,
      renew: () => (stalled ? late() : Promise.resolve(true)),
      release: async () => {},
    };
    const held = keeper(lease, ttl);
    held.keeper.start();
    await waitUntil(() => held.events.acquired.length === 1);
    await new Promise((resolve) => setTimeout(resolve, ttl / 2));
    stalled = true;
    const stalledAt = Date.now();
    await waitUntil(() => held.events.lost.length === 1);
    // The last confirmed renewal was at most a third of the ttl before the stall.
    expect((held.events.lost[0] ?? Number.POSITIVE_INFINITY) - stalledAt).toBeLessThan(ttl);
    expect(held.keeper.holding).toBe(false);
  });

  it("calls onLost when a renewal finds the lease in another's hands", async () => {
    const ttl = 600;
    const redis = connect();
    const holder = keeper(new RedisLease(redis, prefix, "stolen", ttl), ttl);
    holder.keeper.start();
    await waitUntil(() => holder.events.acquired.length === 1);

    await redis.set(`${prefix}:lease:stolen`, "someone-else", "PX", 5000);
    await waitUntil(() => holder.events.lost.length === 1);
    expect(holder.keeper.holding).toBe(false);
  });

  it("of two keepers started at once, exactly one acquires", async () => {
    const ttl = 300;
    const first = keeper(new RedisLease(connect(), prefix, "race", ttl), ttl);
    const second = keeper(new RedisLease(connect(), prefix, "race", ttl), ttl);
    first.keeper.start();
    second.keeper.start();

    await waitUntil(() => first.events.acquired.length + second.events.acquired.length > 0);
    // A few renewal rounds: the holder keeps it and the other never gets it.
    await new Promise((resolve) => setTimeout(resolve, ttl + 100));
    expect(first.events.acquired.length + second.events.acquired.length).toBe(1);
    expect(first.events.lost.length + second.events.lost.length).toBe(0);
    expect([first.keeper.holding, second.keeper.holding].filter(Boolean)).toHaveLength(1);
  });

  it("stop() releases, so the other acquires well before the ttl", async () => {
    const ttl = 800;
    const redis = connect();
    const held = new RedisLease(redis, prefix, "handover", ttl);
    const holder = keeper(held, ttl);
    holder.keeper.start();
    await waitUntil(() => holder.events.acquired.length === 1);
    const other = keeper(new RedisLease(connect(), prefix, "handover", ttl), ttl);
    other.keeper.start();
    await waitUntil(() => !other.keeper.holding);

    const stoppedAt = Date.now();
    await holder.keeper.stop();
    // Gone, or already the other's: its first try (a new connection) may land right after the release.
    expect(await redis.get(`${prefix}:lease:handover`)).not.toBe(held.holder);
    await waitUntil(() => other.events.acquired.length === 1);
    expect((other.events.acquired[0] ?? Number.POSITIVE_INFINITY) - stoppedAt).toBeLessThan(ttl - 100);
    // Leaving on purpose is not a loss.
    expect(holder.events.lost).toHaveLength(0);
  });

  it("with a LocalLease (memory mode) acquires at once", async () => {
    const local = keeper(new LocalLease(), 300);
    local.keeper.start();
    await waitUntil(() => local.events.acquired.length === 1);
    expect(local.keeper.holding).toBe(true);
  });
});
