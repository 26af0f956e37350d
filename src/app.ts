import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { ServerType } from "@hono/node-server";
import type { Logger } from "pino";
import { webChatRoutes } from "./channels/web/routes.js";
import type { Config } from "./config.js";
import { CommandReader } from "./core/engine/commands.js";
import { Conversation } from "./core/engine/conversation.js";
import { Engine, type EngineOptions } from "./core/engine/engine.js";
import { Renderer } from "./core/engine/render.js";
import { compileFlows, type Flow } from "./core/flows/compile.js";
import { createTexts, readLocales, type Texts } from "./core/i18n/texts.js";
import { MemorySessionStore } from "./core/store/memory.js";
import { RedisSessionStore } from "./core/store/redis.js";
import type { SessionStore } from "./core/store/session-store.js";
import { createHttpApp, listen } from "./http/server.js";

export interface Puente {
  engine: Engine;
  flows: Map<string, Flow>;
  texts: Texts;
  store: SessionStore;
  /** The port the HTTP server listens on (useful when HTTP_PORT=0). */
  port: number;
  close(): Promise<void>;
}

/** Builds the engine from texts and flows (compiled once, here) on the configured store. */
export function buildEngine(
  config: Config,
  logger: Logger,
  store: SessionStore,
  hooks: Pick<EngineOptions, "onSubmitted"> = {},
) {
  const texts = createTexts(readLocales(config.LOCALES_DIR));
  const flows = compileFlows(config.FLOWS_DIR, texts);
  const conversation = new Conversation(flows, texts, new Renderer(texts, flows), new CommandReader(texts));
  const engine = new Engine({
    store,
    conversation,
    texts,
    anonSecret: config.ANON_SECRET ?? randomBytes(32).toString("hex"),
    sessionIdleSeconds: config.SESSION_IDLE_HOURS * 3600,
    defaultLanguage: config.DEFAULT_LANGUAGE,
    logger,
    ...hooks,
  });
  return { engine, texts, flows };
}

export function openStore(config: Config, logger: Logger): SessionStore {
  if (config.REDIS_URL) {
    const store = RedisSessionStore.connect(config.REDIS_URL, config.REDIS_PREFIX);
    store.onConnectionError(throttled(30_000, (message) => logger.error({ err: message }, "Redis connection problem")));
    return store;
  }
  logger.warn(
    "REDIS_URL is not set: sessions are kept in memory and lost on restart. Good for trying the bot, never for production.",
  );
  return new MemorySessionStore(config.REDIS_PREFIX);
}

export async function startPuente(config: Config, logger: Logger): Promise<Puente> {
  const store = openStore(config, logger);
  const { engine, texts, flows } = buildEngine(config, logger, store);
  const app = createHttpApp(logger, async () => {
    await store.read("healthz"); // throws when Redis does not answer: /healthz then says 503
    return { store: config.REDIS_URL ? "redis" : "memory", flows: [...flows.keys()] };
  });
  app.route("/", webChatRoutes(engine, texts));
  const server: ServerType = await listen(app, config.HTTP_PORT, config.HTTP_HOST);
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, flows: [...flows.keys()] }, `web chat on http://localhost:${port}/`);
  return {
    engine,
    flows,
    texts,
    store,
    port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

/** Calls `report` at most once per period: a Redis outage must not flood the log. */
function throttled(periodMs: number, report: (message: string) => void): (message: string) => void {
  let last = 0;
  return (message) => {
    const now = Date.now();
    if (now - last < periodMs) return;
    last = now;
    report(message);
  };
}
