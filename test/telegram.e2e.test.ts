import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Language } from "../src/core/i18n/languages.js";
import { createTexts, readLocales } from "../src/core/i18n/texts.js";
import { loadOffice } from "../src/core/office/office.js";
import { officeGlobals } from "../src/core/office/render.js";
import { openRedis } from "../src/core/store/redis/client.js";
import { RedisResponseStore } from "../src/core/store/redis/responses.js";
import { BotApiEmulator, type BotMessage, TEST_TOKEN } from "./support/bot-api.js";
import { failedStart, startProgram } from "./support/program.js";
import { dropPrefix, REDIS_URL, TEST_SECRET, testPrefix } from "./support/puente.js";
import { nextQuestion, stepOf } from "./support/telegram.js";

/**
 * Telegram end to end over real HTTP: the program started as `npm start` starts it, with the
 * Telegram variables, long polling a Bot API emulator on loopback. One person completes the
 * consultation in Kreyòl by buttons, another in Spanish by typing; every question and every edit
 * of an answered question is checked.
 */
// With the office's details filled in, as the program fills them (the consultation's end gives them).
const resources = readLocales("locales");
const texts = createTexts(resources, officeGlobals(loadOffice("office.yaml"), createTexts(resources)));
const prefix = testPrefix("telegram");
const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
const children: ChildProcess[] = [];
const WAIT = 60_000;

beforeAll(async () => {
  await emulator.start();
  await startProgram(
    {
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      ANON_SECRET: TEST_SECRET,
    },
    children,
  );
  await emulator.waitForCall("getUpdates", 1, WAIT);
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await emulator.stop();
  await dropPrefix(prefix);
});

const optionButtons = (message: BotMessage) => message.buttons.filter((b) => b.callbackData?.startsWith("a:"));

/**
 * A new person picks their language at the picker (the app's language is only offered first); the
 * picker, answered, shows the language chosen and loses its buttons. Returns the picker's id.
 */
async function pickLanguage(person: ReturnType<BotApiEmulator["person"]>, lng: Language): Promise<number> {
  const chatId = person.chat.id;
  const update = await person.pickLanguage(lng, WAIT);
  const pickerId = update.callback_query?.message?.message_id ?? 0;
  await emulator.waitFor(
    () => (emulator.message(chatId, pickerId)?.buttons.length ?? 1) === 0,
    WAIT,
    "the picker closed",
  );
  expect(emulator.message(chatId, pickerId)?.text).toContain(`✅ ${texts.t(lng, "common:language.name")}`);
  return pickerId;
}

describe("Telegram, end to end", () => {
  it("registers the commands in every language", () => {
    for (const lng of ["es", "ht", "fr", "en", "pt"] as Language[]) {
      const commands = emulator.commandsFor(undefined, lng) ?? [];
      expect(commands.map((c) => c.command)).toContain("start");
      expect(commands.map((c) => c.description)).toContain(texts.t(lng, "common:commandMenu.delete"));
    }
  });

  it("a person completes the consultation in Kreyòl by buttons; each answered question shows the answer and loses its buttons", async () => {
    const person = emulator.person({ chatId: 81_001, languageCode: "ht", firstName: "Roseline" });
    const chatId = 81_001;
    person.sendCommand("/start consulta");
    // The link waits for the language; Kreyòl, the app's, is tapped.
    let question = await nextQuestion(emulator, chatId, await pickLanguage(person, "ht"), WAIT);
    expect(emulator.messages(chatId).some((m) => m.text === texts.t("ht", "common:welcome"))).toBe(true);
    const asked: string[] = [];
    for (let turn = 0; turn < 40; turn++) {
      const step = stepOf(question);
      asked.push(step);
      if (step === "_menu") break;
      const options = optionButtons(question);
      let tapped: { data: string; label: string } | undefined;
      if (step === "_review") {
        const confirm = question.buttons.find((b) => b.callbackData === "r:consulta:confirm");
        tapped = { data: confirm?.callbackData ?? "", label: confirm?.text ?? "" };
      } else if (question.buttons.some((b) => b.callbackData?.endsWith(":done"))) {
        // Multiple choice (needs, info_channel): two ticks, then "done".
        for (const [at, option] of options.slice(0, 2).entries()) {
          const edits = emulator.message(chatId, question.messageId)?.edits ?? 0;
          person.tap(question.messageId, option.callbackData ?? "");
          await emulator.waitFor(
            () => (emulator.message(chatId, question.messageId)?.edits ?? 0) > edits,
            WAIT,
            "a tick",
          );
          const ticked = emulator.message(chatId, question.messageId)?.buttons.filter((b) => b.text.startsWith("✓ "));
          expect(ticked).toHaveLength(at + 1);
        }
        const done = question.buttons.find((b) => b.callbackData?.endsWith(":done"));
        tapped = {
          data: done?.callbackData ?? "",
          label: options
            .slice(0, 2)
            .map((o) => o.text)
            .join(", "),
        };
      } else if (options.length > 0) {
        const choice =
          step === "consent"
            ? options.find((o) => o.callbackData?.endsWith(":yes"))
            : step === "discrimination"
              ? options.find((o) => o.callbackData?.endsWith(":no"))
              : options[1];
        tapped = { data: choice?.callbackData ?? "", label: choice?.text ?? "" };
      } else {
        const skip = question.buttons.find((b) => b.callbackData?.endsWith(":skip"));
        tapped = { data: skip?.callbackData ?? "", label: skip?.text ?? "" };
      }
      if (tapped) person.tap(question.messageId, tapped.data);
      const next = await nextQuestion(emulator, chatId, question.messageId, WAIT);
      const closed = emulator.message(chatId, question.messageId);
      expect(closed?.buttons, `${step} keeps no buttons`).toEqual([]);
      if (tapped) expect(closed?.text, step).toContain(`✅ ${tapped.label}`);
      question = next;
    }
    expect(asked.slice(0, 3)).toEqual(["consent", "age_band", "nationality"]);
    expect(asked).toContain("minors_band");
    expect(asked).toContain("children_school");
    expect(asked.at(-2)).toBe("_review");
    expect(emulator.messages(chatId).some((m) => m.text === texts.t("ht", "consulta:done"))).toBe(true);
    expect(emulator.answeredCallbacks.size).toBe(emulator.callsOf("answerCallbackQuery").length);
  }, 240_000);

  it("another completes it in Spanish by typing; each question's buttons are taken away when the next comes", async () => {
    const person = emulator.person({ chatId: 81_002, languageCode: "es-CL", firstName: "Luis" });
    const chatId = 81_002;
    person.sendCommand("/start");
    let question = await nextQuestion(emulator, chatId, await pickLanguage(person, "es"), WAIT);
    expect(stepOf(question)).toBe("_menu");
    // The consultation is the menu's second item.
    person.send("2");
    question = await nextQuestion(emulator, chatId, question.messageId, WAIT);
    const typed: Record<string, string> = {
      consent: "sí",
      age_band: "3",
      nationality: "haití",
      household_band: "1",
      minors_band: "4",
      needs: "1, 3",
      discrimination: "no",
      comment: "Gracias por preguntar",
      _review: "1",
    };
    const asked: string[] = [];
    for (let turn = 0; turn < 40; turn++) {
      const step = stepOf(question);
      asked.push(step);
      if (step === "_menu") break;
      if (step !== "_review") expect(question.text).toContain(texts.t("es", `consulta:${step}.text`).slice(0, 20));
      person.send(typed[step] ?? "2");
      const next = await nextQuestion(emulator, chatId, question.messageId, WAIT);
      expect(emulator.message(chatId, question.messageId)?.buttons, `${step} keeps no buttons`).toEqual([]);
      question = next;
    }
    // No minors at home ("4": its last option, none): nobody is asked about school.
    expect(asked).not.toContain("children_school");
    expect(asked).not.toContain("nationality_other");
    expect(emulator.messages(chatId).some((m) => m.text === texts.t("es", "consulta:done"))).toBe(true);

    const redis = openRedis(REDIS_URL);
    const stored = (await new RedisResponseStore(redis, prefix).list("consulta")).responses;
    // No raw Telegram id anywhere in Redis: keys, session hashes, remembered message ids.
    const everything: string[] = [];
    const keys = await redis.keys(`${prefix}:*`);
    // What is kept per chat stays one key however many updates the chat sent (over 40 between the
    // two): its session, its memory of the last updates and the question shown; no key per update.
    expect(keys.filter((key) => key.startsWith(`${prefix}:m:tg:`))).toHaveLength(2);
    expect(keys.length, keys.join(" ")).toBeLessThanOrEqual(8);
    for (const key of keys) {
      everything.push(key);
      const type = await redis.type(key);
      if (type === "string") everything.push((await redis.get(key)) ?? "");
      if (type === "hash") everything.push(...Object.values(await redis.hgetall(key)));
    }
    await redis.quit();
    expect(everything.join("\n")).not.toMatch(/8100[12]/);
    expect(stored.map((r) => [r.lng, r.channel]).sort()).toEqual([
      ["es", "telegram"],
      ["ht", "telegram"],
    ]);
    const spanish = stored.find((r) => r.lng === "es");
    expect(spanish?.answers).toMatchObject({
      consent: true,
      age_band: "a30_44",
      nationality: "haiti",
      household_band: "one",
      minors_band: "none",
      discrimination: false,
      comment: "Gracias por preguntar",
    });
  }, 240_000);
});

describe("Telegram start-up problems", () => {
  it("a token Telegram refuses stops the program with one clear line", async () => {
    const { code, stderr } = await failedStart({
      TELEGRAM_BOT_TOKEN: "7000000002:AAH-wrong-token-0123456789abcdefgh",
      TELEGRAM_API_ROOT: emulator.apiRoot,
      HTTP_PORT: "0",
    });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      "Telegram refused the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN with @BotFather",
    );
  }, 60_000);

  it("an unreachable Bot API stops it with one clear line", async () => {
    const { code, stderr } = await failedStart({
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: "http://127.0.0.1:1",
      HTTP_PORT: "0",
    });
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/^Cannot reach the Telegram Bot API at http:\/\/127\.0\.0\.1:1/);
  }, 60_000);
});
