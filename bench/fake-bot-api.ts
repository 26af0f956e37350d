/**
 * The Telegram Bot API, faked at grammY's transport: grammY builds every call as it would for
 * Telegram (JSON body, abort signal, timeout) and hands it to `fetch`; this `fetch` answers in
 * process at once, as Telegram would answer (a Message for sendMessage and edits, true for
 * answerCallbackQuery), with no network and no pacing. Both bots get the same one.
 *
 * It also plays the people's side: it makes the updates they send (a text, a tap on a button of a
 * message the bot sent) and keeps, per chat, what the bot sent since the last look, so every reply
 * can be checked.
 */
import { Api, type Transformer } from "grammy";
import type { Chat, InlineKeyboardMarkup, Message, Update, User, UserFromGetMe } from "grammy/types";

/** A call the bot made, as the fake received it. */
export interface ApiCall {
  method: string;
  text: string | undefined;
  /** The buttons' callback data, row after row, flattened (empty: no buttons). */
  buttons: string[];
}

/** The part of a fetch Response grammY reads. */
interface FakeResponse {
  json(): Promise<unknown>;
}
/** The part of fetch grammY calls: a URL ending in the method, and a JSON body. */
export type FakeFetch = (url: string, init: { body?: unknown }) => Promise<FakeResponse>;

interface ChatState {
  chat: Chat.PrivateChat;
  person: User;
  /** Message ids are per chat in private chats, shared by both sides. */
  nextMessageId: number;
  /** The bot's messages that still have buttons (the only ones a person taps or the bot edits). */
  messages: Map<number, Message.TextMessage>;
  /** The newest message that still has buttons: what the person taps next. */
  shown: Message.TextMessage | undefined;
  calls: ApiCall[];
}

export const BENCH_TOKEN = "7000000042:AAH-puente-side-by-side-bench-0123456";

export class FakeBotApi {
  readonly botInfo: UserFromGetMe;
  readonly #chats = new Map<number, ChatState>();
  #updateId = 0;
  #callbackId = 0;
  /** Every call answered, by method. */
  readonly counts = new Map<string, number>();

  constructor(token = BENCH_TOKEN) {
    this.botInfo = {
      id: Number(token.split(":")[0]),
      is_bot: true,
      first_name: "Puente Bench",
      username: "PuenteBenchBot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
  }

  /** grammY's `client.fetch`: the transport. */
  readonly fetch: FakeFetch = async (url, init) => {
    const method = url.slice(url.lastIndexOf("/") + 1);
    const payload = typeof init.body === "string" ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    const result = this.#answer(method, payload);
    return { json: async () => ({ ok: true, result }) };
  };

  /**
   * For a bot whose client options cannot be set (Puente's channel makes its own Bot): every call
   * of `api`, and of the per-update copies grammY makes of it, goes on through a second grammY
   * client whose transport is this fake — the same path as a bot built with `client.fetch`.
   */
  routeThrough(api: Api, token = BENCH_TOKEN): void {
    const transport = new Api(token, { fetch: this.fetch });
    const raw = transport.raw as unknown as Record<string, (payload: unknown, signal?: unknown) => Promise<unknown>>;
    const forward = async (_prev: unknown, method: string, payload: unknown, signal?: unknown) => {
      const call = raw[method];
      if (!call) throw new Error(`the fake Bot API cannot forward ${method}`);
      return { ok: true as const, result: await call(payload, signal) };
    };
    api.config.use(forward as unknown as Transformer);
  }

  // ------------------------------------------------------------------ the people's side

  /** A text the person types (a command gets its entity, as Telegram sends it). */
  message(chatId: number, text: string): Update {
    const state = this.#chat(chatId);
    const command = /^\/\w+/.exec(text)?.[0];
    return {
      update_id: ++this.#updateId,
      message: {
        message_id: state.nextMessageId++,
        from: state.person,
        chat: state.chat,
        date: now(),
        text,
        ...(command ? { entities: [{ type: "bot_command" as const, offset: 0, length: command.length }] } : {}),
      },
    };
  }

  /** A tap on the button with `data` of the message the person is looking at. */
  tap(chatId: number, data: string): Update {
    const state = this.#chat(chatId);
    const message = state.shown;
    if (!message) throw new Error(`chat ${chatId}: no message with buttons to tap`);
    if (!buttonsOf(message.reply_markup).includes(data))
      throw new Error(`chat ${chatId}: message ${message.message_id} has no button ${data}`);
    return {
      update_id: ++this.#updateId,
      callback_query: {
        id: `${chatId}:${++this.#callbackId}`,
        from: state.person,
        message,
        chat_instance: String(8_000_000_000 + chatId),
        data,
      },
    };
  }

  /** The message with buttons the person looks at now. */
  shown(chatId: number): Message.TextMessage | undefined {
    return this.#chats.get(chatId)?.shown;
  }

  /** What the bot sent to a chat since the last look. */
  take(chatId: number): ApiCall[] {
    const state = this.#chats.get(chatId);
    if (!state) return [];
    const calls = state.calls;
    state.calls = [];
    return calls;
  }

  /** Forgets a chat whose person is done. */
  forget(chatId: number): void {
    this.#chats.delete(chatId);
  }

  #chat(chatId: number): ChatState {
    let state = this.#chats.get(chatId);
    if (!state) {
      const person: User = { id: chatId, is_bot: false, first_name: "Persona", language_code: "es" };
      state = {
        chat: { id: chatId, type: "private", first_name: "Persona" },
        person,
        nextMessageId: 1,
        messages: new Map(),
        shown: undefined,
        calls: [],
      };
      this.#chats.set(chatId, state);
    }
    return state;
  }

  // ------------------------------------------------------------------ the bot's side

  #answer(method: string, payload: Record<string, unknown>): unknown {
    this.counts.set(method, (this.counts.get(method) ?? 0) + 1);
    switch (method) {
      case "sendMessage":
        return this.#send(payload);
      case "editMessageText":
      case "editMessageReplyMarkup":
        return this.#edit(method, payload);
      case "answerCallbackQuery": {
        const chatId = Number(String(payload.callback_query_id).split(":")[0]);
        this.#chats.get(chatId)?.calls.push({ method, text: undefined, buttons: [] });
        return true;
      }
      default:
        return true;
    }
  }

  #send(payload: Record<string, unknown>): Message.TextMessage {
    const state = this.#chat(Number(payload.chat_id));
    const markup = payload.reply_markup as InlineKeyboardMarkup | undefined;
    const message: Message.TextMessage = {
      message_id: state.nextMessageId++,
      from: this.botInfo,
      chat: state.chat,
      date: now(),
      text: String(payload.text),
      ...(markup && markup.inline_keyboard.length > 0 ? { reply_markup: markup } : {}),
    };
    const buttons = buttonsOf(message.reply_markup);
    if (buttons.length > 0) {
      state.messages.set(message.message_id, message);
      state.shown = message;
    }
    state.calls.push({ method: "sendMessage", text: message.text, buttons });
    return message;
  }

  #edit(method: string, payload: Record<string, unknown>): Message.TextMessage | true {
    const state = this.#chat(Number(payload.chat_id));
    const id = Number(payload.message_id);
    const before = state.messages.get(id);
    if (!before) return true;
    const markup = payload.reply_markup as InlineKeyboardMarkup | undefined;
    const { reply_markup: _dropped, ...rest } = before;
    const after: Message.TextMessage = {
      ...rest,
      edit_date: now(),
      text: typeof payload.text === "string" ? payload.text : before.text,
      ...(markup && markup.inline_keyboard.length > 0 ? { reply_markup: markup } : {}),
    };
    const buttons = buttonsOf(after.reply_markup);
    if (buttons.length > 0) state.messages.set(id, after);
    else state.messages.delete(id);
    if (state.shown?.message_id === id) state.shown = buttons.length > 0 ? after : undefined;
    state.calls.push({ method, text: after.text, buttons });
    return after;
  }
}

export function buttonsOf(markup: InlineKeyboardMarkup | undefined): string[] {
  const data: string[] = [];
  for (const row of markup?.inline_keyboard ?? [])
    for (const button of row) if ("callback_data" in button) data.push(button.callback_data);
  return data;
}

const now = () => Math.floor(Date.now() / 1000);
