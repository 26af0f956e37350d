/**
 * The peer: the same surveys written the way grammY's documentation teaches a questionnaire with
 * the conversations plugin (v2): one function per survey that sends each question with an inline
 * keyboard and waits for the tap (`await conversation.waitForCallbackQuery(...)`), the plugin's
 * state kept in Redis through `@grammyjs/storage-redis`, and the finished response written at the
 * end inside `conversation.external` (as the docs say database calls must be).
 *
 * Per answer it does what Puente does on Telegram: answers the tap (the button's spinner), shows
 * the chosen answer on the question and takes its buttons away, and sends the next question.
 */
import {
  type Conversation,
  type ConversationData,
  type ConversationFlavor,
  conversations,
  createConversation,
  type VersionedState,
} from "@grammyjs/conversations";
import { RedisAdapter } from "@grammyjs/storage-redis";
import { Bot, type Context, InlineKeyboard } from "grammy";
import type { Update } from "grammy/types";
import type { Redis } from "ioredis";
import { BENCH_TOKEN, type FakeBotApi } from "../fake-bot-api.js";
import type { SurveyQuestion, SurveySpec } from "../survey.js";
import {
  answerMoves,
  BenchError,
  type BotUnderTest,
  expectQuestion,
  type LiveKeys,
  type Move,
  type StoredResponses,
} from "../walk.js";

type PeerContext = ConversationFlavor<Context>;
type PeerConversation = Conversation<PeerContext, Context>;

const USE_THE_BUTTONS = "Responde con los botones, por favor.";

export interface PeerSetup {
  redis: Redis;
  prefix: string;
  fake: FakeBotApi;
  surveys: readonly SurveySpec[];
}

const tokenOf = (question: SurveyQuestion, optionId: string) => `${question.id}:${optionId}`;

function keyboardOf(question: SurveyQuestion): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  question.options.forEach((option, at) => {
    keyboard.text(option.label, tokenOf(question, option.id));
    if (at % 2 === 1) keyboard.row();
  });
  return keyboard;
}

export class GrammyConversationsBot implements BotUnderTest {
  readonly name = "grammY conversations";
  readonly bot: Bot<PeerContext>;
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor({ redis, prefix, fake, surveys }: PeerSetup) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.bot = new Bot<PeerContext>(BENCH_TOKEN, { botInfo: fake.botInfo, client: { fetch: fake.fetch } });
    this.bot.use(
      conversations<PeerContext, Context>({
        storage: {
          type: "key",
          prefix: `${prefix}:conv:`,
          adapter: new RedisAdapter<VersionedState<ConversationData>>({ instance: redis }),
        },
      }),
    );
    for (const spec of surveys) this.bot.use(createConversation(this.#survey(spec), spec.id));
    // A deep link, t.me/bot?start=survey20, arrives as "/start survey20".
    this.bot.command("start", async (ctx) => {
      const survey = surveys.find((spec) => spec.id === ctx.match);
      if (survey) await ctx.conversation.enter(survey.id);
      else await ctx.reply("Hola.");
    });
  }

  #survey(spec: SurveySpec): (conversation: PeerConversation, ctx: Context) => Promise<void> {
    return async (conversation, ctx) => {
      const answers: Record<string, string> = {};
      for (const question of spec.questions) {
        await ctx.reply(question.text, { reply_markup: keyboardOf(question) });
        const tap = await conversation.waitForCallbackQuery(
          question.options.map((option) => tokenOf(question, option.id)),
          { otherwise: (other) => other.reply(USE_THE_BUTTONS) },
        );
        await tap.answerCallbackQuery();
        const chosen = question.options.find((option) => tokenOf(question, option.id) === tap.callbackQuery.data);
        await tap.editMessageText(`${question.text}\n\n✅ ${chosen?.label ?? ""}`);
        answers[question.id] = chosen?.id ?? "";
      }
      await conversation.external(() =>
        this.#redis.xadd(this.#responses(spec.id), "*", "response", JSON.stringify({ survey: spec.id, answers })),
      );
      await ctx.reply(spec.done);
    };
  }

  #responses(surveyId: string): string {
    return `${this.#prefix}:responses:${surveyId}`;
  }

  handleUpdate(update: Update): Promise<void> {
    return this.bot.handleUpdate(update);
  }

  /** `/start <survey>` enters the conversation, which asks the first question; then one tap per question. */
  surveyScript(spec: SurveySpec, person: number): Move[] {
    const asks = (at: number, where: string) => (calls: Parameters<Move["check"]>[0]) => {
      const question = spec.questions[at];
      if (!question) throw new BenchError(`${spec.id} has no question ${at + 1}`);
      expectQuestion(
        calls,
        question.text,
        question.options.map((option) => tokenOf(question, option.id)),
        where,
      );
    };
    const moves: Move[] = [
      {
        label: `/start ${spec.id}`,
        answers: false,
        update: (fake, chatId) => fake.message(chatId, `/start ${spec.id}`),
        check: asks(0, "/start"),
      },
      ...answerMoves(spec, person, (at, option) => tokenOf(spec.questions[at] as SurveyQuestion, option), asks),
    ];
    return moves;
  }

  /** The plugin keeps everything of a chat's conversations under one key. */
  async liveKeys(chatId: number): Promise<LiveKeys> {
    return { "conversation state": [`${this.#prefix}:conv:${chatId}`] };
  }

  async storedResponses(surveyId: string): Promise<StoredResponses> {
    const entries = await this.#redis.xrange(this.#responses(surveyId), "-", "+");
    const answers = entries.map(([, fields]) => {
      const parsed = JSON.parse(fields[1] ?? "{}") as { answers?: Record<string, unknown> };
      return parsed.answers ?? {};
    });
    return { answers };
  }

  async close(): Promise<void> {}
}
