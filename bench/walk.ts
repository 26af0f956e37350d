/**
 * What both bots have in common for the benchmark: a person's moves through a survey (each an
 * update to send and a check of the reply), and the bot under test as the driver sees it.
 */
import type { Update } from "grammy/types";
import type { ApiCall, FakeBotApi } from "./fake-bot-api.js";
import { chosenOption, type SurveySpec } from "./survey.js";

export class BenchError extends Error {
  override name = "BenchError";
}

/** One message a person sends, and what the bot must answer to it. */
export interface Move {
  /** How the move reads in the output: `/start survey5`, `q3: taps A veces`. */
  label: string;
  /** Whether it answers a question (counted as an answer), or opens the survey (the link, a language). */
  answers: boolean;
  update(fake: FakeBotApi, chatId: number): Update;
  /** Throws a BenchError unless `calls` (all the bot sent for this move) are the expected reply. */
  check(calls: ApiCall[], fake: FakeBotApi, chatId: number): void;
}

/** A bot as the benchmark drives and inspects it. */
export interface BotUnderTest {
  /** `Puente` or `grammY conversations`. */
  name: string;
  handleUpdate(update: Update): Promise<void>;
  /** Person `person`'s moves through a generated survey: opening it, then one answer per question. */
  surveyScript(spec: SurveySpec, person: number): Move[];
  /** The Redis keys that hold what this chat has live (its session and whatever else is kept per chat or per update). */
  liveKeys(chatId: number): Promise<LiveKeys>;
  /** The answers of every response stored for a survey. */
  storedResponses(surveyId: string): Promise<StoredResponses>;
  close(): Promise<void>;
}

/** Keys per live chat, by what they are, each named by its kind: `session`, `chat memory`. */
export type LiveKeys = Record<string, string[]>;

export interface StoredResponses {
  answers: Array<Record<string, unknown>>;
}

/** The last message of a reply that has buttons, checked to be the question asked. */
export function expectQuestion(calls: ApiCall[], text: string, buttons: readonly string[], where: string): void {
  const asked = calls.findLast((call) => call.method === "sendMessage" && call.buttons.length > 0);
  if (!asked) throw new BenchError(`${where}: expected the question "${text}", got ${describe(calls)}`);
  if (!asked.text?.includes(text) || buttons.some((data) => !asked.buttons.includes(data)))
    throw new BenchError(`${where}: expected "${text}" with ${buttons.join(" ")}, got ${describe(calls)}`);
}

/** A reply that says `text` (a message of its own, exactly). */
export function expectText(calls: ApiCall[], text: string, where: string): void {
  if (!calls.some((call) => call.method === "sendMessage" && call.text === text))
    throw new BenchError(`${where}: expected "${text}", got ${describe(calls)}`);
}

/** A tap must be answered (Telegram shows a spinner on the button until it is). */
export function expectTapAnswered(calls: ApiCall[], where: string): void {
  if (!calls.some((call) => call.method === "answerCallbackQuery"))
    throw new BenchError(`${where}: the tap was not answered, got ${describe(calls)}`);
}

export function describe(calls: ApiCall[]): string {
  return JSON.stringify(calls.map((call) => ({ [call.method]: call.text?.slice(0, 80) ?? "", buttons: call.buttons })));
}

/**
 * One move per question, the same for both bots: tap person `person`'s option, whose button data
 * `tokenOf` gives; the tap must be answered, then the next question asked (`asks`), or at the end
 * the survey's thanks said.
 */
export function answerMoves(
  spec: SurveySpec,
  person: number,
  tokenOf: (question: number, option: string) => string,
  asks: (question: number, where: string) => Move["check"],
): Move[] {
  return spec.questions.map((question, at) => {
    const option = chosenOption(spec, person, at);
    const last = at === spec.questions.length - 1;
    return {
      label: `${question.id}: taps ${option.label}`,
      answers: true,
      update: (fake, chatId) => fake.tap(chatId, tokenOf(at, option.id)),
      check: (calls, fake, chatId) => {
        expectTapAnswered(calls, question.id);
        if (last) expectText(calls, spec.done, question.id);
        else asks(at + 1, question.id)(calls, fake, chatId);
      },
    };
  });
}
