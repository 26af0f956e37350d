import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { ServerType } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import type { Logger } from "pino";
import { Channels } from "../channels/port.js";
import { TelegramChannel, type TelegramPace } from "../channels/telegram/channel.js";
import { WebChannel } from "../channels/web/channel.js";
import type { WhatsAppClientPort } from "../channels/whatsapp/channel.js";
import { WhatsAppLinkBoard } from "../channels/whatsapp/link.js";
import { LEASE_TTL_MS, WhatsAppRunner } from "../channels/whatsapp/run.js";
import { AnonymousResponses } from "../core/anonymity/responses.js";
import { Cases } from "../core/cases/cases.js";
import { ContactCipher } from "../core/cases/contact.js";
import { CommandReader } from "../core/engine/commands.js";
import { Conversation } from "../core/engine/conversation.js";
import type { EffectRunner } from "../core/engine/effects.js";
import { Engine } from "../core/engine/engine.js";
import type { EngineObserver } from "../core/engine/observer.js";
import { Renderer } from "../core/engine/render.js";
import { compileFlows, type Flow } from "../core/flows/compile.js";
import { createTexts, readLocales, type Texts } from "../core/i18n/texts.js";
import { loadOffice, type Office } from "../core/office/office.js";
import { officeGlobals } from "../core/office/render.js";
import { loadRules, type RuleBook } from "../core/rules/rulebook.js";
import type { QueueName, QueuePolicy } from "../core/store/jobs.js";
import { ResponseKeysError } from "../core/store/redis/responses.js";
import { StaffAudit } from "../staff/audit.js";
import { StaffService } from "../staff/service.js";
import { StaffGroupActions } from "../staff/telegram/group.js";
import { StaffGroupNotifier } from "../staff/telegram/notifier.js";
import { STAFF_COOKIE, staffApp } from "../staff/web/app.js";
import { StaffSessions } from "../staff/web/sessions.js";
import { StaffWebhook } from "../staff/webhook/webhook.js";
import { type Config, casesEnabled, redisLocation } from "./config.js";
import { PuenteEffects } from "./effects.js";
import { closeServer, createHttpApp, listen } from "./http.js";
import { PuenteMetrics } from "./metrics.js";
import { metricsRoutes, operationsRoutes } from "./operations.js";
import { openStores, type Stores } from "./stores.js";
import { serveWhatsApp, startWork } from "./work.js";

/** The parts of the program that know no platform: texts, flows, the office, the engine, cases. */
export interface Core {
  texts: Texts;
  flows: Map<string, Flow>;
  office: Office;
  /** The eligibility rules, when a flow shows their results. */
  rules: RuleBook | undefined;
  engine: Engine;
  responses: AnonymousResponses;
  /** Undefined while hand-off to staff is off (no staff group nor webhook configured). */
  cases: Cases | undefined;
  /** The channels running here, filled once they are built: pushes go through them. */
  channels: Channels;
}

export type CoreStores = Pick<Stores, "sessions" | "responses" | "cases" | "caseIndex" | "jobs">;

export interface CoreOptions {
  /** Wraps the effect runner (tests record or break effects). */
  effects?: (runner: EffectRunner) => EffectRunner;
  now?: () => Date;
  /** Counts what the engine does (the metrics); tests may leave it out. */
  observer?: EngineObserver;
}

/** Builds texts, flows (compiled once, here), the office and the engine on the given stores. */
export function buildCore(config: Config, logger: Logger, stores: CoreStores, options: CoreOptions = {}): Core {
  const resources = readLocales(config.LOCALES_DIR);
  const office = loadOffice(config.OFFICE_FILE);
  const texts = createTexts(
    resources,
    officeGlobals(office, createTexts(resources), { contactDays: String(config.CONTACT_GRACE_DAYS) }),
  );
  const flows = compileFlows(config.FLOWS_DIR, texts);
  // Rules are read when a flow shows their results; a bad rule file stops the start like a bad flow.
  const rules = [...flows.values()].some((flow) => flow.results === "eligibility")
    ? loadRules(config.RULES_DIR, flows, texts)
    : undefined;
  const anonSecret = config.ANON_SECRET ?? randomBytes(32).toString("hex");
  const responses = new AnonymousResponses(flows, stores.responses, anonSecret);
  const cipher = config.CONTACT_KEY ? new ContactCipher(config.CONTACT_KEY) : undefined;
  const cases =
    casesEnabled(config) && cipher
      ? new Cases({
          records: stores.cases,
          index: stores.caseIndex,
          jobs: stores.jobs,
          cipher,
          graceMs: config.CONTACT_GRACE_DAYS * 24 * 3600 * 1000,
          surfaces: { staffGroup: Boolean(config.STAFF_TELEGRAM_CHAT_ID), webhook: Boolean(config.STAFF_WEBHOOK_URL) },
          logger,
          ...(options.now ? { now: options.now } : {}),
        })
      : undefined;
  const conversation = new Conversation({
    flows,
    texts,
    render: new Renderer(texts, flows),
    commands: new CommandReader(texts),
    office,
    casesEnabled: cases !== undefined,
    ...(rules ? { rules } : {}),
  });
  const channels = new Channels();
  const runner = new PuenteEffects({ responses, cases, cipher, channels, jobs: stores.jobs, logger });
  const engine = new Engine({
    store: stores.sessions,
    conversation,
    effects: options.effects?.(runner) ?? runner,
    participation: responses,
    texts,
    anonSecret,
    sessionIdleSeconds: config.SESSION_IDLE_HOURS * 3600,
    defaultLanguage: config.DEFAULT_LANGUAGE,
    logger,
    ...(options.now ? { now: options.now } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
  });
  return { texts, flows, office, rules, engine, responses, cases, channels };
}

export interface Puente extends Core {
  stores: Stores;
  telegram: TelegramChannel | undefined;
  whatsapp: WhatsAppRunner | undefined;
  /** The WhatsApp link as every replica sees it (for the staff dashboard); undefined while WhatsApp is off. */
  whatsappLink: WhatsAppLinkBoard | undefined;
  /** The port the HTTP server listens on (useful when HTTP_PORT=0). */
  port: number;
  /** The port of the staff dashboard: STAFF_PORT's server, or the same as `port`. */
  staffPort: number;
  close(): Promise<void>;
}

export interface StartOptions extends CoreOptions {
  /** Retry policies of the job queues (tests shorten the waits). */
  policies?: Record<QueueName, QueuePolicy>;
  recoverEveryMs?: number;
  sweepEveryMs?: number;
  /** How fast Telegram messages go out; Telegram's own limits unless a test gives others. */
  telegramPace?: TelegramPace;
  /** How often the count of stored responses is logged (an hour unless a test gives another). */
  countEveryMs?: number;
  /** The WhatsApp client to drive; whatsapp-web.js's real one unless a test gives a fake. */
  whatsappClient?: () => WhatsAppClientPort;
}

const COUNT_EVERY_MS = 3600_000;

/**
 * Logs how many anonymous responses were stored, per flow, every so often (and at the end), when
 * there were any: operators see the consultation working, and no response gets a time in the log.
 */
function countResponses(responses: AnonymousResponses, logger: Logger, everyMs: number): () => void {
  const report = () => {
    const counts = responses.takeCounts();
    if (Object.keys(counts).length > 0) logger.info({ responses: counts }, "responses stored since the last count");
  };
  const timer = setInterval(report, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    report();
  };
}

/**
 * Brings what an older version stored under other key names to today's before anything is read.
 * A Redis that is away now is no reason not to start (the bot says "try again" until it is back):
 * the move is then said in the log and made at the next start.
 */
async function adoptOldKeys(stores: Stores, flows: string[], logger: Logger): Promise<void> {
  try {
    const moved = await stores.adoptOldKeys(flows);
    if (moved.length > 0) logger.info({ flows: moved }, "responses moved to this version's key names");
  } catch (error) {
    if (error instanceof ResponseKeysError) throw error;
    logger.error(
      { err: (error as Error).message },
      "could not check for responses under older key names (Redis did not answer); the next start checks again",
    );
  }
}

/** The composition root: stores, core, channels, staff surfaces, background work, one HTTP server. */
export async function startPuente(config: Config, logger: Logger, options: StartOptions = {}): Promise<Puente> {
  const stores = openStores(
    {
      location: redisLocation(config),
      prefix: config.REDIS_PREFIX,
      accountsFile: config.STAFF_ACCOUNTS_FILE,
      ...(options.policies ? { policies: options.policies } : {}),
    },
    logger,
  );
  const metrics = new PuenteMetrics({ jobs: stores.jobs, caseIndex: stores.caseIndex });
  /** The queues the workers of this process serve: their failed tries are counted. */
  const workJobs = metrics.countFailures(stores.jobs);
  const core = buildCore(config, logger, stores, { ...options, observer: metrics });
  const { engine, texts, flows, office, cases, channels } = core;
  await adoptOldKeys(stores, [...flows.keys()], logger);
  const app = createHttpApp(logger, async () => {
    await stores.sessions.read("healthz"); // throws when Redis does not answer: /healthz then says 503
    return { store: stores.kind, flows: [...flows.keys()], cases: cases !== undefined };
  });
  const staffAudit = new StaffAudit(stores.audit, options.now);
  const staffSessions = new StaffSessions({
    accounts: stores.accounts,
    facts: stores.facts,
    limiter: stores.limiter,
    audit: staffAudit,
    hours: config.STAFF_SESSION_HOURS,
  });
  const metricsAccess = {
    tokens: config.STAFF_TOKENS,
    // A staff member signed in to the dashboard may read them too (at <STAFF_PATH>/metrics, where the cookie goes).
    isStaff: async (c: Context) =>
      config.STAFF_ENABLED && (await staffSessions.current(getCookie(c, STAFF_COOKIE))) !== undefined,
  };
  /** True once every channel started; false again while stopping, so /readyz turns traffic away. */
  let channelsStarted = false;
  // /readyz and /metrics; with STAFF_PORT they may go on the staff server instead.
  const operations = operationsRoutes({
    readiness: {
      store: async () => void (await stores.sessions.read("readyz")),
      channels: () => channels.all().map((channel) => ({ kind: channel.kind, started: channelsStarted })),
    },
    metrics,
    access: metricsAccess,
    logger,
  });
  app.route("/", operations);
  if (config.WEB_CHAT_ENABLED) {
    const web = new WebChannel({
      engine,
      texts,
      mailbox: stores.mailbox,
      idleSeconds: config.SESSION_IDLE_HOURS * 3600,
      limiter: stores.limiter,
      trustProxy: config.TRUST_PROXY,
      logger,
    });
    channels.add(web);
    app.route("/", web.routes());
  }
  const staffActions = new StaffGroupActions({
    chatId: config.STAFF_TELEGRAM_CHAT_ID,
    cases,
    texts,
    office,
    facts: stores.facts,
    logger,
  });
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
        chats: stores.chats,
        defaultLanguage: config.DEFAULT_LANGUAGE,
        logger,
        onGroupUpdate: (ctx) => staffActions.handle(ctx),
        ...(options.telegramPace ? { pace: options.telegramPace } : {}),
      })
    : undefined;
  if (telegram) {
    channels.add(telegram);
    app.route("/", telegram.routes());
  }
  const notifier =
    telegram && cases && config.STAFF_TELEGRAM_CHAT_ID
      ? new StaffGroupNotifier({
          api: telegram.bot.api,
          chatId: config.STAFF_TELEGRAM_CHAT_ID,
          cases,
          texts,
          office,
          logger,
        })
      : undefined;
  const webhook =
    cases && config.STAFF_WEBHOOK_URL && config.STAFF_WEBHOOK_SECRET
      ? new StaffWebhook({ url: config.STAFF_WEBHOOK_URL, secret: config.STAFF_WEBHOOK_SECRET, cases, logger })
      : undefined;
  const whatsappLink = config.WHATSAPP_ENABLED ? new WhatsAppLinkBoard(stores.facts, LEASE_TTL_MS) : undefined;
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
        whileReady: (channel) => serveWhatsApp(channel, { cases, jobs: workJobs, notifier, logger }),
        ...(options.whatsappClient ? { makeClient: options.whatsappClient } : {}),
        link: whatsappLink,
      })
    : undefined;
  if (whatsapp) channels.add(whatsapp);

  const staff = config.STAFF_ENABLED
    ? staffApp({
        base: config.STAFF_PATH,
        texts,
        sessions: staffSessions,
        audit: staffAudit,
        service: new StaffService({ flows, texts, responses: stores.responses, audit: staffAudit }),
        cases,
        jobs: stores.jobs,
        office,
        whatsapp: whatsappLink,
        results: {
          chromiumPath: config.CHROMIUM_PATH,
          officeName: office.file.name,
          logger,
          ...(core.rules ? { rules: core.rules } : {}),
        },
        trustProxy: config.TRUST_PROXY,
        logger,
      })
    : undefined;
  // The staff area on its own port keeps it off the public address; else beside the web chat.
  const staffHost = staff && config.STAFF_PORT !== undefined ? new Hono() : app;
  if (staff) {
    staffHost.route(config.STAFF_PATH, metricsRoutes(metrics, metricsAccess, logger));
    staffHost.route(config.STAFF_PATH, staff);
  }
  const staffServer = staffHost !== app ? await listen(staffHost, config.STAFF_PORT ?? 0, config.HTTP_HOST) : undefined;

  const server: ServerType = await listen(app, config.HTTP_PORT, config.HTTP_HOST);
  const port = (server.address() as AddressInfo).port;
  const staffPort = staffServer ? (staffServer.address() as AddressInfo).port : port;
  let stopWork: () => Promise<void> = async () => {};
  const stopCounting = countResponses(core.responses, logger, options.countEveryMs ?? COUNT_EVERY_MS);
  /**
   * The way out, in order: /readyz turns traffic away; background jobs in hand finish; each channel
   * takes nothing new and finishes what it holds (WhatsApp gives its lease up); the HTTP servers
   * close; Redis last, since everything before may still write to it.
   */
  const close = async () => {
    channelsStarted = false;
    stopCounting();
    await stopWork();
    for (const channel of channels.all()) await channel.stop();
    await closeServer(server);
    if (staffServer) await closeServer(staffServer);
    await stores.close();
  };
  try {
    await telegram?.start();
  } catch (error) {
    await close();
    throw error;
  }
  // WhatsApp starts in the background: a browser and a pairing must never hold up the rest of the bot.
  await whatsapp?.start();
  channelsStarted = true;
  stopWork = startWork({
    engine,
    cases,
    jobs: workJobs,
    office,
    notifier,
    webhook,
    reminderMs: config.CASE_REMINDER_MINUTES * 60_000,
    logger,
    ...(options.recoverEveryMs ? { recoverEveryMs: options.recoverEveryMs } : {}),
    ...(options.sweepEveryMs ? { sweepEveryMs: options.sweepEveryMs } : {}),
  });
  if (!cases)
    logger.info(
      "hand-off to staff is off: set CONTACT_KEY (openssl rand -hex 32) for cases in the staff dashboard, and STAFF_TELEGRAM_CHAT_ID or STAFF_WEBHOOK_URL to be told of them elsewhere",
    );
  logger.info({ port, flows: [...flows.keys()] }, `web chat on http://localhost:${port}/`);
  if (staff)
    logger.info(
      { port: staffPort },
      `staff dashboard on http://localhost:${staffPort}${config.STAFF_PATH}/ (accounts: npm run staff -- add <name>)`,
    );
  return { ...core, stores, port, staffPort, telegram, whatsapp, whatsappLink, close };
}
