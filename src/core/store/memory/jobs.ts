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

interface Job {
  id: string;
  payload: unknown;
  tries: number;
  readyAt: number;
}

interface QueueState {
  waiting: Job[];
  running: number;
  /** Ids waiting, running or done within the last hour: adding one of them adds nothing. */
  known: Map<string, number>;
  failed: Map<string, { job: Job; failure: FailedJob }>;
  runners: Array<(payload: unknown, job: JobInfo) => Promise<void>>;
  timer: NodeJS.Timeout | undefined;
}

const REMEMBER_DONE_MS = 3_600_000;

/** Jobs in this process: the same promises as BullMQ's, for trying the bot; lost on restart. */
export class MemoryJobQueue implements JobQueue {
  readonly #queues = new Map<QueueName, QueueState>();
  readonly #repeats = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(
    private readonly policies: Record<QueueName, QueuePolicy> = DEFAULT_POLICIES,
    private readonly onFinalFailure: (failure: FailedJob) => void = () => {},
  ) {}

  async add(queue: QueueName, id: string, payload: unknown, options: { delayMs?: number } = {}): Promise<void> {
    const state = this.#state(queue);
    const now = Date.now();
    for (const [known, doneAt] of state.known)
      if (doneAt > 0 && doneAt < now - REMEMBER_DONE_MS) state.known.delete(known);
    if (state.known.has(id) || state.failed.has(id)) return;
    state.known.set(id, 0);
    state.waiting.push({ id, payload: structuredClone(payload), tries: 0, readyAt: now + (options.delayMs ?? 0) });
    this.#pump(queue);
  }

  work(queue: QueueName, run: (payload: unknown, job: JobInfo) => Promise<void>): JobWorker {
    const state = this.#state(queue);
    state.runners.push(run);
    this.#pump(queue);
    return {
      close: async () => {
        state.runners = state.runners.filter((runner) => runner !== run);
      },
    };
  }

  async every(queue: QueueName, id: string, everyMs: number, payload: unknown): Promise<void> {
    let round = 0;
    const timer = setInterval(() => void this.add(queue, `${id}-${++round}`, payload), everyMs);
    timer.unref();
    this.#repeats.add(timer);
  }

  async failed(queue: QueueName, limit: number): Promise<FailedJob[]> {
    return [...this.#state(queue).failed.values()]
      .map(({ failure }) => failure)
      .sort((a, b) => (a.failedAt < b.failedAt ? 1 : -1))
      .slice(0, limit);
  }

  async retry(queue: QueueName, id: string): Promise<boolean> {
    const state = this.#state(queue);
    const failed = state.failed.get(id);
    if (!failed) return false;
    state.failed.delete(id);
    state.known.set(id, 0);
    state.waiting.push({ ...failed.job, tries: 0, readyAt: Date.now() });
    this.#pump(queue);
    return true;
  }

  async counts(queue: QueueName): Promise<QueueCounts> {
    const state = this.#state(queue);
    const now = Date.now();
    const delayed = state.waiting.filter((job) => job.readyAt > now).length;
    return { waiting: state.waiting.length - delayed, delayed, active: state.running, failed: state.failed.size };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#repeats) clearInterval(timer);
    for (const state of this.#queues.values()) clearTimeout(state.timer);
  }

  #state(queue: QueueName): QueueState {
    let state = this.#queues.get(queue);
    if (!state) {
      state = { waiting: [], running: 0, known: new Map(), failed: new Map(), runners: [], timer: undefined };
      this.#queues.set(queue, state);
    }
    return state;
  }

  #pump(queue: QueueName): void {
    const state = this.#state(queue);
    const policy = this.policies[queue];
    if (this.#closed) return;
    while (state.runners.length > 0 && state.running < policy.concurrency) {
      const now = Date.now();
      const ready = state.waiting.filter((job) => job.readyAt <= now).sort((a, b) => a.readyAt - b.readyAt)[0];
      if (!ready) break;
      state.waiting.splice(state.waiting.indexOf(ready), 1);
      void this.#run(queue, state, policy, ready);
    }
    clearTimeout(state.timer);
    const next = Math.min(...state.waiting.map((job) => job.readyAt));
    if (Number.isFinite(next))
      state.timer = setTimeout(() => this.#pump(queue), Math.max(0, next - Date.now())).unref();
  }

  async #run(queue: QueueName, state: QueueState, policy: QueuePolicy, job: Job): Promise<void> {
    state.running++;
    job.tries++;
    const runner = state.runners[job.tries % state.runners.length] ?? state.runners[0];
    try {
      await runner?.(structuredClone(job.payload), {
        id: job.id,
        attempt: job.tries,
        last: job.tries >= policy.attempts,
      });
      state.known.set(job.id, Date.now());
    } catch (error) {
      if (job.tries >= policy.attempts) {
        state.known.delete(job.id);
        const failure: FailedJob = {
          queue,
          id: job.id,
          reason: (error as Error).message ?? String(error),
          attempts: job.tries,
          failedAt: new Date().toISOString(),
        };
        state.failed.set(job.id, { job, failure });
        this.onFinalFailure(failure);
      } else {
        job.readyAt = Date.now() + policy.backoffMs * 2 ** (job.tries - 1);
        state.waiting.push(job);
      }
    } finally {
      state.running--;
      this.#pump(queue);
    }
  }
}
