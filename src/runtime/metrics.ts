import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ChannelKind } from "../core/engine/messages.js";
import { type EngineObserver, REPLY_KINDS, type ReplyKind } from "../core/engine/observer.js";
import type { CaseIndex } from "../core/store/cases.js";
import {
  type FailedJob,
  type JobInfo,
  type JobQueue,
  type JobWorker,
  QUEUES,
  type QueueCounts,
  type QueueName,
} from "../core/store/jobs.js";

/** Where the gauges are read, when Prometheus scrapes (never on a message's way). */
export interface MetricSources {
  jobs: JobQueue;
  caseIndex: CaseIndex;
}

/** What the stores said at one scrape; undefined when they did not answer. */
interface Snapshot {
  queues: Array<[QueueName, QueueCounts]>;
  waitingCases: number;
}

/** Handling a message takes a few Redis round trips; a store that does not answer, 3 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Puente's metrics in Prometheus's format, in a registry of this instance (tests start several
 * in one process). Anonymity: labels are only channel kinds, reply kinds, queue names and states,
 * never a chat, a case or a text. Counters are one in-memory increment on the message's way;
 * gauges (queue depth, open cases) are read from the stores when scraped. Counters count this
 * process; gauges read the shared stores, so every replica reports the same queue depth.
 */
export class PuenteMetrics implements EngineObserver {
  readonly registry = new Registry();
  readonly #messagesIn: Counter<"channel">;
  readonly #messagesOut: Counter<"channel">;
  readonly #replies: Counter<"kind">;
  readonly #messageFailures: Counter<"channel">;
  readonly #jobFailures: Counter<"queue">;
  readonly #latency: Histogram<"channel">;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#messagesIn = new Counter({
      name: "puente_messages_in_total",
      help: "Messages people sent that this process handled, by channel kind.",
      labelNames: ["channel"],
      registers,
    });
    this.#messagesOut = new Counter({
      name: "puente_messages_out_total",
      help: "Messages to people by channel kind: replies, and pushes (staff wrote, a case changed).",
      labelNames: ["channel"],
      registers,
    });
    this.#replies = new Counter({
      name: "puente_replies_total",
      help: "Replies by kind: question, menu, done, relay, text, reprompt (nothing taken), try-again.",
      labelNames: ["kind"],
      registers,
    });
    this.#messageFailures = new Counter({
      name: "puente_message_failures_total",
      help: "Messages not handled, by channel kind: handling threw, or the person was asked to try again.",
      labelNames: ["channel"],
      registers,
    });
    this.#jobFailures = new Counter({
      name: "puente_job_failures_total",
      help: "Tries of background jobs that failed in this process, by queue (retried with backoff).",
      labelNames: ["queue"],
      registers,
    });
    this.#latency = new Histogram({
      name: "puente_message_handling_seconds",
      help: "Time from a message's arrival at the engine to its reply, by channel kind.",
      labelNames: ["channel"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    // Known label values start at 0, so a rate is defined before the first event.
    for (const kind of REPLY_KINDS) this.#replies.inc({ kind }, 0);
    for (const queue of QUEUES) this.#jobFailures.inc({ queue }, 0);
    this.#gauges(sources);
  }

  handled(channel: ChannelKind, kind: ReplyKind, messages: number, seconds: number): void {
    this.#messagesIn.inc({ channel });
    this.#messagesOut.inc({ channel }, messages);
    this.#replies.inc({ kind });
    if (kind === "try-again") this.#messageFailures.inc({ channel });
    this.#latency.observe({ channel }, seconds);
  }

  failed(channel: ChannelKind, seconds: number): void {
    this.#messagesIn.inc({ channel });
    this.#messageFailures.inc({ channel });
    this.#latency.observe({ channel }, seconds);
  }

  pushed(channel: ChannelKind, messages: number): void {
    this.#messagesOut.inc({ channel }, messages);
  }

  jobFailed(queue: QueueName): void {
    this.#jobFailures.inc({ queue });
  }

  /** The job queue whose workers' failed tries are counted here; everything else passes through. */
  countFailures(jobs: JobQueue): JobQueue {
    return new FailureCountingJobs(jobs, (queue) => this.jobFailed(queue));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text; the gauges read the stores now. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  #gauges({ jobs, caseIndex }: MetricSources): void {
    const registers = [this.registry];
    const snapshot = shared(() => readSnapshot(jobs, caseIndex));
    new Gauge({
      name: "puente_store_up",
      help: "1 when the store (Redis, or memory) answered the reads of this scrape, else 0.",
      registers,
      async collect() {
        this.set((await snapshot()) ? 1 : 0);
      },
    });
    new Gauge({
      name: "puente_queue_depth",
      help: "Jobs waiting, delayed (a delay or a backoff) or running, by queue; absent when the store does not answer.",
      labelNames: ["queue"],
      registers,
      async collect() {
        const read = await snapshot();
        this.reset();
        for (const [queue, counts] of read?.queues ?? [])
          this.set({ queue }, counts.waiting + counts.delayed + counts.active);
      },
    });
    new Gauge({
      name: "puente_queue_failed",
      help: "Jobs that failed their last try and are kept for a retry by hand, by queue.",
      labelNames: ["queue"],
      registers,
      async collect() {
        const read = await snapshot();
        this.reset();
        for (const [queue, counts] of read?.queues ?? []) this.set({ queue }, counts.failed);
      },
    });
    new Gauge({
      name: "puente_cases_open",
      help: "Hand-off cases open, by state: waiting (nobody took them yet).",
      labelNames: ["state"],
      registers,
      async collect() {
        const read = await snapshot();
        this.reset();
        if (read) this.set({ state: "waiting" }, read.waitingCases);
      },
    });
  }
}

/** Every queue's counts and the waiting cases, at once; undefined when the store does not answer. */
async function readSnapshot(jobs: JobQueue, caseIndex: CaseIndex): Promise<Snapshot | undefined> {
  try {
    const [queues, waitingCases] = await Promise.all([
      Promise.all(QUEUES.map(async (queue): Promise<[QueueName, QueueCounts]> => [queue, await jobs.counts(queue)])),
      caseIndex.count("waiting"),
    ]);
    return { queues, waitingCases };
  } catch {
    // Redis away: its connection problem is logged where it happens; the scrape says store_up 0.
    return undefined;
  }
}

/**
 * One read at a time, shared by whoever asks while it runs: prom-client collects every gauge of a
 * scrape at once, and they all need the same reading of the stores.
 */
function shared<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/** A job queue whose workers report each failed try before it goes on to its retry policy. */
class FailureCountingJobs implements JobQueue {
  constructor(
    private readonly jobs: JobQueue,
    private readonly onFailure: (queue: QueueName) => void,
  ) {}

  add(queue: QueueName, id: string, payload: unknown, options?: { delayMs?: number }): Promise<void> {
    return this.jobs.add(queue, id, payload, options);
  }

  work(queue: QueueName, run: (payload: unknown, job: JobInfo) => Promise<void>): JobWorker {
    return this.jobs.work(queue, async (payload, job) => {
      try {
        await run(payload, job);
      } catch (error) {
        this.onFailure(queue);
        throw error;
      }
    });
  }

  every(queue: QueueName, id: string, everyMs: number, payload: unknown): Promise<void> {
    return this.jobs.every(queue, id, everyMs, payload);
  }

  failed(queue: QueueName, limit: number): Promise<FailedJob[]> {
    return this.jobs.failed(queue, limit);
  }

  retry(queue: QueueName, id: string): Promise<boolean> {
    return this.jobs.retry(queue, id);
  }

  counts(queue: QueueName): Promise<QueueCounts> {
    return this.jobs.counts(queue);
  }

  close(): Promise<void> {
    return this.jobs.close();
  }
}
