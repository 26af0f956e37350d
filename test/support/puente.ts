import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { type Logger, pino } from "pino";
import type { Effect, EffectRunner } from "../../src/core/engine/effects.js";
import type { InboundContent, OutboundMessage } from "../../src/core/engine/messages.js";
import type { Answers } from "../../src/core/flows/schema.js";
import type { Language } from "../../src/core/i18n/languages.js";
import { MemoryCaseIndex } from "../../src/core/store/memory/cases.js";
import { MemoryJobQueue } from "../../src/core/store/memory/jobs.js";
import { MemoryRecordStore } from "../../src/core/store/memory/records.js";
import { MemoryResponseStore } from "../../src/core/store/memory/responses.js";
import type { RecordStore } from "../../src/core/store/records.js";
import { RedisRecordStore } from "../../src/core/store/redis/records.js";
import type { ResponseStore } from "../../src/core/store/responses.js";
import { buildCore, type CoreStores } from "../../src/runtime/app.js";
import { type Config, loadConfig } from "../../src/runtime/config.js";
import { adminRedis, deleteKeys, keysMatching, TEST_REDIS } from "./redis.js";

/** Tests talk to the Redis the machine runs (or the test cluster), each run under a key prefix of its own. */
export { REDIS_URL } from "./redis.js";
export const TEST_SECRET = "test-secret-test-secret-test-secret-0123";
export const TEST_CONTACT_KEY = "test-contact-key-test-contact-key-0123456";
/** What turns hand-off to staff on in a test: a webhook nobody listens to, and a contact key. */
export const CASES_ON = {
  STAFF_WEBHOOK_URL: "http://127.0.0.1:9/hook",
  STAFF_WEBHOOK_SECRET: "test-webhook-secret-test-webhook-secret-01",
  CONTACT_KEY: TEST_CONTACT_KEY,
};
export const quiet = pino({ level: "silent" });

/** A logger at the most talkative level whose lines a test reads back. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: "trace" }, sink), lines };
}

/** Every key under a prefix (and its job queues), with its value as text, for scanning what is kept. */
export async function dumpRedis(prefix: string): Promise<Map<string, string>> {
  const redis = adminRedis();
  const dump = new Map<string, string>();
  for (const pattern of [`${prefix}:*`, `{${prefix}:jobs}:*`]) {
    for (const key of await keysMatching(redis, pattern)) {
      const type = await redis.type(key);
      let value = "";
      if (type === "string") value = (await redis.get(key)) ?? "";
      else if (type === "hash") value = JSON.stringify(await redis.hgetall(key));
      else if (type === "list") value = JSON.stringify(await redis.lrange(key, 0, -1));
      else if (type === "set") value = JSON.stringify(await redis.smembers(key));
      else if (type === "zset") value = JSON.stringify(await redis.zrange(key, "0", "-1", "WITHSCORES"));
      else if (type === "stream") value = JSON.stringify(await redis.xrange(key, "-", "+"));
      dump.set(key, value);
    }
  }
  await redis.quit();
  return dump;
}

export function testPrefix(name: string): string {
  return `puente-test:${name}:${randomUUID().slice(0, 8)}`;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ANON_SECRET: TEST_SECRET, ...overrides });
}

/** Deletes every key under a prefix (never FLUSHALL: other runs share this Redis). */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = adminRedis();
  const keys = [...(await keysMatching(redis, `${prefix}:*`)), ...(await keysMatching(redis, `{${prefix}:jobs}:*`))];
  await deleteKeys(redis, keys);
  await redis.quit();
}

export function redisStore(prefix: string): RedisRecordStore {
  return RedisRecordStore.connect(TEST_REDIS, prefix, "s");
}

export function memoryStore(): MemoryRecordStore {
  return new MemoryRecordStore();
}

/** A response the engine submitted, as a test reads it back. */
export interface RecordedResponse {
  flow: string;
  version: number;
  lng: Language;
  answers: Answers;
  outcomes?: Record<string, string>;
}

/** A case the engine asked to open, as a test reads it back. */
export type OpenedCase = Omit<Extract<Effect, { kind: "open-case" }>, "contact" | "openedAt" | "caseId">;

export interface EngineTestOptions {
  responses?: ResponseStore;
  /** Responses are kept in this list instead of the response store. */
  recordInto?: RecordedResponse[];
  /** Cases are kept in this list instead of being opened. */
  openInto?: OpenedCase[];
  stores?: Partial<CoreStores>;
  effects?: (runner: EffectRunner) => EffectRunner;
  logger?: Logger;
  now?: () => Date;
}

/** The engine on a session store, the rest in memory unless given. */
export function engineOn(
  sessions: RecordStore,
  overrides: Record<string, string> = {},
  options: EngineTestOptions = {},
) {
  const stores: CoreStores = {
    sessions,
    responses: options.responses ?? new MemoryResponseStore(),
    cases: new MemoryRecordStore(),
    caseIndex: new MemoryCaseIndex(),
    jobs: new MemoryJobQueue(),
    ...options.stores,
  };
  const { recordInto, openInto } = options;
  const effects =
    recordInto || openInto
      ? (runner: EffectRunner): EffectRunner => ({
          prepare: (intent, sender) => runner.prepare(intent, sender),
          perform: async (effect) => {
            if (effect.kind === "record-response" && recordInto) {
              const flow = core.flows.get(effect.flow);
              if (flow?.submission !== "case")
                recordInto.push({
                  flow: effect.flow,
                  version: effect.version,
                  lng: effect.lng,
                  answers: effect.answers,
                  ...(effect.outcomes ? { outcomes: effect.outcomes } : {}),
                });
              return;
            }
            if (effect.kind === "open-case" && openInto) {
              const { contact: _contact, openedAt: _at, caseId: _id, ...opened } = effect;
              openInto.push(opened);
              return;
            }
            return runner.perform(effect);
          },
        })
      : options.effects;
  const core = buildCore(testConfig(overrides), options.logger ?? quiet, stores, {
    ...(effects ? { effects } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return core;
}

type Engine = ReturnType<typeof engineOn>["engine"];
export type Prompt = Extract<OutboundMessage, { kind: "prompt" }>;

/** One person in a chat: sends text or taps, and reads what came back. */
export class Person {
  last: OutboundMessage[] = [];
  /** The language the engine says the person now has. */
  language: string | undefined;

  constructor(
    private readonly engine: Engine,
    readonly chatId: string = randomUUID(),
    readonly languageCode?: string,
  ) {}

  async send(content: InboundContent): Promise<OutboundMessage[]> {
    const reply = await this.engine.handle({
      channel: "test",
      chatId: this.chatId,
      languageCode: this.languageCode,
      content,
    });
    this.last = reply.messages;
    this.language = reply.language;
    return this.last;
  }

  say(text: string) {
    return this.send({ kind: "text", text });
  }

  tap(token: string) {
    return this.send({ kind: "choice", token });
  }

  /** Taps the choice of the current prompt whose label or role matches. */
  async choose(match: string): Promise<OutboundMessage[]> {
    const prompt = this.prompt();
    const choice = prompt.choices.find((c) => c.label === match || c.role === match);
    if (!choice) throw new Error(`no choice "${match}" in ${JSON.stringify(prompt.choices.map((c) => c.label))}`);
    return this.tap(choice.token);
  }

  prompt(): Prompt {
    const prompt = [...this.last].reverse().find((m): m is Prompt => m.kind === "prompt");
    if (!prompt) throw new Error(`no prompt in ${JSON.stringify(this.last)}`);
    return prompt;
  }

  texts(): string[] {
    return this.last.map((m) => m.text);
  }
}
