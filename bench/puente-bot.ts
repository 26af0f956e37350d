/**
 * Puente as the benchmark runs it: the whole program's core (flows, texts, engine) on Redis, and its
 * own Telegram channel, whose grammY bot gets the updates (`bot.handleUpdate`, as the webhook and
 * the poller give them). Not started: `start()` would call getMe and put Telegram's pacing and
 * retries on the API; the bot's identity is set by hand and its API goes to the fake.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { pino } from "pino";
import { TelegramChannel } from "../src/channels/telegram/channel.js";
import { buildCore, type Core } from "../src/runtime/app.js";
import { loadConfig, redisLocation } from "../src/runtime/config.js";
import { openStores, type Stores } from "../src/runtime/stores.js";
import { BENCH_TOKEN, type FakeBotApi } from "./fake-bot-api.js";
import { puenteRedisEnv, type RedisTarget } from "./redis.js";
import { SURVEY_LANGUAGE, type SurveySpec } from "./survey.js";
import {
  answerMoves,
  BenchError,
  type BotUnderTest,
  expectQuestion,
  expectTapAnswered,
  type LiveKeys,
  type Move,
  type StoredResponses,
} from "./walk.js";

export interface PuenteSetup {
  root: string;
  flowsDir: string;
  localesDir: string;
  target: RedisTarget;
  prefix: string;
  fake: FakeBotApi;
  /** Replicas of one deployment share it (it names the sessions); one of its own otherwise. */
  anonSecret?: string;
}

/** Where a Puente prompt stands, from its buttons' tokens: a step id, `_review`, `language` or `menu`. */
export function puentePosition(buttons: readonly string[]): string {
  const first = buttons[0] ?? "";
  const parts = first.split(":");
  if (parts[0] === "a" || parts[0] === "c") return parts[2] ?? "";
  if (parts[0] === "r") return "_review";
  if (parts[0] === "l") return "language";
  if (parts[0] === "m" || parts[0] === "h") return "menu";
  return "";
}

export class PuenteBot implements BotUnderTest {
  readonly name = "Puente";
  readonly core: Core;
  readonly stores: Stores;
  readonly channel: TelegramChannel;
  readonly #prefix: string;
  readonly #botId: number;

  constructor({ root, flowsDir, localesDir, target, prefix, fake, anonSecret }: PuenteSetup) {
    const config = loadConfig({
      ...puenteRedisEnv(target),
      ANON_SECRET: anonSecret ?? randomBytes(32).toString("hex"),
      REDIS_PREFIX: prefix,
      FLOWS_DIR: flowsDir,
      LOCALES_DIR: localesDir,
      OFFICE_FILE: join(root, "office.yaml"),
      RULES_DIR: join(root, "rules"),
      DEFAULT_LANGUAGE: SURVEY_LANGUAGE,
    });
    // Silent: a submission is logged at info, and writing logs is not what is measured.
    const silent = pino({ level: "silent" });
    this.stores = openStores(
      { location: redisLocation(config), prefix: config.REDIS_PREFIX, accountsFile: config.STAFF_ACCOUNTS_FILE },
      silent,
    );
    this.core = buildCore(config, silent, this.stores);
    this.channel = new TelegramChannel({
      token: BENCH_TOKEN,
      engine: this.core.engine,
      texts: this.core.texts,
      chats: this.stores.chats,
      defaultLanguage: config.DEFAULT_LANGUAGE,
      logger: silent,
    });
    this.channel.bot.botInfo = fake.botInfo;
    fake.routeThrough(this.channel.bot.api);
    this.#prefix = prefix;
    this.#botId = fake.botInfo.id;
  }

  handleUpdate(update: Parameters<BotUnderTest["handleUpdate"]>[0]): Promise<void> {
    return this.channel.bot.handleUpdate(update);
  }

  t(key: string): string {
    return this.core.texts.t(SURVEY_LANGUAGE, key);
  }

  /**
   * `/start <survey>` (the link: the survey is not in the menu), the language picker that a new
   * person always gets first (tap Español), then one tap per question.
   */
  surveyScript(spec: SurveySpec, person: number): Move[] {
    const token = (question: number, option: string) => `a:${spec.id}:${spec.questions[question]?.id}:${option}`;
    const optionTokens = (question: number) =>
      spec.questions[question]?.options.map((option) => token(question, option.id)) ?? [];
    const asks = (question: number, where: string) => (calls: Parameters<Move["check"]>[0]) => {
      expectQuestion(calls, spec.questions[question]?.text ?? "", optionTokens(question), where);
    };
    const moves: Move[] = [
      {
        label: `/start ${spec.id}`,
        answers: false,
        update: (fake, chatId) => fake.message(chatId, `/start ${spec.id}`),
        check: (calls) => expectQuestion(calls, this.t("common:language.choose"), [`l:${SURVEY_LANGUAGE}`], "/start"),
      },
      {
        label: "taps Español",
        answers: false,
        update: (fake, chatId) => fake.tap(chatId, `l:${SURVEY_LANGUAGE}`),
        check: (calls) => {
          expectTapAnswered(calls, "language");
          asks(0, "language")(calls);
        },
      },
      ...answerMoves(spec, person, token, asks),
    ];
    return moves;
  }

  /**
   * The session's hash, and the channel's memory of the chat (its last updates, so that one sent
   * again is handled once, and the question shown). Each must exist: a key that is not there means
   * the store's key layout changed and this list with it.
   */
  async liveKeys(chatId: number): Promise<LiveKeys> {
    const chatKey = this.core.engine.chatKey("telegram", String(chatId));
    return {
      session: [`${this.#prefix}:s:${chatKey}`],
      "chat memory": [`${this.#prefix}:m:tg:${this.#botId}:${chatKey}`],
    };
  }

  async storedResponses(surveyId: string): Promise<StoredResponses> {
    const listing = await this.stores.responses.list(surveyId);
    if (listing.unreadable.length > 0) throw new BenchError(`${listing.unreadable.length} unreadable responses`);
    return { answers: listing.responses.map((response) => response.answers) };
  }

  async close(): Promise<void> {
    await this.stores.close();
  }
}
