import { Queue } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import {
  DEFAULT_POLICIES,
  type FailedJob,
  type JobQueue,
  type QueueName,
  type QueuePolicy,
} from "../src/core/store/jobs.js";
import { MemoryJobQueue } from "../src/core/store/memory/jobs.js";
import { BullJobQueue } from "../src/core/store/redis/jobs.js";
import { until } from "./support/handoff.js";
import { dropPrefix, testPrefix } from "./support/puente.js";
import { adminRedis, TEST_REDIS } from "./support/redis.js";

/** One contract, both backends: what cases and notifications rely on from the job queue. */
const policies: Record<QueueName, QueuePolicy> = {
  ...DEFAULT_POLICIES,
  staff: { attempts: 3, backoffMs: 30, concurrency: 1 },
  webhook: { attempts: 3, backoffMs: 30, concurrency: 2 },
};

const prefixes: string[] = [];
const queues: JobQueue[] = [];
afterAll(async () => {
  for (const queue of queues) await queue.close();
  for (const prefix of prefixes) await dropPrefix(prefix);
});

const backends: Array<[string, (failed: FailedJob[]) => JobQueue]> = [
  ["memory", (failed) => new MemoryJobQueue(policies, (failure) => failed.push(failure))],
  [
    "bullmq",
    (failed) => {
      const prefix = testPrefix("jobs");
      prefixes.push(prefix);
      return new BullJobQueue(TEST_REDIS, prefix, policies, (failure) => failed.push(failure));
    },
  ],
];

describe.each(backends)("job queue contract: %s", (_, open) => {
  const failures: FailedJob[] = [];
  const jobs = open(failures);
  queues.push(jobs);

  it("runs a job once, even when it is added again with the same id", async () => {
    const ran: unknown[] = [];
    const worker = jobs.work("person", async (payload) => void ran.push(payload));
    await jobs.add("person", "once-1", { n: 1 });
    await jobs.add("person", "once-1", { n: 2 });
    await until(() => ran.length >= 1, "the job");
    await jobs.add("person", "once-1", { n: 3 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(ran).toEqual([{ n: 1 }]);
    await worker.close();
  });

  it("tries a failing job again, telling the worker which try it is, until it succeeds", async () => {
    const tries: Array<{ attempt: number; last: boolean }> = [];
    const worker = jobs.work("staff", async (_payload, info) => {
      tries.push({ attempt: info.attempt, last: info.last });
      if (info.attempt < 3) throw new Error("not yet");
    });
    await jobs.add("staff", "flaky-1", {});
    await until(() => tries.length === 3, "three tries");
    expect(tries).toEqual([
      { attempt: 1, last: false },
      { attempt: 2, last: false },
      { attempt: 3, last: true },
    ]);
    expect(await jobs.failed("staff", 10)).toEqual([]);
    await worker.close();
  });

  it("keeps a job that failed its last try visible, says so once, and can retry it by hand", async () => {
    let succeed = false;
    let runs = 0;
    const worker = jobs.work("webhook", async () => {
      runs++;
      if (!succeed) throw new Error("the receiver answered 500");
    });
    await jobs.add("webhook", "doomed-1", { event: "x" });
    await until(async () => (await jobs.failed("webhook", 10)).length === 1, "the failure");
    expect(runs).toBe(3);
    const [failed] = await jobs.failed("webhook", 10);
    expect(failed).toMatchObject({
      queue: "webhook",
      id: "doomed-1",
      reason: "the receiver answered 500",
      attempts: 3,
    });
    expect(failures.filter((failure) => failure.id === "doomed-1")).toHaveLength(1);
    succeed = true;
    expect(await jobs.retry("webhook", "doomed-1")).toBe(true);
    await until(() => runs === 4, "the retry");
    await until(async () => (await jobs.failed("webhook", 10)).length === 0, "no failure left");
    expect(await jobs.retry("webhook", "no-such-job")).toBe(false);
    await worker.close();
  });

  it("waits for a delay before running a job", async () => {
    let ranAt = 0;
    const worker = jobs.work("upkeep", async () => {
      ranAt = Date.now();
    });
    const addedAt = Date.now();
    await jobs.add("upkeep", "later-1", {}, { delayMs: 300 });
    await until(() => ranAt > 0, "the delayed job");
    expect(ranAt - addedAt).toBeGreaterThanOrEqual(280);
    await worker.close();
  });

  it("adds a repeatable job every so often", async () => {
    let runs = 0;
    const worker = jobs.work("whatsapp", async () => {
      runs++;
    });
    await jobs.every("whatsapp", "tick", 100, { type: "sweep" });
    await until(() => runs >= 2, "two rounds", 5_000);
    await worker.close();
  });
});

describe("repeatable jobs across replicas (BullMQ)", () => {
  it("are one schedule, with one job waiting, however many replicas schedule them", async () => {
    const prefix = testPrefix("jobs-repeat");
    prefixes.push(prefix);
    const replicas = [new BullJobQueue(TEST_REDIS, prefix, policies), new BullJobQueue(TEST_REDIS, prefix, policies)];
    queues.push(...replicas);
    for (const replica of replicas) await replica.every("upkeep", "sweep", 60_000, { type: "sweep" });
    await replicas[0]?.every("upkeep", "sweep", 60_000, { type: "sweep" });
    const connection = adminRedis();
    const queue = new Queue("upkeep", { connection, prefix: `{${prefix}:jobs}` });
    expect(await queue.getJobSchedulers()).toHaveLength(1);
    const counts = await queue.getJobCounts("delayed", "waiting");
    expect((counts.delayed ?? 0) + (counts.waiting ?? 0)).toBe(1);
    await queue.close();
    await connection.quit();
  });
});
