import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { pino } from "pino";
import { buildEngine } from "../../src/app.js";
import { type Config, loadConfig } from "../../src/config.js";
import type { Submissions } from "../../src/core/anonymity/submissions.js";
import type { Submission } from "../../src/core/engine/conversation.js";
import type { InboundContent, OutboundMessage } from "../../src/core/engine/messages.js";
import { MemoryResponseStore } from "../../src/core/store/memory/responses.js";
import { MemorySessionStore } from "../../src/core/store/memory/sessions.js";
import { RedisSessionStore } from "../../src/core/store/redis/sessions.js";
import type { ResponseStore } from "../../src/core/store/responses.js";
import type { SessionStore } from "../../src/core/store/sessions.js";

/** Tests talk to the Redis the machine runs, each run under a key prefix of its own. */
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const TEST_SECRET = "test-secret-test-secret-test-secret-0123";
export const quiet = pino({ level: "silent" });

export function testPrefix(name: string): string {
  return `puente-test:${name}:${randomUUID().slice(0, 8)}`;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ANON_SECRET: TEST_SECRET, ...overrides });
}

/** Deletes every key under a prefix (never FLUSHALL: other runs share this Redis). */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
}

export function redisStore(prefix: string): RedisSessionStore {
  return RedisSessionStore.connect(REDIS_URL, prefix);
}

export function memoryStore(prefix = "mem"): MemorySessionStore {
  return new MemorySessionStore(prefix);
}

export function engineOn(
  store: SessionStore,
  overrides: Record<string, string> = {},
  options: { submissions?: Submissions; responses?: ResponseStore } = {},
) {
  const stores = { sessions: store, responses: options.responses ?? new MemoryResponseStore() };
  return buildEngine(
    testConfig(overrides),
    quiet,
    stores,
    options.submissions ? { submissions: options.submissions } : {},
  );
}

/** Submissions kept in a list, whatever the flow; nobody has taken part before. */
export function recordingSubmissions(into: Submission[]): Submissions {
  return {
    hasTakenPart: async () => false,
    record: async (submission) => void into.push(submission),
    forget: async () => {},
  };
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
