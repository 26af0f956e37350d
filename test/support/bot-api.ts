/**
 * A small Telegram Bot API emulator on loopback, for testing the Telegram channel without Telegram.
 *
 * grammY talks to it as to the real server (`new Bot(token, { client: { apiRoot: emulator.apiRoot } })`):
 * POST `${apiRoot}/bot${token}/${method}` with a JSON (or form) body, answered with `{ ok: true, result }` or
 * `{ ok: false, error_code, description, parameters? }`. Tests play the people on the other side (`person()`),
 * read back what the bot sent (`messages()`), inject faults (`failNext()`) and wait without fixed sleeps.
 *
 * What it checks the way Telegram does: the token, parse_mode (HTML tags, MarkdownV2 reserved characters),
 * text length, inline keyboard buttons (callback_data of 1-64 bytes), "message is not modified" on edits,
 * callback queries answered once, getUpdates against an active webhook (409) or a second poller (409),
 * sending to a chat nobody opened (400 "chat not found") or to a person who blocked the bot (403).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type {
  BotCommand,
  BotCommandScope,
  Chat,
  ForceReply,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  PhotoSize,
  Poll,
  ReplyKeyboardMarkup,
  ReplyKeyboardRemove,
  Update,
  User,
  UserFromGetMe,
  WebhookInfo,
} from "grammy/types";

/** A token of the right form, accepted by the emulator unless `validToken` says otherwise. */
export const TEST_TOKEN = "7000000001:AAH-puente-test-token-0123456789abcdef";
const TOKEN_FORM = /^\d+:[\w-]{20,}$/;
const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";
const QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid";

export type ApiBody = Record<string, unknown>;
export interface ApiCall {
  method: string;
  body: ApiBody;
  /** Date.now() when the request arrived */
  at: number;
}
export type ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply;
export interface Button {
  text: string;
  callbackData?: string;
  url?: string;
}
/** A message the bot sent, as it stands now. */
export interface BotMessage {
  chatId: number;
  messageId: number;
  /** Text as Telegram shows it: markup of parse_mode removed, entities decoded */
  text: string;
  /** Text exactly as the bot sent it (last edit) */
  source: string;
  parseMode?: string;
  replyMarkup?: ReplyMarkup;
  /** Buttons of the reply markup, row after row */
  buttons: Button[];
  /** Successful editMessageText / editMessageReplyMarkup calls on it */
  edits: number;
  /** Unix seconds */
  date: number;
  editDate?: number;
  /** Body of the sendMessage call */
  body: ApiBody;
  /** The message this one replies to (reply_parameters), in the same chat. */
  replyTo?: number;
  /** What a media message carries ("photo", "document", "copy" of a person's message); its caption is `text`. */
  media?: string;
  /** For a copy: where it was copied from. */
  copiedFrom?: { chatId: number; messageId: number };
}
export interface CallbackAnswer {
  text?: string;
  showAlert: boolean;
  url?: string;
  at: number;
}
export interface WebhookState {
  url: string;
  secretToken?: string;
  allowedUpdates?: string[];
  maxConnections?: number;
  dropPendingUpdates: boolean;
}
export type InjectedFailure =
  | { error_code: number; description?: string; retry_after?: number; migrate_to_chat_id?: number }
  | { networkError: true };

export interface BotApiEmulatorOptions {
  /** When set, calls with any other token get 401 Unauthorized. */
  validToken?: string;
  /** getMe's username (default "PuenteTestBot") */
  username?: string;
  firstName?: string;
  /** Answer 400 "chat not found" for chats no person/group/channel opened (default true, as Telegram). */
  knownChatsOnly?: boolean;
  /** Telegram-like flood control: more than `perChat` sendMessage calls to one chat within `windowMs` get 429. */
  flood?: { perChat: number; windowMs?: number; retryAfter?: number };
}
export interface PersonOptions {
  chatId?: number;
  userId?: number;
  firstName?: string;
  username?: string;
  languageCode?: string;
}
export interface ChatOptions {
  chatId?: number;
  title?: string;
}

/** One person writing to the bot in a private chat. Every method enqueues an Update and returns it. */
export interface Person {
  readonly user: User;
  readonly chat: Chat.PrivateChat;
  send(text: string, entities?: MessageEntity[]): Update;
  sendCommand(command: string): Update;
  /**
   * Waits for the language picker as the latest bot message and taps the button of `lng` (a
   * code such as "ht"), by default the language of the person's `languageCode` ("es-CL" → "es"):
   * Telegram's interface language is only offered first, never taken silently, so a new person
   * picks. Returns the tap's update (to post it to a webhook, say).
   */
  pickLanguage(lng?: string, timeoutMs?: number): Promise<Update>;
  /** A tap on an inline button of bot message `messageId`; the button must exist unless `unchecked`. */
  /**
   * A tap on an inline button of bot message `messageId`; the button must exist unless `unchecked`.
   * `inaccessible`: Telegram no longer sends the message's content (too old): only its id and chat.
   */
  tap(messageId: number, callbackData: string, opts?: { unchecked?: boolean; inaccessible?: boolean }): Update;
  /** A tap on the button labelled `label` of the latest bot message (or of `messageId`) that has it. */
  tapButton(label: string, messageId?: number): Update;
  sendSticker(emoji?: string): Update;
  sendPhoto(caption?: string): Update;
  sendVoice(duration?: number): Update;
  sendVideo(caption?: string): Update;
  sendDocument(fileName?: string, caption?: string): Update;
  sendLocation(latitude?: number, longitude?: number): Update;
  sendContact(phoneNumber?: string): Update;
  sendPoll(question?: string, options?: string[]): Update;
  /** An edited_message update for a message this person sent earlier. */
  editMessage(messageId: number, newText: string): Update;
  /** This person writing in a basic group (negative id). */
  groupMessage(text: string, group?: ChatOptions): Update;
  /** A post in a channel (no `from`), for convenience. */
  channelPost(text: string, channel?: ChatOptions): Update;
  /** The person blocks the bot: my_chat_member "kicked"; sends to the chat then get 403. */
  block(): Update;
  unblock(): Update;
  /** The bot's messages in this chat. */
  messages(): BotMessage[];
  waitForMessages(count: number, timeoutMs?: number): Promise<BotMessage[]>;
}

/** A member of a group the bot is in: writes, replies, taps buttons of the bot's messages. */
export interface GroupMember {
  readonly user: User;
  send(text: string): Update;
  /** A reply to a message of the group (the bot's or a member's), as a text. */
  reply(messageId: number, text: string): Update;
  /** A reply with a photo instead of a text. */
  replyPhoto(messageId: number, caption?: string): Update;
  tap(messageId: number, callbackData: string, opts?: { unchecked?: boolean }): Update;
  tapButton(label: string, messageId?: number): Update;
}

/** A group (a supergroup, as Telegram makes them today) with the bot in it. */
export interface Group {
  readonly chat: Chat.SupergroupChat;
  member(opts?: { userId?: number; firstName?: string }): GroupMember;
  messages(): BotMessage[];
  waitForMessages(count: number, timeoutMs?: number): Promise<BotMessage[]>;
}

/** Thrown inside a method handler to answer `{ ok: false, error_code, description }`. */
export class BotApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(description);
  }
}

type Handler = (body: ApiBody, res?: ServerResponse) => unknown;
type NonChannelMessage = Message & Update.NonChannel;
/** What Telegram puts in `reply_to_message`: a message without a reply of its own. */
type ReplyMessage = NonNullable<Message["reply_to_message"]>;

interface ChatState {
  chat: Chat;
  nextMessageId: number;
  botMessages: Map<number, BotMessage>;
  userMessages: Map<number, NonChannelMessage>;
  blocked: boolean;
}

interface Poller {
  limit: number;
  finish(updates: Update[] | BotApiError): void;
}

const now = (): number => Math.floor(Date.now() / 1000);
const bad = (description: string): BotApiError => new BotApiError(400, `Bad Request: ${description}`);
const byteOffset = (text: string, index: number): number => Buffer.byteLength(text.slice(0, index));

/** JSON with object keys sorted, to compare markups regardless of key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

function commandEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  for (const match of text.matchAll(/(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?=$|\s)/g)) {
    const command = match[2] ?? "";
    entities.push({
      type: "bot_command",
      offset: (match.index ?? 0) + (match[1] ?? "").length,
      length: command.length,
    });
  }
  return entities;
}

// ---------------------------------------------------------------- body fields

function optString(body: ApiBody, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw bad(`wrong parameter ${key}`);
}

function optNumber(body: ApiBody, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw bad(`wrong parameter ${key}`);
  return n;
}

function optBoolean(body: ApiBody, key: string): boolean {
  const value = body[key];
  return value === true || value === "true" || value === 1 || value === "1";
}

function optJson(body: ApiBody, key: string, what: string): unknown {
  const value = body[key];
  if (typeof value !== "string") return value ?? undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw bad(`can't parse ${what} JSON object`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const BUTTON_ACTIONS = [
  "callback_data",
  "url",
  "web_app",
  "login_url",
  "disabled",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "copy_text",
  "callback_game",
  "pay",
];

function checkInlineKeyboard(markup: Record<string, unknown>): InlineKeyboardMarkup {
  const rows = markup.inline_keyboard;
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) throw bad('field "inline_keyboard" must be an Array');
  for (const row of rows as unknown[][]) {
    for (const button of row) {
      if (!isRecord(button) || typeof button.text !== "string")
        throw bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
      if (!BUTTON_ACTIONS.some((action) => button[action] !== undefined))
        throw bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      const data = button.callback_data;
      if (data !== undefined && (typeof data !== "string" || data === "" || Buffer.byteLength(data) > 64))
        throw bad("BUTTON_DATA_INVALID");
      const url = button.url;
      if (url !== undefined && (typeof url !== "string" || !/^(https?|tg):\/\/\S+$/i.test(url)))
        throw bad("BUTTON_URL_INVALID");
    }
  }
  return markup as unknown as InlineKeyboardMarkup;
}

function readMarkup(body: ApiBody, inlineOnly: boolean): ReplyMarkup | undefined {
  const markup = optJson(body, "reply_markup", "reply keyboard markup");
  if (markup === undefined) return undefined;
  if (!isRecord(markup)) throw bad("object expected as reply markup");
  if ("inline_keyboard" in markup) return checkInlineKeyboard(markup);
  if (inlineOnly) throw bad("inline keyboard expected");
  if (Array.isArray(markup.keyboard)) return markup as unknown as ReplyKeyboardMarkup;
  if (markup.remove_keyboard === true) return markup as unknown as ReplyKeyboardRemove;
  if (markup.force_reply === true) return markup as unknown as ForceReply;
  throw bad('can\'t find field "inline_keyboard"');
}

const isInline = (markup: ReplyMarkup | undefined): markup is InlineKeyboardMarkup =>
  markup !== undefined && "inline_keyboard" in markup;

function buttonsOf(markup: ReplyMarkup | undefined): Button[] {
  if (!markup) return [];
  if (isInline(markup))
    return markup.inline_keyboard.flat().map((b) => ({
      text: b.text,
      ...("callback_data" in b ? { callbackData: b.callback_data } : {}),
      ...("url" in b ? { url: b.url } : {}),
    }));
  if ("keyboard" in markup) return markup.keyboard.flat().map((b) => ({ text: typeof b === "string" ? b : b.text }));
  return [];
}

// ---------------------------------------------------------------- parse_mode

const HTML_TAGS = new Set([
  "a",
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "span",
  "tg-spoiler",
  "tg-emoji",
  "tg-time",
  "code",
  "pre",
  "blockquote",
]);

function parseHtml(text: string): string {
  const fail = (why: string): BotApiError => bad(`can't parse entities: ${why}`);
  const open: string[] = [];
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? "";
    const rest = text.slice(i);
    if (c === "&") {
      const entity = /^&(#x[0-9a-f]+|#[0-9]+|lt|gt|amp|quot);/i.exec(rest);
      const name = entity?.[1]?.toLowerCase();
      if (entity && name) {
        const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
        out +=
          named[name] ??
          String.fromCodePoint(name.startsWith("#x") ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1)));
        i += entity[0].length;
        continue;
      }
    }
    if (c !== "<") {
      out += c;
      i += 1;
      continue;
    }
    const at = byteOffset(text, i);
    if (text[i + 1] === "/") {
      const end = /^<\/([a-z0-9-]*)\s*>/i.exec(rest);
      if (!end) throw fail(`Unclosed end tag at byte offset ${at}`);
      const tag = open.pop();
      if (tag === undefined) throw fail(`Unexpected end tag at byte offset ${at}`);
      const name = (end[1] ?? "").toLowerCase();
      if (name !== tag)
        throw fail(`Unmatched end tag at byte offset ${at}, expected "</${tag}>", found "</${end[1] ?? ""}>"`);
      i += end[0].length;
      continue;
    }
    const name = (/^<([a-z0-9-]*)/i.exec(rest)?.[1] ?? "").toLowerCase();
    if (name === "") throw fail(`Empty tag name at byte offset ${at}`);
    if (!HTML_TAGS.has(name)) throw fail(`Unsupported start tag "${name}" at byte offset ${at}`);
    const start = /^<[a-z0-9-]+(?:\s+[a-z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?)*\s*>/i.exec(rest);
    if (!start) throw fail(`Unclosed start tag at byte offset ${at}`);
    if (name === "span" && !/class\s*=\s*["']?tg-spoiler/i.test(start[0]))
      throw fail(`Tag "span" must have class "tg-spoiler" at byte offset ${at}`);
    open.push(name);
    i += start[0].length;
  }
  const unclosed = open.at(-1);
  if (unclosed !== undefined) throw fail(`Can't find end tag corresponding to start tag "${unclosed}"`);
  return out;
}

const MDV2_RESERVED = "_*[]()~`>#+-=|{}.!";
const MDV2_NAMES: Record<string, string> = {
  "*": "Bold",
  _: "Italic",
  __: "Underline",
  "~": "Strikethrough",
  "||": "Spoiler",
  "[": "TextUrl",
};

function parseMarkdownV2(text: string): string {
  const fail = (why: string): BotApiError => bad(`can't parse entities: ${why}`);
  const open: Array<{ mark: string; at: number }> = [];
  let out = "";
  let i = 0;
  /** Index of the closing `mark` (backslash escapes skipped), or -1. */
  const closing = (from: number, mark: string): number => {
    for (let j = from; j < text.length; j++) {
      if (text[j] === "\\") j++;
      else if (text.startsWith(mark, j)) return j;
    }
    return -1;
  };
  const unescapeAll = (s: string): string => s.replace(/\\([\s\S])/g, "$1");
  while (i < text.length) {
    const c = text[i] ?? "";
    const next = text[i + 1] ?? "";
    if (c === "\\" && next !== "" && next.charCodeAt(0) < 127) {
      out += next;
      i += 2;
      continue;
    }
    if (!MDV2_RESERVED.includes(c)) {
      out += c;
      i += 1;
      continue;
    }
    if (c === "`") {
      const mark = text.startsWith("```", i) ? "```" : "`";
      const end = closing(i + mark.length, mark);
      if (end < 0)
        throw fail(`Can't find end of ${mark === "`" ? "Code" : "Pre"} entity at byte offset ${byteOffset(text, i)}`);
      let inner = text.slice(i + mark.length, end);
      if (mark === "```") inner = inner.replace(/^[^\s`]*\n/, "");
      out += unescapeAll(inner);
      i = end + mark.length;
      continue;
    }
    const mark = c === "_" && next === "_" ? "__" : c === "|" && next === "|" ? "||" : c;
    if (mark === "*" || mark === "_" || mark === "__" || mark === "~" || mark === "||") {
      if (open.at(-1)?.mark === mark) open.pop();
      else open.push({ mark, at: i });
      i += mark.length;
      continue;
    }
    if (c === "[" || (c === "!" && next === "[")) {
      open.push({ mark: "[", at: i });
      i += c === "!" ? 2 : 1;
      continue;
    }
    if (c === "]" && open.at(-1)?.mark === "[") {
      open.pop();
      i += 1;
      if (text[i] === "(") {
        const end = closing(i + 1, ")");
        if (end < 0) throw fail(`Can't find end of a URL at byte offset ${byteOffset(text, i)}`);
        i = end + 1;
      }
      continue;
    }
    if (c === ">" && (i === 0 || text[i - 1] === "\n")) {
      i += 1;
      continue;
    }
    if (c === "*" && next === "*" && text[i + 2] === ">" && (i === 0 || text[i - 1] === "\n")) {
      i += 3;
      continue;
    }
    throw fail(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
  }
  const unclosed = open.at(-1);
  if (unclosed)
    throw fail(
      `Can't find end of ${MDV2_NAMES[unclosed.mark] ?? "an"} entity at byte offset ${byteOffset(text, unclosed.at)}`,
    );
  return out;
}

function parseMarkdown(text: string): string {
  const fail = (at: number): BotApiError =>
    bad(`can't parse entities: Can't find end of the entity starting at byte offset ${byteOffset(text, at)}`);
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? "";
    const next = text[i + 1] ?? "";
    if (c === "\\" && "_*`[".includes(next) && next !== "") {
      out += next;
      i += 2;
    } else if (c === "*" || c === "_" || c === "`") {
      const mark = c === "`" && text.startsWith("```", i) ? "```" : c;
      const end = text.indexOf(mark, i + mark.length);
      if (end < 0) throw fail(i);
      out += text.slice(i + mark.length, end);
      i = end + mark.length;
    } else if (c === "[") {
      const end = text.indexOf("]", i + 1);
      if (end < 0) throw fail(i);
      out += text.slice(i + 1, end);
      i = end + 1;
      if (text[i] === "(") {
        const close = text.indexOf(")", i);
        if (close < 0) throw fail(i);
        i = close + 1;
      }
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** The text Telegram would show for `source` sent with `parseMode`; throws 400 as Telegram does. */
export function renderText(source: string, parseMode: string | undefined): string {
  switch (parseMode?.toLowerCase()) {
    case undefined:
    case "":
      return source;
    case "html":
      return parseHtml(source);
    case "markdownv2":
      return parseMarkdownV2(source);
    case "markdown":
      return parseMarkdown(source);
    default:
      throw bad("unsupported parse_mode");
  }
}

// ---------------------------------------------------------------- the emulator

export class BotApiEmulator {
  readonly token: string;
  readonly bot: UserFromGetMe;
  /** Every request that reached a method, in order (also the failed ones). */
  readonly calls: ApiCall[] = [];
  readonly answeredCallbacks = new Set<string>();
  readonly callbackAnswers = new Map<string, CallbackAnswer>();
  webhook: WebhookState | undefined;

  private server: Server | undefined;
  private root: string | undefined;
  private readonly options: BotApiEmulatorOptions;
  private readonly handlers = new Map<string, Handler>();
  private readonly failures = new Map<string, InjectedFailure[]>();
  private readonly chats = new Map<number, ChatState>();
  private readonly sendLog = new Map<number, number[]>();
  private readonly commandStore = new Map<string, { scope: string; language: string; commands: BotCommand[] }>();
  private readonly issuedCallbacks = new Set<string>();
  private queue: Update[] = [];
  private poller: Poller | undefined;
  private nextUpdateId = 700_000_001;
  private nextUserId = 1_000_001;
  private serial = 0;

  constructor(options: BotApiEmulatorOptions = {}) {
    this.options = options;
    this.token = options.validToken ?? TEST_TOKEN;
    this.bot = {
      id: Number(this.token.split(":")[0]),
      is_bot: true,
      first_name: options.firstName ?? "Puente Test",
      username: options.username ?? "PuenteTestBot",
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
    this.registerMethods();
  }

  // ------------------------------------------------------------ lifecycle

  /** e.g. http://127.0.0.1:41234 — pass as grammY's `client.apiRoot`. */
  get apiRoot(): string {
    if (!this.root) throw new Error("BotApiEmulator: not started");
    return this.root;
  }

  async start(): Promise<void> {
    if (this.server) throw new Error("BotApiEmulator: already started");
    const server = createServer((req, res) => {
      this.onRequest(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed)
          this.reply(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(error)}` });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.poller?.finish([]);
    this.server = undefined;
    this.root = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ------------------------------------------------------------ recording

  callsOf(method: string): ApiCall[] {
    const name = method.toLowerCase();
    return this.calls.filter((call) => call.method.toLowerCase() === name);
  }

  /** The bot's messages in a chat, in order, as they stand now (copies). */
  messages(chatId: number): BotMessage[] {
    return [...(this.chats.get(chatId)?.botMessages.values() ?? [])].map((m) => ({ ...m, buttons: [...m.buttons] }));
  }

  message(chatId: number, messageId: number): BotMessage | undefined {
    const found = this.chats.get(chatId)?.botMessages.get(messageId);
    return found && { ...found, buttons: [...found.buttons] };
  }

  lastMessage(chatId: number): BotMessage | undefined {
    return this.messages(chatId).at(-1);
  }

  /** Commands of the default scope, by language_code ("" = no language). */
  get commands(): Map<string, BotCommand[]> {
    const byLanguage = new Map<string, BotCommand[]>();
    for (const entry of this.commandStore.values())
      if (entry.scope === "default") byLanguage.set(entry.language, entry.commands);
    return byLanguage;
  }

  commandsFor(scope?: BotCommandScope, languageCode = ""): BotCommand[] | undefined {
    return this.commandStore.get(`${scopeKey(scope)}|${languageCode}`)?.commands;
  }

  /** Date.now() of every sendMessage request for a chat, in arrival order, whatever its outcome. */
  sendTimes(chatId: number): number[] {
    return [...(this.sendLog.get(chatId) ?? [])];
  }

  /** The most sendMessage requests to a chat that fell within any window of `windowMs`. */
  maxSendsWithin(chatId: number, windowMs: number): number {
    const times = this.sendTimes(chatId);
    let best = 0;
    let from = 0;
    for (let to = 0; to < times.length; to++) {
      while ((times[to] ?? 0) - (times[from] ?? 0) >= windowMs) from++;
      best = Math.max(best, to - from + 1);
    }
    return best;
  }

  /** Updates queued and not yet confirmed by a getUpdates offset (or delivered to a webhook). */
  get pendingUpdates(): number {
    return this.queue.length;
  }

  /** Forget recorded calls, messages, answers and queued updates (people and chats stay). */
  clearRecords(): void {
    this.calls.length = 0;
    this.answeredCallbacks.clear();
    this.callbackAnswers.clear();
    this.sendLog.clear();
    this.queue = [];
    for (const state of this.chats.values()) {
      state.botMessages.clear();
      state.userMessages.clear();
    }
  }

  // ------------------------------------------------------------ faults and extensions

  /** The next `times` calls of `method` fail: with an error answer, or with the socket destroyed. */
  failNext(method: string, failure: InjectedFailure, times = 1): void {
    const name = method.toLowerCase();
    const queued = this.failures.get(name) ?? [];
    for (let n = 0; n < times; n++) queued.push(failure);
    this.failures.set(name, queued);
  }

  /** The next `times` calls of `method` are answered only after `ms`: a slow Telegram. */
  slowNext(method: string, ms: number, times = 1): void {
    const name = method.toLowerCase();
    const handler = this.handlers.get(name);
    if (!handler) throw new Error(`slowNext: no method ${method}`);
    let left = times;
    this.handlers.set(name, async (body, res) => {
      if (left > 0) {
        left--;
        await sleep(ms);
      }
      return handler(body, res);
    });
  }

  /** Adds (or replaces) a method; throw BotApiError from `fn` to answer an error. */
  handle(method: string, fn: (body: ApiBody) => unknown): void {
    this.handlers.set(method.toLowerCase(), (body) => fn(body));
  }

  // ------------------------------------------------------------ people and updates

  /** Queues an update for getUpdates; `update_id` is assigned when missing. */
  enqueue(update: Omit<Update, "update_id"> & { update_id?: number }): Update {
    const full: Update = { ...update, update_id: update.update_id ?? this.nextUpdateId++ };
    if (full.update_id >= this.nextUpdateId) this.nextUpdateId = full.update_id + 1;
    this.queue.push(full);
    const poller = this.poller;
    if (poller) setImmediate(() => poller.finish(this.queue.slice(0, poller.limit)));
    return full;
  }

  person(opts: PersonOptions = {}): Person {
    const userId = opts.userId ?? opts.chatId ?? this.nextUserId++;
    const firstName = opts.firstName ?? `Persona ${userId}`;
    const user: User = {
      id: userId,
      is_bot: false,
      first_name: firstName,
      ...(opts.username ? { username: opts.username } : {}),
      ...(opts.languageCode ? { language_code: opts.languageCode } : {}),
    };
    const chat: Chat.PrivateChat = {
      id: opts.chatId ?? userId,
      type: "private",
      first_name: firstName,
      ...(opts.username ? { username: opts.username } : {}),
    };
    this.chatState(chat);
    const send = (content: MessageContent): Update => this.enqueue({ message: this.userMessage(chat, user, content) });
    const media = (content: MessageContent, caption?: string): Update =>
      send(caption ? { ...content, caption } : content);
    const membership = (blocked: boolean): Update => {
      this.chatState(chat).blocked = blocked;
      const member = { status: "member" as const, user: this.bot };
      const kicked = { status: "kicked" as const, user: this.bot, until_date: 0 };
      return this.enqueue({
        my_chat_member: {
          chat,
          from: user,
          date: now(),
          old_chat_member: blocked ? member : kicked,
          new_chat_member: blocked ? kicked : member,
        },
      });
    };
    const person: Person = {
      user,
      chat,
      send: (text, entities) => {
        const found = entities ?? commandEntities(text);
        return send({ text, ...(found.length ? { entities: found } : {}) });
      },
      sendCommand: (command) => {
        const text = command.startsWith("/") ? command : `/${command}`;
        const length = text.split(/\s/)[0]?.length ?? text.length;
        return send({ text, entities: [{ type: "bot_command", offset: 0, length }] });
      },
      tap: (messageId, callbackData, tapOpts) =>
        this.tap(chat, user, messageId, callbackData, tapOpts?.unchecked, tapOpts?.inaccessible),
      pickLanguage: async (lng, timeoutMs = 15_000) => {
        const code = (lng ?? opts.languageCode ?? "").slice(0, 2).toLowerCase();
        if (!code) throw new Error(`pickLanguage: no language given and ${firstName} has no languageCode`);
        const data = `l:${code}`;
        const picker = (): BotMessage | undefined => {
          const latest = this.lastMessage(chat.id);
          return latest?.buttons.some((b) => b.callbackData === data) ? latest : undefined;
        };
        try {
          await this.waitFor(() => picker() !== undefined, timeoutMs);
        } catch {
          const got = this.messages(chat.id).map((m) => JSON.stringify(m.text));
          throw new Error(
            `pickLanguage: no picker with "${data}" as the latest message in chat ${chat.id} within ${timeoutMs} ms, got ${got.length}: ${got.join(", ")}`,
          );
        }
        return this.tap(chat, user, (picker() as BotMessage).messageId, data, false);
      },
      tapButton: (label, messageId) => {
        const candidates = this.messages(chat.id).reverse();
        for (const m of candidates) {
          if (messageId !== undefined && m.messageId !== messageId) continue;
          const button = m.buttons.find((b) => b.text === label && b.callbackData !== undefined);
          if (button?.callbackData !== undefined) return this.tap(chat, user, m.messageId, button.callbackData, false);
        }
        const labels = candidates.flatMap((m) => m.buttons.map((b) => `${m.messageId}:${JSON.stringify(b.text)}`));
        throw new Error(
          `tapButton: no callback button "${label}" in chat ${chat.id} (buttons: ${labels.join(", ") || "none"})`,
        );
      },
      sendSticker: (emoji = "👍") =>
        send({
          sticker: {
            ...this.file("CAACAgIAAxkBAAI"),
            type: "regular",
            width: 512,
            height: 512,
            is_animated: false,
            is_video: false,
            emoji,
            set_name: "PuenteTest",
          },
        }),
      sendPhoto: (caption) => media({ photo: this.photoSizes() }, caption),
      sendVoice: (duration = 3) =>
        send({
          voice: { ...this.file("AwACAgQAAxkBAAI"), duration, mime_type: "audio/ogg", file_size: 8_000 * duration },
        }),
      sendVideo: (caption) =>
        media(
          {
            video: {
              ...this.file("BAACAgQAAxkBAAI"),
              width: 1280,
              height: 720,
              duration: 5,
              mime_type: "video/mp4",
              file_size: 1_500_000,
            },
          },
          caption,
        ),
      sendDocument: (fileName = "documento.pdf", caption) =>
        media(
          {
            document: {
              ...this.file("BQACAgQAAxkBAAI"),
              file_name: fileName,
              mime_type: fileName.endsWith(".pdf") ? "application/pdf" : "application/octet-stream",
              file_size: 120_000,
            },
          },
          caption,
        ),
      sendLocation: (latitude = 40.4168, longitude = -3.7038) => send({ location: { latitude, longitude } }),
      sendContact: (phoneNumber = "+34600000000") =>
        send({ contact: { phone_number: phoneNumber, first_name: firstName, user_id: userId } }),
      sendPoll: (question = "¿Qué día?", options = ["Lunes", "Martes"]) => send({ poll: this.poll(question, options) }),
      editMessage: (messageId, newText) => {
        const state = this.chatState(chat);
        const original = state.userMessages.get(messageId);
        if (!original) throw new Error(`editMessage: ${firstName} sent no message ${messageId} in chat ${chat.id}`);
        const entities = commandEntities(newText);
        const { entities: _old, ...rest } = original;
        const edited: NonChannelMessage = { ...rest, text: newText, ...(entities.length ? { entities } : {}) };
        state.userMessages.set(messageId, edited);
        return this.enqueue({ edited_message: { ...edited, edit_date: now() } });
      },
      groupMessage: (text, group) => this.groupMessage(text, { ...group, from: user }),
      channelPost: (text, channel) => this.channelPost(text, channel),
      block: () => membership(true),
      unblock: () => membership(false),
      messages: () => this.messages(chat.id),
      waitForMessages: (count, timeoutMs) => this.waitForMessages(chat.id, count, timeoutMs),
    };
    return person;
  }

  /** A supergroup with the bot in it, such as a staff group; its members act in it. */
  group(opts: ChatOptions = {}): Group {
    const chat: Chat.SupergroupChat = {
      id: opts.chatId ?? -1_002_000_000_001,
      type: "supergroup",
      title: opts.title ?? "Equipo de la oficina",
    };
    this.chatState(chat);
    const member = (memberOpts: { userId?: number; firstName?: string } = {}): GroupMember => {
      const userId = memberOpts.userId ?? this.nextUserId++;
      const user: User = { id: userId, is_bot: false, first_name: memberOpts.firstName ?? `Miembro ${userId}` };
      const send = (content: MessageContent) => this.enqueue({ message: this.userMessage(chat, user, content) });
      // What Telegram puts in reply_to_message: the message replied to, without its own reply.
      const replyTo = (messageId: number): ReplyMessage => {
        const state = this.chatState(chat);
        const bot = state.botMessages.get(messageId);
        const found: Message | undefined = bot ? this.asMessage(state, bot) : state.userMessages.get(messageId);
        if (!found) throw new Error(`reply: no message ${messageId} in group ${chat.id}`);
        const { reply_to_message: _nested, ...replied } = found;
        return replied as ReplyMessage;
      };
      const tapIn = (messageId: number, data: string, unchecked = false) =>
        this.tap(chat, user, messageId, data, unchecked);
      return {
        user,
        send: (text) => {
          const entities = commandEntities(text);
          return send({ text, ...(entities.length ? { entities } : {}) });
        },
        reply: (messageId, text) => {
          const entities = commandEntities(text);
          return send({ text, reply_to_message: replyTo(messageId), ...(entities.length ? { entities } : {}) });
        },
        replyPhoto: (messageId, caption) =>
          send({ photo: this.photoSizes(), reply_to_message: replyTo(messageId), ...(caption ? { caption } : {}) }),
        tap: (messageId, data, tapOpts) => tapIn(messageId, data, tapOpts?.unchecked),
        tapButton: (label, messageId) => {
          for (const m of this.messages(chat.id).reverse()) {
            if (messageId !== undefined && m.messageId !== messageId) continue;
            const button = m.buttons.find((b) => b.text === label && b.callbackData !== undefined);
            if (button?.callbackData !== undefined) return tapIn(m.messageId, button.callbackData);
          }
          throw new Error(`tapButton: no button "${label}" in group ${chat.id}`);
        },
      };
    };
    return {
      chat,
      member,
      messages: () => this.messages(chat.id),
      waitForMessages: (count, timeoutMs) => this.waitForMessages(chat.id, count, timeoutMs),
    };
  }

  /** A message in a basic group (type "group", negative id), from `from` or a new user. */
  groupMessage(text: string, opts: ChatOptions & { from?: User } = {}): Update {
    const chat: Chat.GroupChat = {
      id: opts.chatId ?? -4_000_000_001,
      type: "group",
      title: opts.title ?? "Grupo de prueba",
    };
    const from: User = opts.from ?? { id: this.nextUserId++, is_bot: false, first_name: "Miembro" };
    const entities = commandEntities(text);
    return this.enqueue({
      message: this.userMessage(chat, from, { text, ...(entities.length ? { entities } : {}) }),
    });
  }

  /** A post in a channel the bot is in (no `from`, `sender_chat` = the channel). */
  channelPost(text: string, opts: ChatOptions = {}): Update {
    const chat: Chat.ChannelChat = {
      id: opts.chatId ?? -1_001_000_000_001,
      type: "channel",
      title: opts.title ?? "Canal de prueba",
    };
    const state = this.chatState(chat);
    return this.enqueue({
      channel_post: { message_id: state.nextMessageId++, date: now(), chat, sender_chat: chat, text },
    });
  }

  // ------------------------------------------------------------ webhook delivery

  /** POSTs an update as Telegram would (with the secret header when given); returns the HTTP status. */
  async postToWebhook(url: string, update: Update, secret?: string): Promise<number> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (secret !== undefined) headers["X-Telegram-Bot-Api-Secret-Token"] = secret;
    this.queue = this.queue.filter((u) => u.update_id !== update.update_id);
    const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(update) });
    await response.arrayBuffer();
    return response.status;
  }

  /** postToWebhook to the URL and secret the bot registered with setWebhook. */
  async deliverToWebhook(update: Update): Promise<number> {
    if (!this.webhook) throw new Error("deliverToWebhook: no webhook set (setWebhook was not called)");
    return this.postToWebhook(this.webhook.url, update, this.webhook.secretToken);
  }

  // ------------------------------------------------------------ waiting

  async waitFor(predicate: () => boolean, timeoutMs = 15_000, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`BotApiEmulator.waitFor: ${what} not met within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /** Waits until the bot has sent at least `count` messages to the chat; returns them all. */
  async waitForMessages(chatId: number, count: number, timeoutMs = 15_000): Promise<BotMessage[]> {
    try {
      await this.waitFor(() => (this.chats.get(chatId)?.botMessages.size ?? 0) >= count, timeoutMs);
    } catch {
      const got = this.messages(chatId).map((m) => JSON.stringify(m.text));
      throw new Error(
        `waitForMessages: ${count} expected in chat ${chatId} within ${timeoutMs} ms, got ${got.length}: ${got.join(", ")}`,
      );
    }
    return this.messages(chatId);
  }

  /** Waits until `method` has been called at least `count` times; returns those calls. */
  async waitForCall(method: string, count = 1, timeoutMs = 15_000): Promise<ApiCall[]> {
    await this.waitFor(() => this.callsOf(method).length >= count, timeoutMs, `${count} call(s) of ${method}`);
    return this.callsOf(method);
  }

  // ------------------------------------------------------------ HTTP

  private reply(res: ServerResponse, status: number, payload: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    const text = JSON.stringify(payload);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  private fail(res: ServerResponse, error: BotApiError): void {
    this.reply(res, error.code, {
      ok: false,
      error_code: error.code,
      description: error.description,
      ...(error.parameters ? { parameters: error.parameters } : {}),
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const route = /^\/bot([^/]*)\/([A-Za-z0-9_]+)\/?$/.exec(url.pathname);
    const token = route?.[1];
    const method = route?.[2];
    if (token === undefined || method === undefined || !TOKEN_FORM.test(token))
      return this.fail(res, new BotApiError(404, "Not Found"));

    let body: ApiBody = Object.fromEntries(url.searchParams);
    const bytes = Buffer.concat(chunks);
    const raw = bytes.toString("utf8");
    const type = req.headers["content-type"] ?? "";
    try {
      if (raw && type.includes("json")) {
        const parsed: unknown = JSON.parse(raw);
        if (isRecord(parsed)) body = { ...body, ...parsed };
      } else if (raw && type.includes("x-www-form-urlencoded")) {
        body = { ...body, ...Object.fromEntries(new URLSearchParams(raw)) };
      } else if (bytes.length && type.includes("multipart/form-data")) {
        body = { ...body, ...readMultipart(bytes, type) };
      }
    } catch {
      return this.fail(res, bad("can't parse JSON request body"));
    }

    const at = Date.now();
    this.calls.push({ method, body, at });
    const name = method.toLowerCase();
    if (name === "sendmessage") {
      const chatId = Number(body.chat_id);
      if (Number.isFinite(chatId)) this.sendLog.set(chatId, [...(this.sendLog.get(chatId) ?? []), at]);
    }
    if (this.options.validToken !== undefined && token !== this.options.validToken)
      return this.fail(res, new BotApiError(401, "Unauthorized"));

    const failure = this.failures.get(name)?.shift();
    if (failure) {
      if ("networkError" in failure) {
        req.socket.destroy();
        return;
      }
      const code = failure.error_code;
      const description =
        failure.description ??
        (code === 429
          ? `Too Many Requests: retry after ${failure.retry_after ?? 1}`
          : code === 403
            ? "Forbidden: bot was blocked by the user"
            : code >= 500
              ? "Internal Server Error"
              : "Bad Request");
      const parameters = {
        ...(failure.retry_after !== undefined || code === 429 ? { retry_after: failure.retry_after ?? 1 } : {}),
        ...(failure.migrate_to_chat_id !== undefined ? { migrate_to_chat_id: failure.migrate_to_chat_id } : {}),
      };
      return this.fail(
        res,
        new BotApiError(code, description, Object.keys(parameters).length ? parameters : undefined),
      );
    }

    const handler = this.handlers.get(name);
    if (!handler) return this.fail(res, new BotApiError(404, "Not Found: method not found"));
    try {
      const result = await handler(body, res);
      this.reply(res, 200, { ok: true, result });
    } catch (error) {
      if (error instanceof BotApiError) this.fail(res, error);
      else this.fail(res, new BotApiError(500, `Internal Server Error: ${String(error)}`));
    }
  }

  // ------------------------------------------------------------ methods

  private registerMethods(): void {
    const methods: Record<string, Handler> = {
      getMe: () => this.bot,
      logOut: () => true,
      close: () => true,
      getUpdates: (body, res) => this.getUpdates(body, res),
      setWebhook: (body) => this.setWebhook(body),
      deleteWebhook: (body) => {
        if (optBoolean(body, "drop_pending_updates")) this.queue = [];
        this.webhook = undefined;
        return true;
      },
      getWebhookInfo: (): WebhookInfo => ({
        url: this.webhook?.url ?? "",
        has_custom_certificate: false,
        pending_update_count: this.queue.length,
        ...(this.webhook?.maxConnections ? { max_connections: this.webhook.maxConnections } : {}),
        ...(this.webhook?.allowedUpdates
          ? { allowed_updates: this.webhook.allowedUpdates as WebhookInfo["allowed_updates"] }
          : {}),
      }),
      setMyCommands: (body) => this.setMyCommands(body),
      getMyCommands: (body) => this.commandsFor(readScope(body), optString(body, "language_code") ?? "") ?? [],
      deleteMyCommands: (body) => {
        this.commandStore.delete(`${scopeKey(readScope(body))}|${optString(body, "language_code") ?? ""}`);
        return true;
      },
      sendMessage: (body) => this.sendMessage(body),
      copyMessage: (body) => this.copyMessage(body),
      sendPhoto: (body) => this.sendMedia(body, "photo"),
      sendDocument: (body) => this.sendMedia(body, "document"),
      editMessageText: (body) => this.editMessage(body, true),
      editMessageReplyMarkup: (body) => this.editMessage(body, false),
      answerCallbackQuery: (body) => {
        const id = optString(body, "callback_query_id");
        if (!id) throw bad("query_id is empty");
        if (!this.issuedCallbacks.has(id) || this.answeredCallbacks.has(id)) throw bad(QUERY_INVALID);
        const text = optString(body, "text");
        const url = optString(body, "url");
        if (text !== undefined && text.length > 200) throw bad("MESSAGE_TOO_LONG");
        this.answeredCallbacks.add(id);
        this.callbackAnswers.set(id, {
          ...(text !== undefined ? { text } : {}),
          ...(url !== undefined ? { url } : {}),
          showAlert: optBoolean(body, "show_alert"),
          at: Date.now(),
        });
        return true;
      },
      sendChatAction: (body) => {
        const state = this.chatFor(body);
        if (!optString(body, "action")) throw bad("wrong parameter action in request");
        if (state.blocked) throw new BotApiError(403, "Forbidden: bot was blocked by the user");
        return true;
      },
    };
    for (const [name, handler] of Object.entries(methods)) this.handlers.set(name.toLowerCase(), handler);
  }

  private getUpdates(body: ApiBody, res?: ServerResponse): Update[] | Promise<Update[]> {
    if (this.webhook)
      throw new BotApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    const offset = optNumber(body, "offset");
    const limit = Math.min(100, Math.max(1, optNumber(body, "limit") ?? 100));
    const timeout = Math.max(0, optNumber(body, "timeout") ?? 0);
    if (offset !== undefined && offset < 0) this.queue = this.queue.slice(offset);
    else if (offset !== undefined) this.queue = this.queue.filter((u) => u.update_id >= offset);
    this.poller?.finish(
      new BotApiError(
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
      ),
    );
    const ready = this.queue.slice(0, limit);
    if (ready.length > 0 || timeout === 0 || !res) return ready;
    return new Promise<Update[]>((resolve, reject) => {
      const poller: Poller = {
        limit,
        finish: (outcome) => {
          if (this.poller !== poller) return;
          this.poller = undefined;
          clearTimeout(timer);
          if (outcome instanceof BotApiError) reject(outcome);
          else resolve(outcome);
        },
      };
      const timer = setTimeout(() => poller.finish([]), timeout * 1000);
      this.poller = poller;
      res.once("close", () => poller.finish([]));
    });
  }

  private setWebhook(body: ApiBody): boolean {
    const url = optString(body, "url");
    if (url === undefined) throw bad('parameter "url" is required');
    if (url === "") {
      this.webhook = undefined;
      return true;
    }
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      throw bad("bad webhook: invalid webhook URL specified");
    const secretToken = optString(body, "secret_token");
    if (secretToken !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secretToken))
      throw bad("secret token contains unallowed characters");
    const allowed = optJson(body, "allowed_updates", "allowed updates");
    const maxConnections = optNumber(body, "max_connections");
    const dropPendingUpdates = optBoolean(body, "drop_pending_updates");
    if (dropPendingUpdates) this.queue = [];
    this.webhook = {
      url,
      dropPendingUpdates,
      ...(secretToken !== undefined ? { secretToken } : {}),
      ...(Array.isArray(allowed) ? { allowedUpdates: allowed.map(String) } : {}),
      ...(maxConnections !== undefined ? { maxConnections } : {}),
    };
    return true;
  }

  private setMyCommands(body: ApiBody): boolean {
    const commands = optJson(body, "commands", "commands");
    if (!Array.isArray(commands)) throw bad('parameter "commands" is required');
    if (commands.length > 100) throw bad("BOT_COMMANDS_TOO_MUCH");
    const checked: BotCommand[] = commands.map((entry: unknown) => {
      if (!isRecord(entry) || typeof entry.command !== "string" || typeof entry.description !== "string")
        throw bad("can't parse BotCommand");
      if (!/^\/?[a-z0-9_]{1,32}$/.test(entry.command)) throw bad("BOT_COMMAND_INVALID");
      if (entry.description.trim().length === 0 || entry.description.length > 256)
        throw bad("command description must be non-empty");
      return { command: entry.command.replace(/^\//, ""), description: entry.description };
    });
    const language = optString(body, "language_code") ?? "";
    if (language !== "" && !/^[a-z]{2}$/.test(language)) throw bad("invalid language code specified");
    const scope = scopeKey(readScope(body));
    this.commandStore.set(`${scope}|${language}`, { scope, language, commands: checked });
    return true;
  }

  private sendMessage(body: ApiBody): Message {
    const state = this.chatFor(body);
    if (state.blocked) throw new BotApiError(403, "Forbidden: bot was blocked by the user");
    const flood = this.options.flood;
    if (flood) {
      const windowMs = flood.windowMs ?? 1000;
      const recent = (this.sendLog.get(state.chat.id) ?? []).filter((t) => t > Date.now() - windowMs);
      if (recent.length > flood.perChat) {
        const retryAfter = flood.retryAfter ?? Math.ceil(windowMs / 1000);
        throw new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
      }
    }
    const source = optString(body, "text") ?? "";
    const parseMode = optString(body, "parse_mode");
    const text = checkedText(source, parseMode);
    const replyMarkup = readMarkup(body, false);
    const replyTo = this.replyTarget(state, body);
    const record: BotMessage = {
      chatId: state.chat.id,
      messageId: state.nextMessageId++,
      text,
      source,
      ...(parseMode ? { parseMode } : {}),
      ...(replyMarkup ? { replyMarkup } : {}),
      buttons: buttonsOf(replyMarkup),
      edits: 0,
      date: now(),
      body,
      ...(replyTo !== undefined ? { replyTo } : {}),
    };
    state.botMessages.set(record.messageId, record);
    return this.asMessage(state, record);
  }

  /** The message a reply_parameters names, checked as Telegram does. */
  private replyTarget(state: ChatState, body: ApiBody): number | undefined {
    const parameters = optJson(body, "reply_parameters", "reply parameters");
    if (!isRecord(parameters) || typeof parameters.message_id !== "number") return undefined;
    const exists = state.botMessages.has(parameters.message_id) || state.userMessages.has(parameters.message_id);
    if (!exists && parameters.allow_sending_without_reply !== true) throw bad("message to be replied not found");
    return exists ? parameters.message_id : undefined;
  }

  /** A copy of a message a person sent, without saying who sent it (no forward header). */
  private copyMessage(body: ApiBody): { message_id: number } {
    const target = this.chatFor(body);
    const fromId = Number(optString(body, "from_chat_id"));
    const messageId = optNumber(body, "message_id");
    const from = this.chats.get(fromId);
    const original = messageId === undefined ? undefined : from?.userMessages.get(messageId);
    if (!original || messageId === undefined) throw bad("message to copy not found");
    const caption = optString(body, "caption");
    const media = ["photo", "document", "voice", "video", "sticker"].find((kind) => kind in original) ?? "text";
    const replyTo = this.replyTarget(target, body);
    const record: BotMessage = {
      chatId: target.chat.id,
      messageId: target.nextMessageId++,
      text: caption ?? original.text ?? original.caption ?? "",
      source: caption ?? original.text ?? "",
      buttons: [],
      edits: 0,
      date: now(),
      body,
      media,
      copiedFrom: { chatId: fromId, messageId },
      ...(replyTo !== undefined ? { replyTo } : {}),
    };
    target.botMessages.set(record.messageId, record);
    return { message_id: record.messageId };
  }

  /** A photo or a document the bot uploads (multipart), with its caption. */
  private sendMedia(body: ApiBody, kind: "photo" | "document"): Message {
    const state = this.chatFor(body);
    const file = body[kind];
    if (file === undefined) throw bad(`there is no ${kind} in the request`);
    const caption = optString(body, "caption") ?? "";
    const replyTo = this.replyTarget(state, body);
    const record: BotMessage = {
      chatId: state.chat.id,
      messageId: state.nextMessageId++,
      text: caption,
      source: caption,
      buttons: [],
      edits: 0,
      date: now(),
      body,
      media: kind,
      ...(replyTo !== undefined ? { replyTo } : {}),
    };
    state.botMessages.set(record.messageId, record);
    return this.asMessage(state, record);
  }

  private editMessage(body: ApiBody, withText: boolean): Message {
    if (body.inline_message_id !== undefined) throw bad("inline messages are not supported by the emulator");
    const state = this.chatFor(body);
    if (state.blocked) throw new BotApiError(403, "Forbidden: bot was blocked by the user");
    const messageId = optNumber(body, "message_id");
    if (messageId === undefined) throw bad("message identifier is not specified");
    const record = state.botMessages.get(messageId);
    if (!record) {
      if (state.userMessages.has(messageId)) throw bad("message can't be edited");
      throw bad("message to edit not found");
    }
    const markup = readMarkup(body, true) as InlineKeyboardMarkup | undefined;
    const current = isInline(record.replyMarkup) ? record.replyMarkup : undefined;
    let source = record.source;
    let parseMode = record.parseMode;
    let text = record.text;
    if (withText) {
      source = optString(body, "text") ?? "";
      parseMode = optString(body, "parse_mode");
      text = checkedText(source, parseMode);
    }
    const sameText = text === record.text && source === record.source;
    if (sameText && canonical(markup ?? null) === canonical(current ?? null)) throw bad(NOT_MODIFIED);
    record.text = text;
    record.source = source;
    if (parseMode) record.parseMode = parseMode;
    else delete record.parseMode;
    if (markup) record.replyMarkup = markup;
    else if (current) delete record.replyMarkup;
    record.buttons = buttonsOf(record.replyMarkup);
    record.edits += 1;
    record.editDate = now();
    return this.asMessage(state, record);
  }

  // ------------------------------------------------------------ helpers

  private chatState(chat: Chat): ChatState {
    let state = this.chats.get(chat.id);
    if (!state) {
      state = { chat, nextMessageId: 1, botMessages: new Map(), userMessages: new Map(), blocked: false };
      this.chats.set(chat.id, state);
    }
    return state;
  }

  private chatFor(body: ApiBody): ChatState {
    const raw = optString(body, "chat_id");
    if (raw === undefined || raw === "") throw bad("chat_id is empty");
    if (raw.startsWith("@")) {
      const name = raw.slice(1).toLowerCase();
      const found = [...this.chats.values()].find((s) => s.chat.username?.toLowerCase() === name);
      if (!found) throw bad("chat not found");
      return found;
    }
    const id = Number(raw);
    if (!Number.isSafeInteger(id)) throw bad("chat not found");
    const known = this.chats.get(id);
    if (known) return known;
    if (this.options.knownChatsOnly !== false) throw bad("chat not found");
    return this.chatState(
      id > 0 ? { id, type: "private", first_name: `Persona ${id}` } : { id, type: "group", title: `Grupo ${id}` },
    );
  }

  private asMessage(state: ChatState, record: BotMessage): Message {
    return {
      message_id: record.messageId,
      from: this.bot,
      chat: state.chat,
      date: record.date,
      text: record.text,
      ...(record.editDate !== undefined ? { edit_date: record.editDate } : {}),
      ...(isInline(record.replyMarkup) ? { reply_markup: record.replyMarkup } : {}),
    };
  }

  private userMessage(chat: Exclude<Chat, Chat.ChannelChat>, from: User, content: MessageContent): NonChannelMessage {
    const state = this.chatState(chat);
    const message: NonChannelMessage = { ...content, message_id: state.nextMessageId++, date: now(), chat, from };
    state.userMessages.set(message.message_id, message);
    return message;
  }

  private tap(
    chat: Exclude<Chat, Chat.ChannelChat>,
    from: User,
    messageId: number,
    data: string,
    unchecked = false,
    inaccessible = false,
  ): Update {
    const state = this.chatState(chat);
    const record = state.botMessages.get(messageId);
    if (!record) throw new Error(`tap: the bot sent no message ${messageId} to chat ${chat.id}`);
    if (!unchecked && !record.buttons.some((b) => b.callbackData === data)) {
      const offered = record.buttons.flatMap((b) =>
        b.callbackData === undefined ? [] : [JSON.stringify(b.callbackData)],
      );
      throw new Error(
        `tap: message ${messageId} has no button with callback_data ${JSON.stringify(data)} (has ${offered.join(", ") || "none"})`,
      );
    }
    const id = String(7_000_000_000_000_000 + ++this.serial);
    this.issuedCallbacks.add(id);
    return this.enqueue({
      callback_query: {
        id,
        from,
        message: inaccessible ? { chat, message_id: messageId, date: 0 } : this.asMessage(state, record),
        chat_instance: String(8_000_000_000_000_000 + chat.id),
        data,
      },
    });
  }

  private file(prefix: string): { file_id: string; file_unique_id: string } {
    const n = ++this.serial;
    return { file_id: `${prefix}${n.toString(36).padStart(8, "0")}`, file_unique_id: `AQAD${n.toString(36)}` };
  }

  private photoSizes(): PhotoSize[] {
    return [
      [90, 67, 1_200],
      [320, 240, 15_000],
      [1280, 960, 120_000],
    ].map(([width = 0, height = 0, size = 0]) => ({
      ...this.file("AgACAgQAAxkBAAI"),
      width,
      height,
      file_size: size,
    }));
  }

  private poll(question: string, options: string[]): Poll {
    return {
      id: String(5_000_000_000_000_000 + ++this.serial),
      question,
      options: options.map((text, index) => ({ persistent_id: String(index), text, voter_count: 0 })),
      total_voter_count: 0,
      is_closed: false,
      is_anonymous: true,
      type: "regular",
      allows_multiple_answers: false,
      allows_revoting: true,
      members_only: false,
    };
  }
}

type MessageContent = Omit<Message, "message_id" | "date" | "chat" | "from">;

/**
 * A multipart body as grammY sends it with an InputFile: text fields, and files in parts of their
 * own that a field names as `attach://<part>`. Files become { file, size }. Tolerant of grammY's
 * header spelling ("content-disposition:form-data;name=…"), which undici's FormData refuses.
 */
function readMultipart(bytes: Buffer, type: string): ApiBody {
  const boundary = /boundary=([^;]+)/.exec(type)?.[1]?.trim();
  if (!boundary) throw new Error("no boundary");
  const parts = new Map<string, { value: string; filename?: string; size: number }>();
  for (const raw of bytes.toString("latin1").split(`--${boundary}`)) {
    const split = raw.indexOf("\r\n\r\n");
    if (split < 0) continue;
    const head = raw.slice(0, split);
    const content = raw.slice(split + 4).replace(/\r\n$/, "");
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (!name) continue;
    const filename = /filename="([^"]*)"/i.exec(head)?.[1];
    parts.set(name, {
      value: Buffer.from(content, "latin1").toString("utf8"),
      ...(filename ? { filename } : {}),
      size: content.length,
    });
  }
  const body: ApiBody = {};
  for (const [name, part] of parts) {
    const attached = /^attach:\/\/(.+)$/.exec(part.value)?.[1];
    const file = attached ? parts.get(attached) : part.filename ? part : undefined;
    if (attached && !file) continue;
    if (file) body[name] = { file: file.filename ?? name, size: file.size };
    else if (!attached) body[name] = part.value;
  }
  return body;
}

function checkedText(source: string, parseMode: string | undefined): string {
  const text = renderText(source, parseMode);
  if (text.trim() === "") throw bad("message text is empty");
  if (text.length > 4096) throw bad("message is too long");
  return text;
}

function readScope(body: ApiBody): BotCommandScope | undefined {
  const scope = optJson(body, "scope", "bot command scope");
  if (scope === undefined) return undefined;
  if (!isRecord(scope) || typeof scope.type !== "string") throw bad("can't parse BotCommandScope");
  return scope as unknown as BotCommandScope;
}

function scopeKey(scope: BotCommandScope | undefined): string {
  if (!scope || scope.type === "default") return "default";
  const parts: string[] = [scope.type];
  if ("chat_id" in scope) parts.push(String(scope.chat_id));
  if ("user_id" in scope) parts.push(String(scope.user_id));
  return parts.join(":");
}
