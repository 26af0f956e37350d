import { randomUUID, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getConnInfo } from "@hono/node-server/conninfo";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie, setCookie } from "hono/cookie";
import { streamSSE } from "hono/streaming";
import type { Logger } from "pino";
import { z } from "zod";
import { CommandReader } from "../../core/engine/commands.js";
import { inboundContentSchema, lastPrompt, type OutboundMessage, promptKey } from "../../core/engine/messages.js";
import { LANGUAGES, type Language } from "../../core/i18n/languages.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { RateLimit, RateLimiter } from "../../core/store/limits.js";
import type { Mailbox } from "../../core/store/mailbox.js";
import { StoreUnavailableError } from "../../core/store/records.js";
import type { Channel, Receiver } from "../port.js";

/**
 * The web chat: a page that talks to the real engine over JSON, so a new user or a staff member
 * can try every flow without a messaging account, and people without one can answer.
 *
 * The chat id is the server's, never the browser's: `POST /api/chat/session` issues a random id
 * in an HttpOnly, SameSite=Strict cookie signed with the deployment's secret, and every other call
 * is refused without one. New chats are counted per client address and messages per chat, so one
 * client cannot fill the anonymous consultation with made-up people. A browser that comes back
 * with a chat is asked first whether to continue it or start fresh: on a shared computer the
 * next person must not walk into the previous one's answers.
 *
 * Messages nobody asked for just now (staff wrote) wait in a mailbox and reach the page as
 * server-sent events, whichever replica it is connected to.
 */
const pageFile = (name: string) => readFileSync(fileURLToPath(new URL(`./page/${name}`, import.meta.url)), "utf8");

export const WEB_COOKIE = "puente_chat";
const COOKIE_PATH = "/api/chat";

/** New chats per client address, messages per chat, messages per client address. */
export const WEB_LIMITS = {
  chats: { points: 20, seconds: 3600 },
  messages: { points: 60, seconds: 60 },
  addressMessages: { points: 240, seconds: 60 },
} satisfies Record<string, RateLimit>;

const messageRequestSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9-]{8,64}$/)
    .optional(),
  languageCode: z.string().max(35).optional(),
  content: inboundContentSchema,
  /** What the page shows as the current question (`asked` of the last reply). */
  basis: z.string().max(300).optional(),
});

const sessionRequestSchema = z.object({ fresh: z.boolean().optional() });

const WEB_TEXT_KEYS = [
  "title",
  "notice",
  "placeholder",
  "inputLabel",
  "languageLabel",
  "send",
  "restart",
  "restartQuestion",
  "restartYes",
  "restartNo",
  "progress",
  "offline",
  "slowDown",
  "resumeQuestion",
  "resume",
  "fresh",
] as const;
/** A comment line this often keeps proxies from closing an idle event stream. */
const KEEPALIVE_MS = 20_000;

export interface WebChatOptions {
  engine: Receiver;
  texts: Texts;
  mailbox: Mailbox;
  /** How long a chat lasts without a message: the cookie's lifetime, renewed with each message. */
  idleSeconds: number;
  limiter: (name: string, limit: RateLimit) => RateLimiter;
  /** Behind a reverse proxy: the client's address is the last in X-Forwarded-For. */
  trustProxy: boolean;
  logger: Logger;
}

/** What the page receives, as the reply to a message or as an event. */
export interface WebReply {
  messages: OutboundMessage[];
  language: Language | undefined;
  /** The question now shown (`promptKey`), for the page to send back as the next message's basis. */
  asked?: string;
  /** The person's data was just erased (/delete): the page clears the conversation from the screen. */
  cleared?: true;
}

export class WebChannel implements Channel {
  readonly kind = "web" as const;
  /** Chats whose message is being answered here: a push to them waits, so it never overtakes the reply. */
  readonly #answering = new Map<string, Promise<unknown>>();
  /** How to end each open event stream, for stop(). */
  readonly #streams = new Set<() => void>();
  #stopping = false;
  readonly #limits: { chats: RateLimiter; messages: RateLimiter; addressMessages: RateLimiter };

  constructor(private readonly options: WebChatOptions) {
    this.#limits = {
      chats: options.limiter("web-chats", WEB_LIMITS.chats),
      messages: options.limiter("web-messages", WEB_LIMITS.messages),
      addressMessages: options.limiter("web-address", WEB_LIMITS.addressMessages),
    };
  }

  async start(): Promise<void> {}

  /** Ends the open event streams (browsers reconnect, to another replica or after the restart) and finishes the messages in hand. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const end of this.#streams) end();
    await Promise.allSettled([...this.#answering.values()]);
  }

  async send(chatId: string, messages: OutboundMessage[], language?: Language): Promise<boolean> {
    await this.#answering.get(chatId)?.catch(() => undefined);
    await this.options.mailbox.post(this.#box(chatId), [JSON.stringify(webReply(messages, language))]);
    return true;
  }

  routes(): Hono {
    const { engine, texts } = this.options;
    const commands = new CommandReader(texts);
    const page = { html: pageFile("index.html"), script: pageFile("chat.js"), style: pageFile("chat.css") };
    const chrome = Object.fromEntries(
      LANGUAGES.map((lng) => [
        lng,
        {
          name: texts.t(lng, "common:language.name"),
          ...Object.fromEntries(WEB_TEXT_KEYS.map((key) => [key, texts.t(lng, `common:web.${key}`)])),
        },
      ]),
    );

    const app = new Hono();
    app.get("/", (c) => c.html(page.html));
    app.get("/chat.js", (c) => c.body(page.script, 200, { "content-type": "text/javascript; charset=utf-8" }));
    app.get("/chat.css", (c) => c.body(page.style, 200, { "content-type": "text/css; charset=utf-8" }));
    app.get("/api/chat/texts", (c) => c.json(chrome));

    // Whether this browser holds a chat: the page then asks "continue or start fresh?".
    app.get("/api/chat/session", (c) => c.json({ resumable: this.#chatOf(c) !== undefined }));

    app.post("/api/chat/session", bodyLimit({ maxSize: 1024 }), async (c) => {
      const request = sessionRequestSchema.safeParse(await c.req.json().catch(() => ({})));
      const current = this.#chatOf(c);
      if (current && !(request.success && request.data.fresh)) {
        this.#issue(c, current);
        return c.json({ resumed: true });
      }
      const wait = await this.#take(this.#limits.chats, this.#addressKey(c));
      if (wait) return tooMany(c, wait);
      // A fresh chat leaves the previous one as it was (a case may wait for it); unreachable from here.
      this.#issue(c, randomUUID());
      return c.json({ resumed: false });
    });

    app.post("/api/chat/messages", bodyLimit({ maxSize: 64 * 1024 }), async (c) => {
      const chatId = this.#chatOf(c);
      if (!chatId) return c.json({ error: "no chat: POST /api/chat/session first" }, 401);
      const request = messageRequestSchema.safeParse(await c.req.json().catch(() => undefined));
      if (!request.success) return c.json({ error: "a message needs content" }, 400);
      // The chat's and the address's counts, and the session's read, go to Redis together: behind a
      // stalled Redis a message waits out one command timeout before "try again", not three in a row.
      engine.readAhead("web", chatId);
      const wait = Math.max(
        ...(await Promise.all([
          this.#take(this.#limits.messages, engine.chatKey("web", chatId)),
          this.#take(this.#limits.addressMessages, this.#addressKey(c)),
        ])),
      );
      if (wait) return tooMany(c, wait);
      const { id, languageCode, content, basis } = request.data;
      const handled = engine.handle({
        ...(id ? { id: `web${id}` } : {}),
        channel: "web",
        chatId,
        languageCode,
        content,
        ...(basis ? { basis } : {}),
      });
      this.#answering.set(chatId, handled);
      try {
        const reply = await handled;
        this.#issue(c, chatId);
        const erased = reply.applied && content.kind === "text" && commands.read(content.text)?.command === "delete";
        return c.json({ ...webReply(reply.messages, reply.language), ...(erased ? { cleared: true as const } : {}) });
      } finally {
        if (this.#answering.get(chatId) === handled) this.#answering.delete(chatId);
      }
    });

    app.get("/api/chat/events", (c) => {
      const chatId = this.#chatOf(c);
      if (!chatId) return c.json({ error: "no chat: POST /api/chat/session first" }, 401);
      return this.#events(c, this.#box(chatId));
    });
    return app;
  }

  #events(c: Context, box: string): Response {
    const { mailbox } = this.options;
    return streamSSE(c, async (stream) => {
      // `posted` is set by every wake-up, so a post that lands while the box is being read is not missed.
      let posted = true;
      let ended = this.#stopping;
      let wake: () => void = () => {};
      const stop = mailbox.watch(box, () => {
        posted = true;
        wake();
      });
      const end = () => {
        ended = true;
        wake();
      };
      this.#streams.add(end);
      stream.onAbort(() => wake());
      try {
        while (!stream.aborted && !ended) {
          if (posted) {
            posted = false;
            const items = await mailbox.take(box).catch(() => []);
            for (const item of items) await stream.writeSSE({ event: "messages", data: item });
            continue;
          }
          let timer: NodeJS.Timeout | undefined;
          const woken = await new Promise<boolean>((resolve) => {
            wake = () => resolve(true);
            timer = setTimeout(() => resolve(false), KEEPALIVE_MS);
          });
          clearTimeout(timer);
          if (!woken && !stream.aborted) await stream.write(": keepalive\n\n");
        }
      } finally {
        stop();
        this.#streams.delete(end);
      }
    });
  }

  /** The chat of this browser: only an id this server issued and signed. */
  #chatOf(c: Context): string | undefined {
    const cookie = getCookie(c, WEB_COOKIE);
    const [chatId, signature, extra] = cookie?.split(".") ?? [];
    if (!chatId || !signature || extra !== undefined || !/^[0-9a-f-]{36}$/.test(chatId)) return undefined;
    const expected = Buffer.from(this.#sign(chatId));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected) ? chatId : undefined;
  }

  /** Sets (or renews) the chat's cookie; Secure whenever the page was reached over HTTPS. */
  #issue(c: Context, chatId: string): void {
    const https = new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
    setCookie(c, WEB_COOKIE, `${chatId}.${this.#sign(chatId)}`, {
      path: COOKIE_PATH,
      httpOnly: true,
      sameSite: "Strict",
      secure: https,
      maxAge: this.options.idleSeconds,
    });
  }

  /** The deployment's keyed hash, over a purpose of its own: only this server can sign a chat id. */
  #sign(chatId: string): string {
    return this.options.engine.chatKey("web-cookie", chatId);
  }

  /** The client's address as a keyed hash: rate limits never keep an address in clear. */
  #addressKey(c: Context): string {
    const forwarded = this.options.trustProxy ? c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim() : undefined;
    const address = forwarded || getConnInfo(c).remote.address || "unknown";
    return this.options.engine.chatKey("web-address", address);
  }

  /** A rate limit counted; should the store be away, the message goes on and the engine says "try again". */
  async #take(limiter: RateLimiter, key: string): Promise<number> {
    try {
      return await limiter.take(key);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return 0;
    }
  }

  #box(chatId: string): string {
    return `web:${this.options.engine.chatKey("web", chatId)}`;
  }
}

function webReply(messages: OutboundMessage[], language: Language | undefined): WebReply {
  const asked = lastPrompt(messages);
  return { messages, language, ...(asked ? { asked: promptKey(asked) } : {}) };
}

function tooMany(c: Context, waitMs: number): Response {
  const seconds = Math.ceil(waitMs / 1000);
  return c.json({ error: "too many requests", retryAfter: seconds }, 429, { "retry-after": String(seconds) });
}
