import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { inboundContentSchema, type OutboundMessage } from "../../core/engine/messages.js";
import { LANGUAGES, type Language } from "../../core/i18n/languages.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { Mailbox } from "../../core/store/mailbox.js";
import type { Channel, Receiver } from "../port.js";

/**
 * The local web chat: a page that talks to the real engine over JSON, so a new user or a staff
 * member can try every flow without a messaging account. Its chat id is a random id the browser
 * keeps; the engine hashes it like any other. Messages nobody asked for just now (staff wrote)
 * wait in a mailbox and reach the page as server-sent events, whichever replica it is connected to.
 */
const pageFile = (name: string) => readFileSync(fileURLToPath(new URL(`./page/${name}`, import.meta.url)), "utf8");

const chatIdSchema = z.string().regex(/^[A-Za-z0-9-]{8,64}$/);
const messageRequestSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9-]{8,64}$/)
    .optional(),
  chatId: chatIdSchema,
  languageCode: z.string().max(35).optional(),
  content: inboundContentSchema,
});

const WEB_TEXT_KEYS = ["title", "notice", "placeholder", "send", "restart", "offline"] as const;
/** A comment line this often keeps proxies from closing an idle event stream. */
const KEEPALIVE_MS = 20_000;

export interface WebChatOptions {
  engine: Receiver;
  texts: Texts;
  mailbox: Mailbox;
}

/** What the page receives, as the reply to a message or as an event: messages and the person's language. */
export interface WebReply {
  messages: OutboundMessage[];
  language: Language | undefined;
}

export class WebChannel implements Channel {
  readonly kind = "web" as const;
  /** Chats whose message is being answered here: a push to them waits, so it never overtakes the reply. */
  readonly #answering = new Map<string, Promise<unknown>>();

  constructor(private readonly options: WebChatOptions) {}

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async send(chatId: string, messages: OutboundMessage[], language?: Language): Promise<boolean> {
    await this.#answering.get(chatId)?.catch(() => undefined);
    const reply: WebReply = { messages, language };
    await this.options.mailbox.post(this.#box(chatId), [JSON.stringify(reply)]);
    return true;
  }

  routes(): Hono {
    const { engine, texts, mailbox } = this.options;
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
    app.post("/api/chat/messages", bodyLimit({ maxSize: 64 * 1024 }), async (c) => {
      const request = messageRequestSchema.safeParse(await c.req.json().catch(() => undefined));
      if (!request.success) return c.json({ error: "a message needs chatId and content" }, 400);
      const { id, chatId, languageCode, content } = request.data;
      const reply = await engine.handle({
        ...(id ? { id: `web${id}` } : {}),
        channel: "web",
        chatId,
        languageCode,
        content,
      });
      return c.json(reply);
    });
    app.get("/api/chat/events", (c) => {
      const chatId = chatIdSchema.safeParse(c.req.query("chatId"));
      if (!chatId.success) return c.json({ error: "events need the chatId" }, 400);
      const box = this.#box(chatId.data);
      return streamSSE(c, async (stream) => {
        // `posted` is set by every wake-up, so a post that lands while the box is being read is not missed.
        let posted = true;
        let wake: () => void = () => {};
        const stop = mailbox.watch(box, () => {
          posted = true;
          wake();
        });
        stream.onAbort(() => wake());
        try {
          while (!stream.aborted) {
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
        }
      });
    });
    return app;
  }

  #box(chatId: string): string {
    return `web:${this.options.engine.chatKey("web", chatId)}`;
  }
}
