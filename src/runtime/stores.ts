import type { Logger } from "pino";
import type { AuditLog } from "../core/store/audit.js";
import type { CaseIndex } from "../core/store/cases.js";
import type { ChatMemory } from "../core/store/chatmemory.js";
import {
  DEFAULT_POLICIES,
  type FailedJob,
  type JobQueue,
  type QueueName,
  type QueuePolicy,
} from "../core/store/jobs.js";
import type { KeyValueStore } from "../core/store/keyvalue.js";
import { type Lease, LocalLease, RedisLease } from "../core/store/lease.js";
import type { RateLimit, RateLimiter } from "../core/store/limits.js";
import type { Mailbox } from "../core/store/mailbox.js";
import { MemoryAuditLog } from "../core/store/memory/audit.js";
import { MemoryCaseIndex } from "../core/store/memory/cases.js";
import { MemoryChatMemory } from "../core/store/memory/chatmemory.js";
import { MemoryJobQueue } from "../core/store/memory/jobs.js";
import { MemoryKeyValueStore } from "../core/store/memory/keyvalue.js";
import { MemoryRateLimiter } from "../core/store/memory/limits.js";
import { MemoryMailbox } from "../core/store/memory/mailbox.js";
import { MemoryRecordStore } from "../core/store/memory/records.js";
import { MemoryResponseStore } from "../core/store/memory/responses.js";
import type { RecordStore } from "../core/store/records.js";
import { RedisAuditLog } from "../core/store/redis/audit.js";
import { RedisCaseIndex } from "../core/store/redis/cases.js";
import { RedisChatMemory } from "../core/store/redis/chatmemory.js";
import { closeRedis, openRedis, type RedisLocation } from "../core/store/redis/client.js";
import { BullJobQueue } from "../core/store/redis/jobs.js";
import { RedisKeyValueStore } from "../core/store/redis/keyvalue.js";
import { RedisRateLimiter } from "../core/store/redis/limits.js";
import { RedisMailbox } from "../core/store/redis/mailbox.js";
import { RedisRecordStore } from "../core/store/redis/records.js";
import { RedisResponseStore } from "../core/store/redis/responses.js";
import type { ResponseStore } from "../core/store/responses.js";
import type { StaffAccounts } from "../staff/accounts/account.js";
import { FileStaffAccounts } from "../staff/accounts/file.js";
import { RedisStaffAccounts } from "../staff/accounts/redis.js";

export interface Stores {
  sessions: RecordStore;
  responses: ResponseStore;
  facts: KeyValueStore;
  /** What channels keep per chat between updates: the last deliveries, the question shown. */
  chats: ChatMemory;
  cases: RecordStore;
  caseIndex: CaseIndex;
  jobs: JobQueue;
  mailbox: Mailbox;
  /** What staff did, append-only. */
  audit: AuditLog;
  /** The dashboard's staff accounts: in Redis, or without it in a file `npm run staff` writes too. */
  accounts: StaffAccounts;
  /** A lease by name: in Redis one holder among all replicas; in memory this process holds it. */
  lease(name: string, ttlMs: number): Lease;
  /** A rate limit by name, counted across replicas in Redis; in memory, in this process. */
  limiter(name: string, limit: RateLimit): RateLimiter;
  kind: "redis" | "memory";
  /** Moves what an older version kept under other key names to today's; returns the flows moved. */
  adoptOldKeys(flows: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

export interface StoreSettings {
  /** One Redis or a cluster; unset: everything in this process's memory. */
  location: RedisLocation | undefined;
  prefix: string;
  /** Retry policies of the job queues (tests shorten the waits). */
  policies?: Record<QueueName, QueuePolicy>;
  /** Where staff accounts are kept when there is no Redis. */
  accountsFile: string;
}

/** Redis when a URL is given (one connection for every store, BullMQ its own), else memory, said loudly. */
export function openStores(
  { location, prefix, policies = DEFAULT_POLICIES, accountsFile }: StoreSettings,
  logger: Logger,
): Stores {
  const failedJob = (failure: FailedJob) =>
    logger.error(
      { queue: failure.queue, job: failure.id, attempts: failure.attempts, err: failure.reason },
      "job failed for good after its last try; staff can retry it",
    );
  if (location) {
    const report = throttled(30_000, (message) => logger.error({ err: message }, "Redis connection problem"));
    const redis = openRedis(location, report);
    const jobs = new BullJobQueue(location, prefix, policies, failedJob, report);
    const responses = new RedisResponseStore(redis, prefix);
    const mailbox = new RedisMailbox(redis, prefix);
    return {
      sessions: new RedisRecordStore(redis, prefix, "s"),
      responses,
      facts: new RedisKeyValueStore(redis, prefix),
      chats: new RedisChatMemory(redis, prefix),
      cases: new RedisRecordStore(redis, prefix, "c"),
      caseIndex: new RedisCaseIndex(redis, prefix),
      jobs,
      mailbox,
      audit: new RedisAuditLog(redis, prefix),
      accounts: new RedisStaffAccounts(redis, prefix),
      lease: (name, ttlMs) => new RedisLease(redis, prefix, name, ttlMs),
      limiter: (name, limit) => new RedisRateLimiter(redis, prefix, name, limit),
      kind: "redis",
      adoptOldKeys: (flows) => responses.adoptUntagged(flows),
      close: async () => {
        await jobs.close();
        await mailbox.close();
        await closeRedis(redis);
      },
    };
  }
  logger.warn(
    "REDIS_URL is not set: sessions, responses and cases are kept in memory and lost on restart. Good for trying the bot, never for production.",
  );
  const sessions = new MemoryRecordStore();
  const cases = new MemoryRecordStore();
  const facts = new MemoryKeyValueStore();
  const chats = new MemoryChatMemory();
  const jobs = new MemoryJobQueue(policies, failedJob);
  const mailbox = new MemoryMailbox();
  return {
    sessions,
    responses: new MemoryResponseStore(),
    facts,
    chats,
    cases,
    caseIndex: new MemoryCaseIndex(),
    jobs,
    mailbox,
    audit: new MemoryAuditLog(),
    accounts: new FileStaffAccounts(accountsFile),
    lease: () => new LocalLease(),
    limiter: (name, limit) => new MemoryRateLimiter(name, limit),
    kind: "memory",
    adoptOldKeys: async () => [],
    close: async () => {
      await jobs.close();
      await mailbox.close();
      facts.close();
      chats.close();
      await sessions.close();
      await cases.close();
    },
  };
}

/** Calls `report` at most once per period: a Redis outage must not flood the log. */
function throttled(periodMs: number, report: (message: string) => void): (message: string) => void {
  let last = 0;
  return (message) => {
    const now = Date.now();
    if (now - last < periodMs) return;
    last = now;
    report(message);
  };
}
