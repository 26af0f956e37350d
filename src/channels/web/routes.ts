import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import type { Engine } from "../../core/engine/engine.js";
import { inboundContentSchema } from "../../core/engine/messages.js";
import { LANGUAGES } from "../../core/i18n/languages.js";
import type { Texts } from "../../core/i18n/texts.js";

/**
 * The local web chat: a page that talks to the real engine over JSON, so a new user or a staff
 * member can try every flow without a messaging account. Its chat id is a random id the browser
 * keeps; the engine hashes it like any other.
 */
const pageFile = (name: string) => readFileSync(fileURLToPath(new URL(`./page/${name}`, import.meta.url)), "utf8");

const messageRequestSchema = z.object({
  chatId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  languageCode: z.string().max(35).optional(),
  content: inboundContentSchema,
});

const WEB_TEXT_KEYS = ["title", "notice", "placeholder", "send", "restart", "offline"] as const;

export function webChatRoutes(engine: Engine, texts: Texts): Hono {
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
    const { chatId, languageCode, content } = request.data;
    const reply = await engine.handle({ channel: "web", chatId, languageCode, content });
    return c.json(reply);
  });
  return app;
}
