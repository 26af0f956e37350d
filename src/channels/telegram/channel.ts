import { createHash, timingSafeEqual } from "node:crypto";
import { autoRetry } from "@grammyjs/auto-retry";
import { type RunnerHandle, run, sequentialize } from "@grammyjs/runner";
import { apiThrottler } from "@grammyjs/transformer-throttler";
import { Bot, type Context, GrammyError, HttpError } from "grammy";
import type { InlineKeyboardMarkup, MaybeInaccessibleMessage } from "grammy/types";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "pino";
import { z } from "zod";
import { COMMANDS } from "../../core/engine/commands.js";
import { type InboundMessage, lastPrompt, type OutboundMessage, promptKey } from "../../core/engine/messages.js";
import { parseToken } from "../../core/engine/tokens.js";
import { LANGUAGES, type Language, languageFromCode } from "../../core/i18n/languages.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { ChatMemory } from "../../core/store/chatmemory.js";
import { StoreUnavailableError } from "../../core/store/records.js";
import type { Channel, Receiver } from "../port.js";
import { readUpdate, type UpdateReading, webhookUpdate } from "./inbound.js";
import { answeredText, renderMessages, type TelegramMessage, tappedLabel, tickedLabels } from "./render.js";

export interface TelegramOptions {
  token: string;
  apiRoot?: string;
  /** Set: webhook mode on the project's HTTP server; unset: long polling. */
  webhook?: { url: string; secret: string };
  engine: Receiver;
  texts: Texts;
  /** Each chat's last updates (each handled once) and the question it was shown. */
  chats: ChatMemory;
  defaultLanguage: Language;
  logger: Logger;
  /**
   * Updates from group chats (the staff group), handled apart: the person-facing bot speaks only in
   * private chats. Unset: groups get silence.
   */
  onGroupUpdate?: (ctx: Context) => Promise<void>;
  /** How fast to send; Telegram's limits unless a test against an emulator needs no waiting. */
  pace?: TelegramPace;
}

/**
 * Sends to one chat come in bursts of `burst`, `burst` more every `refillMs`; to a group, one every
 * `groupMinMs` at most (Telegram allows a bot about 20 messages a minute in a group).
 */
export interface TelegramPace {
  burst: number;
  refillMs: number;
  groupMinMs: number;
}

export const TELEGRAM_PACE: TelegramPace = { burst: 3, refillMs: 3000, groupMinMs: 1000 };

type Reply = Awaited<ReturnType<Receiver["handle"]>>;

/**
 * What a person was last shown, kept per chat after delivery: `m`, the message whose buttons are
 * live (taken away when a new question comes); `b`, the question asked (`promptKey`), sent back
 * with what they type so the engine never takes it for an answer to a question they did not see.
 */
const shownSchema = z.object({ m: z.number().int().positive().optional(), b: z.string().optional() });
type Shown = z.infer<typeof shownSchema>;
/** What was shown could not be read: Redis did not answer. */
const UNREAD: unique symbol = Symbol("unread");
/** The chat's memory as read at the start of this update: its key, and what it held (if anything). */
interface Recall {
  key: string;
  shown: Shown | undefined;
}

function readShown(stored: string): Shown | undefined {
  try {
    const parsed = shownSchema.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The bot could not start: its message is the one line an operator sees. */
export class TelegramStartError extends Error {
  override name = "TelegramStartError";
}

export const WEBHOOK_PATH = "/telegram/webhook";
const SECRET_HEADER = "x-telegram-bot-api-secret-token";
/** Far above any update Telegram sends (a message is at most 4096 characters). */
const MAX_UPDATE_BYTES = 1024 * 1024;
/** How long a chat's memory (its last updates, the question shown) outlives its last update. */
const CHAT_MEMORY_SECONDS = 7 * 24 * 3600;

/**
 * The engine on Telegram. Updates come by long polling (@grammyjs/runner: concurrent across chats,
 * one after the other within a chat) or by webhook; each update is handled once; replies are paced
 * per chat and retried on 429 and network errors.
 */
export class TelegramChannel implements Channel {
  readonly kind = "telegram" as const;
  readonly bot: Bot;
  #runner: RunnerHandle | undefined;
  #started = false;
  /** Chats whose message is being answered here: a push to them waits, so it never overtakes the reply. */
  readonly #answering = new Map<number, Promise<void>>();
  /** Webhook updates being handled here: a redelivery meanwhile waits for the same outcome. */
  readonly #inFlight = new Map<number, Promise<void>>();
  /** Set by stop(): the webhook turns new updates away. */
  #stopping = false;

  constructor(private readonly options: TelegramOptions) {
    this.bot = new Bot(options.token, { client: options.apiRoot ? { apiRoot: options.apiRoot } : {} });
    this.bot.use(sequentialize((ctx: Context) => (typeof ctx.chat?.id === "number" ? String(ctx.chat.id) : undefined)));
    this.bot.use((ctx) => this.#handle(ctx));
    this.bot.catch((error) => {
      options.logger.error(
        { err: error.error instanceof Error ? error.error.message : String(error.error) },
        "telegram update failed",
      );
    });
  }

  /** Checks the token, registers the commands in every language, then receives updates. */
  async start(): Promise<void> {
    const { webhook, logger } = this.options;
    try {
      // grammY's own init retries a network failure forever; one plain getMe fails at once.
      this.bot.botInfo = await this.bot.api.getMe();
    } catch (error) {
      throw new TelegramStartError(startProblem(error, this.options.apiRoot));
    }
    // After the first call, so that a wrong token or an unreachable API fails at once, not after retries.
    // With a webhook, a reply Telegram could not take fails the update: Telegram sends it again.
    this.bot.api.config.use(
      autoRetry({
        maxRetryAttempts: 5,
        maxDelaySeconds: 60,
        rethrowInternalServerErrors: Boolean(webhook),
        rethrowHttpErrors: Boolean(webhook),
      }),
    );
    // About one message a second per chat, in bursts of three; one a second to a group; 30 a second in all.
    const pace = this.options.pace ?? TELEGRAM_PACE;
    this.bot.api.config.use(
      apiThrottler({
        out: {
          maxConcurrent: 1,
          reservoir: pace.burst,
          reservoirRefreshAmount: pace.burst,
          reservoirRefreshInterval: pace.refillMs,
        },
        group: {
          maxConcurrent: 1,
          minTime: pace.groupMinMs,
          reservoir: 20,
          reservoirRefreshAmount: 20,
          reservoirRefreshInterval: 60_000 * (pace.groupMinMs / 1000),
        },
      }),
    );
    await this.#registerCommands().catch((error: unknown) =>
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "telegram: the command menu could not be registered; the bot runs without it",
      ),
    );
    this.#started = true;
    if (webhook) {
      await this.bot.api.setWebhook(webhook.url, { secret_token: webhook.secret, drop_pending_updates: false });
      logger.info({ bot: this.bot.botInfo.username }, "telegram: webhook mode");
      return;
    }
    await this.bot.api.deleteWebhook();
    this.#runner = run(this.bot, {
      runner: { fetch: { allowed_updates: ["message", "edited_message", "callback_query"] } },
    });
    logger.info({ bot: this.bot.botInfo.username }, "telegram: long polling");
  }

  /**
   * Takes no more updates (a webhook then answers 503, and Telegram sends the update again, to
   * whichever replica is up) and finishes the ones in hand, their replies included.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#runner?.isRunning()) await this.#runner.stop();
    await Promise.allSettled([...this.#inFlight.values(), ...this.#answering.values()]);
  }

  async send(chatId: string, messages: OutboundMessage[]): Promise<boolean> {
    if (!this.#started) return false;
    await this.#answering.get(Number(chatId))?.catch(() => undefined);
    await this.#send(Number(chatId), messages, {});
    return true;
  }

  /**
   * The webhook endpoint. A request without Telegram's secret token gets 401 before its body is
   * read; a body over 1 MB, 413; one that is not an update (not JSON, no whole-number `update_id`),
   * 400; an update that failed (its reply could not be sent), 500, so that Telegram sends it again.
   * Log lines never quote the body: it may be a person's message.
   */
  routes(): Hono {
    const app = new Hono();
    const secret = this.options.webhook?.secret;
    if (!secret) return app;
    const { logger } = this.options;
    app.post(
      WEBHOOK_PATH,
      async (c, next) => {
        if (!sameSecret(c.req.header(SECRET_HEADER), secret)) {
          logger.warn("telegram webhook: a request without the secret token was refused");
          return c.body(null, 401);
        }
        if (this.#stopping) return c.body(null, 503);
        await next();
      },
      bodyLimit({
        maxSize: MAX_UPDATE_BYTES,
        onError: (c) => {
          logger.warn("telegram webhook: a body over 1 MB was refused");
          return c.body(null, 413);
        },
      }),
      async (c) => {
        const update = webhookUpdate(await c.req.text());
        if (!update) {
          logger.warn("telegram webhook: a body that is not a Telegram update was refused");
          return c.body(null, 400);
        }
        try {
          await this.#receive(update);
          return c.body(null, 200);
        } catch {
          return c.body(null, 500);
        }
      },
    );
    return app;
  }

  /** One webhook update, handled once even when Telegram sends it again while it is under way. */
  #receive(update: { update_id: number }): Promise<void> {
    const running = this.#inFlight.get(update.update_id);
    if (running) return running;
    // grammY's error handler logs the failure; the rejection reaches the webhook's answer.
    const handled = this.bot.handleUpdate(update as Parameters<Bot["handleUpdate"]>[0]).catch(async (error) => {
      await this.bot.errorHandler(error);
      throw error;
    });
    this.#inFlight.set(update.update_id, handled);
    void handled
      .catch(() => undefined)
      .finally(() => {
        this.#inFlight.delete(update.update_id);
      });
    return handled;
  }

  /**
   * Each update once: it is taken in its chat's memory first, with what the chat was shown last,
   * in one step, and given back if handling fails, so a redelivery is processed, not dropped.
   * Should Redis be away, the update is handled anyway: the engine's sessions recognise a message
   * seen twice, and a person must never get silence.
   */
  async #handle(ctx: Context): Promise<void> {
    const chat = ctx.chat ?? ctx.callbackQuery?.message?.chat;
    const inGroup = Boolean(this.options.onGroupUpdate) && (chat?.type === "group" || chat?.type === "supergroup");
    const reading = inGroup ? undefined : readUpdate(ctx.update);
    // An update of no chat gets no reply: there is nothing to do twice.
    const memory = chat ? this.#memoryKey(chat.id) : undefined;
    const delivery = String(ctx.update.update_id);
    if (reading && reading.kind !== "ignore") this.options.engine.readAhead("telegram", reading.inbound.chatId);
    const taken = memory ? await this.#take(memory, delivery) : { first: true, shown: undefined };
    if (!taken.first) return;
    try {
      if (!reading) await this.options.onGroupUpdate?.(ctx);
      else await this.#dispatch(ctx, reading, memory, taken.shown);
    } catch (error) {
      if (memory) await this.options.chats.giveBack(memory, delivery).catch(() => undefined);
      throw error;
    }
  }

  /** Takes the update in its chat's memory; UNREAD, and taken, when Redis did not answer. */
  async #take(memory: string, delivery: string): Promise<{ first: boolean; shown: Shown | typeof UNREAD | undefined }> {
    try {
      const { first, note } = await this.options.chats.take(memory, delivery, CHAT_MEMORY_SECONDS);
      return { first, shown: note === undefined ? undefined : readShown(note) };
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return { first: true, shown: UNREAD };
    }
  }

  async #dispatch(
    ctx: Context,
    reading: UpdateReading,
    memory: string | undefined,
    recalled: Shown | typeof UNREAD | undefined,
  ): Promise<void> {
    if (reading.kind === "ignore") {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
      return;
    }
    // A tap is answered (its spinner stops) while the engine works: that is a round trip to Telegram
    // the reply need not wait for.
    const tapAnswered = reading.kind === "tap" ? ctx.answerCallbackQuery().catch(() => undefined) : undefined;
    const chatId = Number(reading.inbound.chatId);
    const tapped = reading.kind === "tap" ? ctx.callbackQuery?.message : undefined;
    if (recalled === UNREAD && reading.inbound.content.kind === "text") {
      // Typed text whose question is unknown could be taken for the next one (a retry whose first
      // try was written after all, its answer late): the person tries again, as the engine would ask.
      const lng = languageFromCode(reading.inbound.languageSuggestion) ?? this.options.defaultLanguage;
      await this.#send(chatId, [{ kind: "text", text: this.options.texts.t(lng, "common:error.tryAgain") }], {});
      return;
    }
    const recall = memory && recalled !== UNREAD ? { key: memory, shown: recalled } : undefined;
    const basis = recall?.shown?.b;
    const inbound = basis ? { ...reading.inbound, basis } : reading.inbound;
    const answered = this.#answer(chatId, inbound, tapped, recall);
    this.#answering.set(chatId, answered);
    try {
      await answered;
    } finally {
      if (this.#answering.get(chatId) === answered) this.#answering.delete(chatId);
      await tapAnswered;
    }
  }

  /** The engine's reply to a message or a tap, and the tapped question closed or redrawn. */
  async #answer(
    chatId: number,
    inbound: InboundMessage,
    tapped: MaybeInaccessibleMessage | undefined,
    recall: Recall | undefined,
  ): Promise<void> {
    const reply = await this.options.engine.handle(inbound);
    if (tapped) {
      const token = inbound.content.kind === "choice" ? inbound.content.token : "";
      if (await this.#editInPlace(chatId, tapped.message_id, token, reply)) return;
      const question = "text" in tapped ? tapped : undefined;
      await this.#closeQuestion(
        chatId,
        tapped.message_id,
        question?.text ?? "",
        question?.reply_markup,
        token,
        reply.applied,
      );
    }
    await this.#send(chatId, reply.messages, { closed: tapped?.message_id, recall });
  }

  /** A tick on a multiple-choice question redraws that question's buttons, nothing more. */
  async #editInPlace(chatId: number, messageId: number, token: string, reply: Reply): Promise<boolean> {
    const [only] = reply.messages;
    const parsed = parseToken(token);
    if (reply.messages.length !== 1 || only?.kind !== "prompt" || only.expects !== "multichoice") return false;
    if (parsed?.kind !== "answer" || only.ref?.step !== parsed.step) return false;
    const [rendered] = renderMessages([only]);
    if (!rendered) return false;
    await this.#edit(chatId, messageId, rendered);
    return true;
  }

  /** The tapped question, once answered, shows what was chosen and loses its buttons. */
  async #closeQuestion(
    chatId: number,
    messageId: number,
    text: string,
    markup: InlineKeyboardMarkup | undefined,
    token: string,
    applied: boolean,
  ): Promise<void> {
    if (text.trim() === "") {
      // Too old for Telegram to send its text: its buttons go, its words stay as they were.
      await this.bot.api
        .editMessageReplyMarkup(chatId, messageId, { reply_markup: { inline_keyboard: [] } })
        .catch(() => undefined);
      return;
    }
    const parsed = parseToken(token);
    const isDone = parsed?.kind === "control" && parsed.control === "done";
    const answer = isDone ? tickedLabels(markup).join(", ") : tappedLabel(markup, token);
    const showsAnswer = applied && answer && !(parsed?.kind === "control" && parsed.control === "back");
    await this.#edit(chatId, messageId, showsAnswer ? { text: answeredText(text, answer) } : { text });
  }

  /**
   * Sends a reply; the previous question's buttons are taken away once a new question is shown, and
   * the question now shown is remembered (see `Shown`). `closed`: the tapped question, already
   * closed; `recall`: the chat's memory as read for this update, when it was (else it is read here).
   */
  async #send(
    chatId: number,
    messages: OutboundMessage[],
    { closed, recall }: { closed?: number; recall?: Recall },
  ): Promise<void> {
    const rendered = renderMessages(messages);
    const asked = lastPrompt(messages);
    const asksAgain = rendered.some((message) => message.reply_markup);
    const memory = asksAgain || asked ? (recall?.key ?? this.#memoryKey(chatId)) : undefined;
    const before = memory === undefined ? undefined : recall ? recall.shown : await this.#shown(memory);
    if (asksAgain && before?.m && before.m !== closed)
      await this.bot.api
        .editMessageReplyMarkup(chatId, before.m, { reply_markup: { inline_keyboard: [] } })
        .catch(() => undefined);
    let buttons = asksAgain ? undefined : before?.m;
    for (const message of rendered) {
      const sent = await this.bot.api.sendMessage(
        chatId,
        message.text,
        message.reply_markup ? { reply_markup: message.reply_markup } : {},
      );
      if (message.reply_markup) buttons = sent.message_id;
    }
    if (asked && memory) await this.#remember(memory, { ...(buttons ? { m: buttons } : {}), b: promptKey(asked) });
  }

  /** Keyed by the chat's hash, like sessions: Redis never holds a raw Telegram id. */
  #memoryKey(chatId: number): string {
    return `tg:${this.bot.botInfo.id}:${this.options.engine.chatKey("telegram", String(chatId))}`;
  }

  /** What this person was shown last; unknown when Redis is away or the memory is not readable. */
  async #shown(memory: string): Promise<Shown | undefined> {
    const stored = await this.options.chats.read(memory).catch(() => undefined);
    return stored === undefined ? undefined : readShown(stored);
  }

  /** Remembered after delivery, so it is what the person saw; a failure costs a repeated question at most. */
  async #remember(memory: string, shown: Shown): Promise<void> {
    await this.options.chats
      .note(memory, JSON.stringify(shown), CHAT_MEMORY_SECONDS)
      .catch((error: unknown) =>
        this.options.logger.warn({ err: (error as Error).message }, "telegram: what was shown could not be noted"),
      );
  }

  /** Edits are cosmetic (a ticked box, an answered question): a failed one never stops the reply. */
  async #edit(chatId: number, messageId: number, message: TelegramMessage): Promise<void> {
    if (message.text.trim() === "") return;
    const markup = message.reply_markup ?? { inline_keyboard: [] };
    await this.bot.api
      .editMessageText(chatId, messageId, message.text, { reply_markup: markup })
      .catch((error: unknown) => {
        // "message is not modified" is the one expected refusal: the same question redrawn.
        if (error instanceof GrammyError && error.description.includes("not modified")) return;
        this.options.logger.debug({ err: (error as Error).message }, "telegram: an edit failed; the reply goes on");
      });
  }

  /** The command menu in each language: Telegram shows the one of the person's app language. */
  async #registerCommands(): Promise<void> {
    const { texts, defaultLanguage } = this.options;
    const commandsIn = (lng: Language) =>
      COMMANDS.map((command) => ({
        command: command === "start" ? "start" : (texts.list(lng, `common:commands.${command}`)[0] ?? command),
        description: texts.t(lng, `common:commandMenu.${command}`),
      }));
    await this.bot.api.setMyCommands(commandsIn(defaultLanguage));
    for (const lng of LANGUAGES) await this.bot.api.setMyCommands(commandsIn(lng), { language_code: lng });
  }
}

function startProblem(error: unknown, apiRoot: string | undefined): string {
  const where = apiRoot ?? "https://api.telegram.org";
  if (error instanceof GrammyError && error.error_code === 401)
    return "Telegram refused the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN with @BotFather";
  if (error instanceof GrammyError) return `Telegram answered ${error.error_code} at start: ${error.description}`;
  if (error instanceof HttpError) return `Cannot reach the Telegram Bot API at ${where}: ${error.message}`;
  return `Telegram could not start: ${(error as Error).message}`;
}

/** Compares the secret token in constant time, so its length and prefix cannot be guessed by timing. */
function sameSecret(given: string | undefined, secret: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return given !== undefined && timingSafeEqual(digest(given), digest(secret));
}
