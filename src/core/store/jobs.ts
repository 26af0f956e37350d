/**
 * Background work that must happen even if this process dies: notifying staff, telling a person
 * what staff did, sweeping old cases. A job has an id; adding one whose id is already waiting,
 * running or recently done adds nothing, so effects may add their jobs again after a crash. A
 * failed job is tried again with exponential backoff; after the last try it stays visible
 * (`failed`) and can be retried by hand. Redis runs them with BullMQ, memory in this process.
 */
export interface JobQueue {
  add(queue: QueueName, id: string, payload: unknown, options?: { delayMs?: number }): Promise<void>;
  /** Runs a queue's jobs in this process (the payload is the caller's to check). */
  work(queue: QueueName, run: (payload: unknown, job: JobInfo) => Promise<void>): JobWorker;
  /** A job added every `everyMs`, once across all replicas sharing the queue. */
  every(queue: QueueName, id: string, everyMs: number, payload: unknown): Promise<void>;
  /** Jobs that failed their last try, newest first. */
  failed(queue: QueueName, limit: number): Promise<FailedJob[]>;
  /** Tries a failed job again; false when there is no such failed job. */
  retry(queue: QueueName, id: string): Promise<boolean>;
  /** How many jobs of a queue are in each state now: for metrics, read when they are scraped. */
  counts(queue: QueueName): Promise<QueueCounts>;
  close(): Promise<void>;
}

/**
 * The queues, each with its own retry policy and concurrency. `staff`: messages to the staff group
 * (one at a time, in order); `webhook`: signed POSTs to the office's system; `person`: what staff
 * did, told to the person; `whatsapp`: what must be sent from the replica that holds the number;
 * `upkeep`: reminders and purging of old contacts.
 */
export const QUEUES = ["staff", "webhook", "person", "whatsapp", "upkeep"] as const;
export type QueueName = (typeof QUEUES)[number];

export interface QueuePolicy {
  attempts: number;
  /** The first retry's wait; each next one waits twice as long. */
  backoffMs: number;
  concurrency: number;
}

export const DEFAULT_POLICIES: Record<QueueName, QueuePolicy> = {
  staff: { attempts: 8, backoffMs: 5_000, concurrency: 1 },
  webhook: { attempts: 8, backoffMs: 10_000, concurrency: 2 },
  person: { attempts: 10, backoffMs: 2_000, concurrency: 1 },
  whatsapp: { attempts: 10, backoffMs: 5_000, concurrency: 1 },
  upkeep: { attempts: 3, backoffMs: 30_000, concurrency: 1 },
};

export interface JobInfo {
  id: string;
  /** 1 on the first try. */
  attempt: number;
  /** Whether this is the last try: a failure now is final. */
  last: boolean;
}

/** A queue's jobs by state; a queue's depth is `waiting + delayed + active`. */
export interface QueueCounts {
  /** Ready to run, nobody running them yet. */
  waiting: number;
  /** Waiting for their time: a delay, or the backoff before another try. */
  delayed: number;
  active: number;
  /** Failed their last try and kept, to be retried by hand. */
  failed: number;
}

export interface JobWorker {
  close(): Promise<void>;
}

export interface FailedJob {
  queue: QueueName;
  id: string;
  reason: string;
  attempts: number;
  failedAt: string;
}
