import { createHmac } from "node:crypto";
import type { Logger } from "pino";
import type { Submissions } from "../anonymity/submissions.js";
import { type Language, languageFromCode } from "../i18n/languages.js";
import type { Texts } from "../i18n/texts.js";
import { type SessionStore, StoreUnavailableError } from "../store/sessions.js";
import type { Conversation, Turn } from "./conversation.js";
import { type InboundMessage, inboundMessageSchema, type OutboundMessage } from "./messages.js";
import { type Session, sessionSchema } from "./session.js";

export interface EngineOptions {
  store: SessionStore;
  conversation: Conversation;
  texts: Texts;
  /** Keys the hash that names a chat's session, so Redis never holds a raw chat id. */
  anonSecret: string;
  sessionIdleSeconds: number;
  defaultLanguage: Language;
  logger: Logger;
  /** Where submitted flows go, and who already took part in a one-per-person flow. */
  submissions: Submissions;
}

/** What the engine answers to one inbound message. */
export interface Reply {
  messages: OutboundMessage[];
  /** The person's language after this message, when known: channels with chrome of their own follow it. */
  language: Language | undefined;
  /** Whether the message changed the conversation (an answer taken), or was only answered (a re-prompt). */
  applied: boolean;
}

/** How often a message is retried when another process changed the same session meanwhile. */
const MAX_ATTEMPTS = 8;

/**
 * The channel-agnostic engine: an inbound message in, outbound messages out. It loads the
 * session, runs the conversation rules, and stores the result with compare-and-set, so the
 * messages of one chat are applied strictly one after the other — within this process by a
 * queue per chat, across processes by the store's revision.
 */
export class Engine {
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(private readonly options: EngineOptions) {}

  /** The session key of a chat: a keyed hash, never the platform id itself. */
  chatKey(channel: string, chatId: string): string {
    return createHmac("sha256", this.options.anonSecret)
      .update(`${channel}:${chatId}`)
      .digest("base64url")
      .slice(0, 22);
  }

  async handle(raw: InboundMessage): Promise<Reply> {
    const inbound = inboundMessageSchema.parse(raw);
    const key = this.chatKey(inbound.channel, inbound.chatId);
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const turn = previous.then(() => this.#process(key, inbound));
    const settled = turn.catch(() => undefined);
    this.#queues.set(key, settled);
    void settled.then(() => {
      if (this.#queues.get(key) === settled) this.#queues.delete(key);
    });
    return turn;
  }

  async #process(key: string, inbound: InboundMessage): Promise<Reply> {
    const { store, conversation, logger } = this.options;
    const started = performance.now();
    try {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const stored = await store.read(key);
        const session = this.#decode(key, stored?.value);
        const turn = await this.#settle(conversation.step(session, inbound), session, inbound);
        if (turn.session === null) {
          await this.options.submissions.forget({ channel: inbound.channel, chatId: inbound.chatId });
          await store.delete(key);
          logger.info({ chat: key }, "person deleted their data");
        } else if (turn.changed) {
          const written = await store.write(
            key,
            JSON.stringify(turn.session),
            stored?.revision ?? 0,
            this.options.sessionIdleSeconds,
          );
          if (!written) {
            logger.debug({ chat: key, attempt }, "session changed meanwhile, retrying");
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
            continue;
          }
        }
        logger.debug(
          {
            chat: key,
            channel: inbound.channel,
            kind: inbound.content.kind,
            ms: Math.round(performance.now() - started),
          },
          "message handled",
        );
        return { messages: turn.messages, language: turn.session?.lng, applied: turn.changed };
      }
      logger.warn({ chat: key }, "session kept changing under this message; asked the person to try again");
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      logger.error({ chat: key, err: error.message }, "session store unavailable; asked the person to try again");
    }
    return { messages: [this.#tryAgain(inbound)], language: undefined, applied: false };
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

  /**
   * The parts of a turn that need the response store: refusing a second participation, and
   * recording a submission before the session that held its answers is overwritten.
   */
  async #settle(turn: Turn, session: Session | undefined, inbound: InboundMessage): Promise<Turn> {
    const { submissions, conversation, logger } = this.options;
    const sender = { channel: inbound.channel, chatId: inbound.chatId };
    if (turn.starting && turn.session?.lng && (await submissions.hasTakenPart(turn.starting, sender)))
      return conversation.alreadyTakenPart(session ?? {}, turn.starting, turn.session.lng);
    if (turn.submitted) {
      await submissions.record(turn.submitted, sender);
      // No chat hash here: a line with the chat and the minute of submission could be joined back.
      logger.info({ flow: turn.submitted.flow, version: turn.submitted.version }, "flow submitted");
    }
    return turn;
  }

  #tryAgain(inbound: InboundMessage): OutboundMessage {
    const lng = languageFromCode(inbound.languageCode) ?? this.options.defaultLanguage;
    return { kind: "text", text: this.options.texts.t(lng, "common:error.tryAgain") };
  }
}
