import { type Job, Queue, Worker } from "bullmq";
import {
  DEFAULT_POLICIES,
  type FailedJob,
  type JobInfo,
  type JobQueue,
  type JobWorker,
  type QueueCounts,
  type QueueName,
  type QueuePolicy,
} from "../jobs.js";
import { call, closeRedis, openRedis, type RedisClient, type RedisLocation } from "./client.js";

/**
 * Jobs in Redis with BullMQ: one BullMQ queue per queue name under the prefix
 * `{<prefix>:jobs}` — a hash tag, so on Redis Cluster every key of a queue shares a slot, as
 * BullMQ requires. Completed jobs are kept an hour without their data (adding the same id again
 * within it adds nothing), failed ones two weeks (visible to staff, retried by hand).
 */
export class BullJobQueue implements JobQueue {
  readonly #queues = new Map<QueueName, Queue>();
  readonly #workers = new Set<Worker>();
  /** Adds fail fast when Redis is away (the effect that adds stays in its outbox). */
  readonly #producer: RedisClient;
  /** Workers wait on Redis with blocking commands: no timeout, no retry limit (BullMQ's requirement). */
  readonly #consumer: RedisClient;
  readonly #prefix: string;

  constructor(
    location: RedisLocation | string,
    prefix: string,
    private readonly policies: Record<QueueName, QueuePolicy> = DEFAULT_POLICIES,
    private readonly onFinalFailure: (failure: FailedJob) => void = () => {},
    private readonly onError: (message: string) => void = () => {},
  ) {
    this.#producer = openRedis(location, onError, { enableAutoPipelining: false });
    this.#consumer = openRedis(location, onError, {
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
      enableAutoPipelining: false,
    });
    this.#prefix = `{${prefix}:jobs}`;
  }

  async add(queue: QueueName, id: string, payload: unknown, options: { delayMs?: number } = {}): Promise<void> {
    const policy = this.policies[queue];
    await call(() =>
      this.#queue(queue).add(queue, payload, {
        jobId: jobId(id),
        attempts: policy.attempts,
        backoff: { type: "exponential", delay: policy.backoffMs },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 14 * 24 * 3600 },
        ...(options.delayMs ? { delay: options.delayMs } : {}),
      }),
    );
  }

  work(queue: QueueName, run: (payload: unknown, job: JobInfo) => Promise<void>): JobWorker {
    const policy = this.policies[queue];
    const worker = new Worker(
      queue,
      async (job: Job) => {
        const attempt = job.attemptsMade + 1;
        await run(job.data, { id: job.id ?? "", attempt, last: attempt >= policy.attempts });
        // A done job is kept an hour by its id only (so adding it again adds nothing): its data goes now.
        await job.updateData({}).catch(() => undefined);
      },
      { connection: this.#consumer, prefix: this.#prefix, concurrency: policy.concurrency },
    );
    worker.on("failed", (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1))
        this.onFinalFailure({
          queue,
          id: job.id ?? "",
          reason: error.message,
          attempts: job.attemptsMade,
          failedAt: new Date(job.finishedOn ?? Date.now()).toISOString(),
        });
    });
    worker.on("error", (error) => this.onError(error.message));
    this.#workers.add(worker);
    return {
      close: async () => {
        this.#workers.delete(worker);
        await worker.close();
      },
    };
  }

  async every(queue: QueueName, id: string, everyMs: number, payload: unknown): Promise<void> {
    await call(() =>
      this.#queue(queue).upsertJobScheduler(
        jobId(id),
        { every: everyMs },
        { name: queue, data: payload, opts: { removeOnComplete: true, removeOnFail: { age: 24 * 3600 } } },
      ),
    );
  }

  async failed(queue: QueueName, limit: number): Promise<FailedJob[]> {
    const jobs = await call(() => this.#queue(queue).getFailed(0, limit - 1));
    return jobs.map((job) => ({
      queue,
      id: job.id ?? "",
      reason: job.failedReason,
      attempts: job.attemptsMade,
      failedAt: new Date(job.finishedOn ?? 0).toISOString(),
    }));
  }

  async retry(queue: QueueName, id: string): Promise<boolean> {
    const job = await call(() => this.#queue(queue).getJob(jobId(id)));
    if (!job || !(await job.isFailed())) return false;
    await call(() => job.retry("failed"));
    return true;
  }

  async counts(queue: QueueName): Promise<QueueCounts> {
    const counts = await call(() =>
      this.#queue(queue).getJobCounts("waiting", "prioritized", "delayed", "active", "failed"),
    );
    const count = (state: string) => counts[state] ?? 0;
    return {
      // Prioritized jobs wait too, only in a list of their own (this program sets no priority, yet).
      waiting: count("waiting") + count("prioritized"),
      delayed: count("delayed"),
      active: count("active"),
      failed: count("failed"),
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#workers].map((worker) => worker.close()));
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    await closeRedis(this.#producer);
    await closeRedis(this.#consumer);
  }

  #queue(name: QueueName): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.#producer, prefix: this.#prefix });
      queue.on("error", (error) => this.onError(error.message));
      this.#queues.set(name, queue);
    }
    return queue;
  }
}

/** BullMQ refuses ids with ":" and ids that are whole numbers. */
function jobId(id: string): string {
  const safe = id.replace(/:/g, "_");
  return /^\d+$/.test(safe) ? `j${safe}` : safe;
}
