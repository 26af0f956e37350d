import type { Channel } from "../../src/channels/port.js";
import type { Address, OutboundMessage } from "../../src/core/engine/messages.js";
import type { Language } from "../../src/core/i18n/languages.js";
import { DEFAULT_POLICIES, type QueueName, type QueuePolicy } from "../../src/core/store/jobs.js";
import { MemoryJobQueue } from "../../src/core/store/memory/jobs.js";
import type { RecordStore } from "../../src/core/store/records.js";
import { startWork } from "../../src/runtime/work.js";
import { CASES_ON, type EngineTestOptions, engineOn, memoryStore, quiet } from "./puente.js";

/** Retries in milliseconds instead of seconds: tests wait for jobs, not for backoff. */
export const FAST_POLICIES: Record<QueueName, QueuePolicy> = Object.fromEntries(
  Object.entries(DEFAULT_POLICIES).map(([queue, policy]) => [queue, { ...policy, backoffMs: 20 }]),
) as Record<QueueName, QueuePolicy>;

/** A channel that keeps what is pushed to it, for the "test" channel kind the engine tests use. */
export class PushedMessages implements Channel {
  readonly kind = "test" as const;
  readonly pushed: Array<{ chatId: string; messages: OutboundMessage[]; language: Language | undefined }> = [];

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async send(chatId: string, messages: OutboundMessage[], language?: Language): Promise<boolean> {
    this.pushed.push({ chatId, messages, language });
    return true;
  }

  /** The texts pushed to a chat so far, prompts included. */
  to(chatId: string): string[] {
    return this.pushed.filter((push) => push.chatId === chatId).flatMap((push) => push.messages.map((m) => m.text));
  }
}

/**
 * The engine with hand-off on, in memory: cases, jobs that run (the person's queue through the
 * engine, upkeep), and a channel that records pushes. Staff act through `cases`.
 */
export function handoffRig(
  overrides: Record<string, string> = {},
  options: EngineTestOptions & { sessions?: RecordStore } = {},
) {
  const jobs = new MemoryJobQueue(FAST_POLICIES);
  const core = engineOn(
    options.sessions ?? memoryStore(),
    { ...CASES_ON, ...overrides },
    {
      ...options,
      stores: { jobs, ...options.stores },
    },
  );
  const channel = new PushedMessages();
  core.channels.add(channel);
  const stop = startWork({
    engine: core.engine,
    cases: core.cases,
    jobs,
    office: core.office,
    notifier: undefined,
    webhook: undefined,
    reminderMs: 0,
    logger: quiet,
    recoverEveryMs: 60_000,
  });
  return { ...core, jobs, channel, stop };
}

/** Waits until a condition holds, checking every few milliseconds. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what = "condition",
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export type { Address };
