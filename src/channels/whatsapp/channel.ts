import type { Logger } from "pino";
import type WAWebJS from "whatsapp-web.js";
import { type InboundContent, lastPrompt, type OutboundMessage, promptKey } from "../../core/engine/messages.js";
import type { Language } from "../../core/i18n/languages.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { KeyValueStore } from "../../core/store/keyvalue.js";
import type { Receiver } from "../port.js";
import { readShown, readTyped, type Shown } from "./inbound.js";
import { suggestedLanguage } from "./language.js";
import { type HintFor, renderMessages } from "./render.js";

/** The part of a WhatsApp message the channel reads; whatsapp-web.js's `Message` has all of it. */
export type WhatsAppMessage = Pick<WAWebJS.Message, "from" | "body" | "type" | "fromMe" | "isStatus" | "timestamp"> & {
  /** The message's own id (the part without the chat's number), when the platform gives it. */
  id?: Pick<WAWebJS.MessageId, "id">;
};

/** A message's media, as staff receive a copy of it. */
export interface MediaFile {
  data: Buffer;
  mimetype: string;
  filename?: string;
}

/**
 * The part of whatsapp-web.js's `Client` the channel uses. The real `Client` must stay assignable to
 * it (test/whatsapp.channel.test.ts checks so at compile time), so a fake in tests cannot drift.
 */
export interface WhatsAppClientPort {
  on(event: "qr", listener: (qr: string) => void): unknown;
  /** A pairing code, when pairing by phone number (an event the library emits but does not type). */
  on(event: "code", listener: (code: string) => void): unknown;
  on(event: "ready", listener: () => void): unknown;
  on(event: "message", listener: (message: WAWebJS.Message) => void): unknown;
  on(event: "auth_failure", listener: (message: string) => void): unknown;
  on(event: "disconnected", listener: (reason: WAWebJS.WAState | "LOGOUT") => void): unknown;
  initialize(): Promise<void>;
  sendMessage(chatId: string, content: string): Promise<unknown>;
  /** A received message again, by its serialised id, to download its media for staff. */
  getMessageById(messageId: string): Promise<Pick<WAWebJS.Message, "hasMedia" | "downloadMedia">>;
  /** Unlinks this device on WhatsApp's side and deletes the saved session: the next start pairs anew. */
  logout(): Promise<void>;
  /** Who is linked, once ready: on server `c.us`, `wid.user` is the linked number (on `lid`, an alias). */
  readonly info?: { wid?: { user?: string; server?: string } };
  destroy(): Promise<void>;
}

export interface WhatsAppOptions {
  client: WhatsAppClientPort;
  engine: Receiver;
  texts: Texts;
  defaultLanguage: Language;
  facts: KeyValueStore;
  logger: Logger;
  /** Waits between two messages to one chat, and between any two messages: far from ban patterns. */
  pace?: { perChatMs: number; globalMs: number };
  now?: () => number;
}

const NUMBERING_SECONDS = 7 * 24 * 3600;
/** What was shown could not be read: Redis did not answer. */
const UNREAD: unique symbol = Symbol("unread");
/** Messages this much older than the start are history being synced, not people writing now. */
const HISTORY_SLACK_MS = 30_000;

/**
 * The engine on WhatsApp. Ignores groups, status broadcasts, newsletters, its own messages and
 * history synced from before the start; anything that is not text (media, stickers, voice notes,
 * locations…) gets a friendly line and the question again.
 */
export class WhatsAppChannel {
  readonly #startedAt: number;
  readonly #chats = new Map<string, Promise<unknown>>();
  /** When the next message may go: to anyone, and to each chat that was just written to. */
  #nextAny = 0;
  readonly #nextTo = new Map<string, number>();
  /** The latest pairing QR, for the staff side to show; cleared once paired. */
  qr: string | undefined;
  /** The latest pairing code, when pairing by phone number; cleared once paired. */
  pairingCode: string | undefined;

  constructor(private readonly options: WhatsAppOptions) {
    this.#startedAt = (options.now ?? Date.now)();
  }

  async start(): Promise<void> {
    const { client, logger } = this.options;
    client.on("qr", (qr) => {
      this.qr = qr;
      logger.info("whatsapp: scan the QR code to pair the office's number");
    });
    client.on("code", (code) => {
      this.pairingCode = code;
      logger.info("whatsapp: on the office's phone, link a device with a phone number and type the pairing code");
    });
    client.on("ready", () => {
      this.qr = undefined;
      this.pairingCode = undefined;
      logger.info("whatsapp: ready");
    });
    client.on("auth_failure", (message) => logger.error({ err: message }, "whatsapp: authentication failed"));
    client.on("disconnected", (reason) => logger.warn({ reason }, "whatsapp: disconnected"));
    client.on("message", (message) => void this.receive(message));
    await client.initialize();
  }

  /** Handles one incoming message; per chat one after the other. */
  receive(message: WhatsAppMessage): Promise<void> {
    if (!this.#isForUs(message)) return Promise.resolve();
    return this.#inTurn(message.from, () => this.#answer(message)).catch((error: unknown) => {
      this.options.logger.error({ err: (error as Error).message }, "whatsapp: message failed");
    });
  }

  /** Runs after whatever the chat is doing now, within this process. */
  #inTurn<T>(chatId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#chats.get(chatId) ?? Promise.resolve();
    const turn = previous.then(work);
    const settled = turn.catch(() => undefined);
    this.#chats.set(chatId, settled);
    void settled.then(() => {
      if (this.#chats.get(chatId) === settled) this.#chats.delete(chatId);
    });
    return turn;
  }

  #isForUs(message: WhatsAppMessage): boolean {
    if (message.fromMe || message.isStatus) return false;
    if (!message.from.endsWith("@c.us") && !message.from.endsWith("@lid")) return false;
    return message.timestamp * 1000 >= this.#startedAt - HISTORY_SLACK_MS;
  }

  async #answer(message: WhatsAppMessage): Promise<void> {
    const { engine } = this.options;
    let content: InboundContent = {
      kind: "unsupported",
      what: message.type,
      ...(message.id?.id ? { ref: message.id.id } : {}),
    };
    // The session's read goes to Redis with the read of what the chat was shown: one round trip.
    engine.readAhead("whatsapp", message.from);
    const shown = message.type === "chat" ? await this.#shown(message.from) : undefined;
    if (shown === UNREAD) {
      // Typed text whose question is unknown could be taken for the next one (a retry whose first
      // try was written after all, its answer late): the person tries again, as the engine would ask.
      const text = this.options.texts.t(this.options.defaultLanguage, "common:error.tryAgain");
      await this.#deliver(message.from, [{ kind: "text", text }]);
      return;
    }
    if (message.type === "chat") content = readTyped(message.body, shown?.numbering);
    const reply = await engine.handle({
      ...(message.id?.id ? { id: `wa${message.id.id}` } : {}),
      channel: "whatsapp",
      chatId: message.from,
      languageSuggestion: suggestedLanguage(message.from),
      content,
      ...(shown?.basis ? { basis: shown.basis } : {}),
    });
    await this.#deliver(message.from, reply.messages, reply.language);
  }

  /**
   * Messages nobody asked for just now (staff wrote): after the chat's message being answered, if
   * any, so a push never overtakes a reply.
   */
  push(chatId: string, messages: OutboundMessage[], language?: Language): Promise<boolean> {
    return this.#inTurn(chatId, () => this.#deliver(chatId, messages, language));
  }

  /** Sends messages to a chat, numbered as WhatsApp reads them. */
  async #deliver(chatId: string, messages: OutboundMessage[], language?: Language): Promise<boolean> {
    const rendered = renderMessages(messages, this.#hints(language ?? this.options.defaultLanguage));
    const asked = lastPrompt(messages);
    // Noted before sending: a "2" typed the moment the question arrives must already read against it.
    if (asked) await this.#remember(chatId, { numbering: rendered.numbering ?? {}, basis: promptKey(asked) });
    for (const text of rendered.texts) await this.#send(chatId, text);
    return true;
  }

  /**
   * What this person was last shown: the numbers of its choices and the question (`promptKey`);
   * UNREAD when Redis did not answer.
   */
  async #shown(chatId: string): Promise<Shown | typeof UNREAD | undefined> {
    let stored: string | undefined;
    try {
      stored = await this.options.facts.get(this.#shownKey(chatId));
    } catch {
      return UNREAD;
    }
    return stored === undefined ? undefined : readShown(stored);
  }

  async #remember(chatId: string, shown: Shown): Promise<void> {
    await this.options.facts
      .set(this.#shownKey(chatId), JSON.stringify(shown), NUMBERING_SECONDS)
      .catch((error: unknown) =>
        this.options.logger.warn({ err: (error as Error).message }, "whatsapp: what was shown could not be noted"),
      );
  }

  /** The media of a message a person sent, for staff; undefined when it is gone or has none. */
  async media(chatId: string, ref: string): Promise<MediaFile | undefined> {
    const found = await this.options.client.getMessageById(`false_${chatId}_${ref}`).catch(() => undefined);
    if (!found?.hasMedia) return undefined;
    const media = await found.downloadMedia().catch(() => undefined);
    if (!media) return undefined;
    return {
      data: Buffer.from(media.data, "base64"),
      mimetype: media.mimetype,
      ...(media.filename ? { filename: media.filename } : {}),
    };
  }

  #shownKey(chatId: string): string {
    return `wa:n:${this.options.engine.chatKey("whatsapp", chatId)}`;
  }

  #hints(lng: Language): HintFor {
    const t = (key: string, values?: Record<string, number>) =>
      this.options.texts.t(lng, `whatsapp:hint.${key}`, values);
    return (prompt) => {
      if (prompt.expects === "multichoice") return t("multichoice", { max: prompt.multi?.max ?? 1 });
      if (prompt.expects === "review" && prompt.ref?.step === "_review") return t("review");
      if (["choice", "yesno", "menu", "review", "offer"].includes(prompt.expects)) return t("choice");
      return undefined;
    };
  }

  /**
   * Sends at a human pace: a pause between two messages to one chat, and a cap on messages to
   * anyone, since bursts are what gets a number banned. Slots are reserved before waiting, so
   * concurrent chats queue up instead of all passing at once.
   */
  async #send(chatId: string, text: string): Promise<void> {
    const { perChatMs, globalMs } = this.options.pace ?? { perChatMs: 600, globalMs: 250 };
    const now = Date.now();
    const at = Math.max(now, this.#nextAny, this.#nextTo.get(chatId) ?? 0);
    this.#nextAny = at + globalMs;
    this.#nextTo.set(chatId, at + perChatMs);
    if (this.#nextTo.size > 1000) for (const [chat, next] of this.#nextTo) if (next < now) this.#nextTo.delete(chat);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
    await this.options.client.sendMessage(chatId, text);
    // From when it really went (a busy machine wakes late): the pause to this chat is never shorter.
    const sent = Date.now();
    this.#nextTo.set(chatId, Math.max(this.#nextTo.get(chatId) ?? 0, sent + perChatMs));
    this.#nextAny = Math.max(this.#nextAny, sent + globalMs);
  }
}
