import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { ServerType } from "@hono/node-server";
import type { Logger } from "pino";
import { TelegramChannel } from "./channels/telegram/channel.js";
import { webChatRoutes } from "./channels/web/routes.js";
import { LEASE_TTL_MS, WhatsAppRunner } from "./channels/whatsapp/run.js";
import type { Config } from "./config.js";
import { AnonymousResponses } from "./core/anonymity/submissions.js";
import { CommandReader } from "./core/engine/commands.js";
import { Conversation } from "./core/engine/conversation.js";
import { Engine, type EngineOptions } from "./core/engine/engine.js";
import { Renderer } from "./core/engine/render.js";
import { compileFlows, type Flow } from "./core/flows/compile.js";
import { createTexts, readLocales, type Texts } from "./core/i18n/texts.js";
import { openStores, type Stores } from "./core/store/open.js";
import { createHttpApp, listen } from "./http/server.js";

export interface Puente {
  engine: Engine;
  flows: Map<string, Flow>;
  texts: Texts;
  stores: Stores;
  telegram: TelegramChannel | undefined;
  whatsapp: WhatsAppRunner | undefined;
  /** The port the HTTP server listens on (useful when HTTP_PORT=0). */
  port: number;
  close(): Promise<void>;
}

/** Builds the engine from texts and flows (compiled once, here) on the given stores. */
export function buildEngine(
  config: Config,
  logger: Logger,
  stores: Pick<Stores, "sessions" | "responses">,
  overrides: Partial<Pick<EngineOptions, "submissions">> = {},
) {
  const texts = createTexts(readLocales(config.LOCALES_DIR));
  const flows = compileFlows(config.FLOWS_DIR, texts);
  const conversation = new Conversation(flows, texts, new Renderer(texts, flows), new CommandReader(texts));
  const anonSecret = config.ANON_SECRET ?? randomBytes(32).toString("hex");
  const engine = new Engine({
    store: stores.sessions,
    conversation,
    texts,
    anonSecret,
    sessionIdleSeconds: config.SESSION_IDLE_HOURS * 3600,
    defaultLanguage: config.DEFAULT_LANGUAGE,
    logger,
    submissions: overrides.submissions ?? new AnonymousResponses(flows, stores.responses, anonSecret),
  });
  return { engine, texts, flows };
}

export async function startPuente(config: Config, logger: Logger): Promise<Puente> {
  const stores = openStores(config, logger);
  const { engine, texts, flows } = buildEngine(config, logger, stores);
  const app = createHttpApp(logger, async () => {
    await stores.sessions.read("healthz"); // throws when Redis does not answer: /healthz then says 503
    return { store: stores.kind, flows: [...flows.keys()] };
  });
  app.route("/", webChatRoutes(engine, texts));
  const telegram = config.TELEGRAM_BOT_TOKEN
    ? new TelegramChannel({
        token: config.TELEGRAM_BOT_TOKEN,
        apiRoot: config.TELEGRAM_API_ROOT,
        webhook:
          config.TELEGRAM_WEBHOOK_URL && config.TELEGRAM_WEBHOOK_SECRET
            ? { url: config.TELEGRAM_WEBHOOK_URL, secret: config.TELEGRAM_WEBHOOK_SECRET }
            : undefined,
        engine,
        texts,
        facts: stores.facts,
        defaultLanguage: config.DEFAULT_LANGUAGE,
        logger,
      })
    : undefined;
  if (telegram) app.route("/", telegram.webhookRoutes());
  const server: ServerType = await listen(app, config.HTTP_PORT, config.HTTP_HOST);
  const port = (server.address() as AddressInfo).port;
  const close = async () => {
    await whatsapp?.stop();
    await telegram?.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await stores.close();
  };
  const whatsapp = config.WHATSAPP_ENABLED
    ? new WhatsAppRunner({
        dataDir: config.WHATSAPP_DATA_DIR,
        chromiumPath: config.CHROMIUM_PATH,
        pairingPhone: config.WHATSAPP_PAIRING_PHONE,
        engine,
        texts,
        facts: stores.facts,
        lease: stores.lease("whatsapp", LEASE_TTL_MS),
        defaultLanguage: config.DEFAULT_LANGUAGE,
        logger,
      })
    : undefined;
  try {
    await telegram?.start();
  } catch (error) {
    await close();
    throw error;
  }
  // WhatsApp starts in the background: a browser and a pairing must never hold up the rest of the bot.
  whatsapp?.start();
  logger.info({ port, flows: [...flows.keys()] }, `web chat on http://localhost:${port}/`);
  return { engine, flows, texts, stores, port, telegram, whatsapp, close };
}
