import { createHmac, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { type Language, languageFromCode } from "../i18n/languages.js";
import type { Texts } from "../i18n/texts.js";
import { OutboxRunner } from "../store/outbox.js";
import { type RecordStore, type StoredRecord, StoreUnavailableError } from "../store/records.js";
import type { Conversation } from "./conversation.js";
import { type Effect, type EffectRunner, effectListSchema } from "./effects.js";
import type { CaseEvent } from "./events.js";
import { type Address, type InboundMessage, inboundMessageSchema, type OutboundMessage } from "./messages.js";
import { type EngineObserver, pushedMessages, type ReplyKind, replyKind, secondsSince } from "./observer.js";
import { encodeSession, type Session, sessionSchema } from "./session.js";
import type { Turn, TurnContext } from "./turn.js";

/** Whether someone already took part in a one-per-person flow: asked before such a flow starts. */
export interface Participation {
  hasTakenPart(flowId: string, sender: Address): Promise<boolean>;
}

export interface EngineOptions {
  /** Where sessions live, with their outbox. */
  store: RecordStore;
  conversation: Conversation;
  effects: EffectRunner;
  participation: Participation;
  texts: Texts;
  /** Keys the hash that names a chat's session, so the store never holds a raw chat id. */
  anonSecret: string;
  sessionIdleSeconds: number;
  defaultLanguage: Language;
  logger: Logger;
  now?: () => Date;
  /** Counts messages, replies and latency (the runtime's metrics); nothing when absent. */
  observer?: EngineObserver;
}

/** What the engine answers to one inbound message. */
export interface Reply {
  messages: OutboundMessage[];
  /** The person's language after this message, when known: channels with chrome of their own follow it. */
  language: Language | undefined;
  /** Whether the message changed the conversation (an answer taken), or was only answered (a re-prompt). */
  applied: boolean;
}

/**
 * Chats whose key was worked out lately, kept so a message costs no HMAC (each chat's message asks
 * for its key twice, the channel's memory and the session; an HMAC was ~2 % of a message's CPU).
 * Oldest out first; a chat not kept is hashed again.
 */
const CHAT_KEYS_KEPT = 10_000;
/** Reads ahead that no turn took (an update handled before, or ignored) are dropped past this many. */
const READS_AHEAD_KEPT = 1_000;
/** How often a message is retried when another process changed the same session meanwhile. */
const MAX_ATTEMPTS = 8;
/** While with staff a session lasts as long as a case may wait: a long weekend, a holiday. */
const STAFF_SESSION_SECONDS = 30 * 24 * 3600;
/** How long a flow's answers, offered for a hand-off, wait for the person to take the offer. */
export const OFFER_SECONDS = 3600;
/** Effects still unsettled this long after their write were left by a crash (or a failure): try again. */
export const RECOVER_AFTER_MS = 30_000;

/**
 * The channel-agnostic engine: a message in, messages out. For each message it loads the session,
 * runs the conversation rules, writes the new session and the turn's effects in one
 * compare-and-set, and only then carries the effects out (record a response, open a case, tell
 * staff). The messages of one chat are applied strictly one after the other: within this process by
 * a queue per chat, across processes by the store's revision.
 */
export class Engine {
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #chatKeys = new Map<string, string>();
  /** Sessions read ahead of their message (see readAhead), by chat key, for the chat's next turn. */
  readonly #readsAhead = new Map<string, Promise<StoredRecord | undefined>>();
  readonly #now: () => Date;
  readonly #outbox: OutboxRunner<Effect>;

  constructor(private readonly options: EngineOptions) {
    this.#now = options.now ?? (() => new Date());
    this.#outbox = new OutboxRunner(
      options.store,
      effectListSchema,
      (effect) => options.effects.perform(effect),
      options.logger,
      "session",
    );
  }

  /** The session key of a chat: a keyed hash, never the platform id itself. */
  chatKey(channel: string, chatId: string): string {
    const chat = `${channel}:${chatId}`;
    const known = this.#chatKeys.get(chat);
    if (known !== undefined) return known;
    const key = createHmac("sha256", this.options.anonSecret).update(chat).digest("base64url").slice(0, 22);
    if (this.#chatKeys.size >= CHAT_KEYS_KEPT) {
      const oldest = this.#chatKeys.keys().next();
      if (!oldest.done) this.#chatKeys.delete(oldest.value);
    }
    this.#chatKeys.set(chat, key);
    return key;
  }

  /**
   * Starts reading a chat's session before its message is handed over, so that the read goes to
   * the store together with what the channel asks of it at that moment (Telegram: the update's
   * claim in the chat's memory), one round trip instead of two. The chat's next turn here uses it;
   * one never used is dropped. Nothing is read while the chat has work under way in this process:
   * that work may write, and an earlier read would only fail the compare-and-set. A read that
   * another replica's write overtakes fails it the same way, and the turn reads again.
   */
  readAhead(channel: string, chatId: string): void {
    const key = this.chatKey(channel, chatId);
    if (this.#queues.has(key)) return;
    const read = this.options.store.read(key);
    // A failed read is the turn's to report, should a turn take it.
    read.catch(() => undefined);
    if (this.#readsAhead.size >= READS_AHEAD_KEPT) this.#readsAhead.clear();
    this.#readsAhead.set(key, read);
  }

  async handle(raw: InboundMessage): Promise<Reply> {
    const started = performance.now();
    const { observer } = this.options;
    try {
      const [reply, kind] = await this.#handle(raw);
      observer?.handled(raw.channel, kind, reply.messages.length, secondsSince(started));
      return reply;
    } catch (error) {
      observer?.failed(raw.channel, secondsSince(started));
      throw error;
    }
  }

  async #handle(raw: InboundMessage): Promise<[Reply, ReplyKind]> {
    const inbound = inboundMessageSchema.parse(raw);
    const sender = { channel: inbound.channel, chatId: inbound.chatId };
    const key = this.chatKey(inbound.channel, inbound.chatId);
    try {
      const turn = await this.#serial(key, () =>
        this.#apply(key, sender, (session, ctx) => this.options.conversation.step(session, inbound, ctx)),
      );
      if (turn)
        return [{ messages: turn.messages, language: turn.session?.lng, applied: turn.changed }, replyKind(turn)];
      this.options.logger.warn(
        { chat: key },
        "session kept changing under this message; asked the person to try again",
      );
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      this.options.logger.error(
        { chat: key, err: error.message },
        "session store unavailable; asked the person to try again",
      );
    }
    return [
      {
        messages: [this.#tryAgain(inbound.languageCode ?? inbound.languageSuggestion)],
        language: undefined,
        applied: false,
      },
      "try-again",
    ];
  }

  /**
   * Tells the person in a chat what happened to their case. What they are to hear goes out as a
   * push effect, after the write. Throws when the store cannot be reached, so the caller retries.
   */
  async deliver(address: Address, event: CaseEvent): Promise<void> {
    const key = this.chatKey(address.channel, address.chatId);
    const turn = await this.#serial(key, () =>
      this.#apply(key, address, (session, ctx) => this.options.conversation.event(session, event, ctx)),
    );
    if (!turn) throw new StoreUnavailableError("the session kept changing; the event will be tried again");
    const pushed = pushedMessages(turn);
    if (pushed > 0) this.options.observer?.pushed(address.channel, pushed);
  }

  /**
   * Carries out effects that a crash (or a failure) left in the outbox; returns how many records
   * were looked at. Run every so often on every replica: effects are idempotent.
   */
  async recover(olderThanMs = RECOVER_AFTER_MS): Promise<number> {
    return this.#outbox.recover(olderThanMs, (key, work) => this.#serial(key, work));
  }

  /** One chat's work after the previous one, within this process. */
  #serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const turn = previous.then(work);
    const settled = turn.catch(() => undefined);
    this.#queues.set(key, settled);
    void settled.then(() => {
      if (this.#queues.get(key) === settled) this.#queues.delete(key);
    });
    return turn;
  }

  /** Load, turn, compare-and-set, then effects; undefined when the session kept changing. */
  async #apply(
    key: string,
    sender: Address,
    turnOf: (session: Session | undefined, ctx: TurnContext) => Turn,
  ): Promise<Turn | undefined> {
    const { store, effects: runner } = this.options;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const ahead = attempt === 1 ? this.#readsAhead.get(key) : undefined;
      if (ahead) this.#readsAhead.delete(key);
      const stored = await (ahead ?? store.read(key));
      const session = this.#decode(key, stored?.value);
      const ctx: TurnContext = { now: this.#now(), newId: randomUUID };
      let turn = turnOf(session, ctx);
      if (turn.starting && turn.session?.lng) {
        if (await this.options.participation.hasTakenPart(turn.starting, sender))
          turn = this.options.conversation.alreadyTakenPart(session ?? turn.session, turn.starting, turn.session.lng);
      }
      const outbox = stored?.outbox ?? [];
      const effects: Effect[] = turn.effects.map((intent) => runner.prepare(intent, sender));
      const writes = turn.changed || effects.length > 0;
      // A turn that writes has its compare-and-set to tell it the read was stale; one that only
      // answers (a re-prompt) checks that no other replica wrote since a read made ahead.
      if (ahead && !writes && (await store.read(key))?.revision !== stored?.revision) continue;
      if (writes) {
        const revision = stored?.revision ?? 0;
        const written = await store.write(
          key,
          {
            value: turn.session ? encodeSession(turn.session) : null,
            ttlSeconds: this.#ttl(turn.session),
            ...(effects.length > 0 ? { effects: JSON.stringify(effects) } : {}),
          },
          revision,
        );
        if (!written) {
          this.options.logger.debug({ chat: key, attempt }, "session changed meanwhile, retrying");
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
          continue;
        }
        if (effects.length > 0) outbox.push({ revision: revision + 1, effects: JSON.stringify(effects) });
      }
      await this.#outbox.run(key, outbox);
      // Nothing about what the message did: a chat's hash next to "a response was recorded" would
      // tie an anonymous response to the chat (whoever holds ANON_SECRET can hash a chat id).
      this.options.logger.debug({ chat: key, attempt }, "message handled");
      return turn;
    }
    return undefined;
  }

  #ttl(session: Session | null): number {
    const mode = session?.mode.kind === "language" ? session.mode.resume : session?.mode;
    const idle = this.options.sessionIdleSeconds;
    if (mode?.kind === "staff") return Math.max(idle, STAFF_SESSION_SECONDS);
    // Answers offered for a hand-off wait a short while for the person's choice, then go with the session.
    if (mode?.kind === "menu" && mode.offer) return Math.min(idle, OFFER_SECONDS);
    return idle;
  }

  #decode(key: string, value: string | undefined): Session | undefined {
    if (value === undefined) return undefined;
    try {
      const parsed = sessionSchema.safeParse(JSON.parse(value));
      if (parsed.success) return parsed.data;
    } catch {
      // fall through: an unreadable session starts over rather than crashing the chat
    }
    this.options.logger.warn({ chat: key }, "stored session unreadable; starting the chat over");
    return undefined;
  }

  #tryAgain(languageCode: string | undefined): OutboundMessage {
    const lng = languageFromCode(languageCode) ?? this.options.defaultLanguage;
    return { kind: "text", text: this.options.texts.t(lng, "common:error.tryAgain") };
  }
}
