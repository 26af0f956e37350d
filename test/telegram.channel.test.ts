import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEBHOOK_PATH } from "../src/channels/telegram/channel.js";
import { LANGUAGES } from "../src/core/i18n/languages.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { BotApiEmulator, type BotMessage, TEST_TOKEN } from "./support/bot-api.js";
import { quiet, testConfig } from "./support/puente.js";

/**
 * The Telegram channel against the ways Telegram really delivers updates: redeliveries, forged
 * and stale buttons, things people send that are not text, groups, bursts, flood limits.
 */
const WAIT = 30_000;
const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
let polling: Puente;

beforeAll(async () => {
  await emulator.start();
  polling = await startPuente(
    testConfig({
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      HTTP_PORT: "0",
      HTTP_HOST: "127.0.0.1",
    }),
    quiet,
  );
}, 60_000);

afterAll(async () => {
  await polling?.close();
  await emulator.stop();
});

const texts = () => polling.texts;
const last = (chatId: number) => emulator.lastMessage(chatId);
const waitForCount = (chatId: number, count: number) => emulator.waitForMessages(chatId, count, WAIT);

/** Starts the consultation for a new person, who picks their language, and waits for its first question. */
async function atConsent(
  chatId: number,
  languageCode = "es",
): Promise<{ person: ReturnType<BotApiEmulator["person"]>; question: BotMessage }> {
  const person = emulator.person({ chatId, languageCode });
  person.sendCommand("/start consulta");
  await person.pickLanguage(undefined, WAIT);
  await emulator.waitFor(
    () => last(chatId)?.buttons.some((b) => b.callbackData === "a:consulta:consent:yes") ?? false,
    WAIT,
  );
  const question = last(chatId);
  if (!question) throw new Error("no question");
  return { person, question };
}

describe("Telegram channel", () => {
  it("a forged button or one of an earlier question gets a short answer and the current question again; nothing stored", async () => {
    const chatId = 82_001;
    const { person, question } = await atConsent(chatId);
    person.tap(question.messageId, "a:consulta:consent:yes");
    await emulator.waitFor(
      () => (last(chatId)?.messageId ?? 0) > question.messageId && (last(chatId)?.buttons.length ?? 0) > 0,
      WAIT,
    );
    const ageQuestion = last(chatId) as BotMessage;
    const before = emulator.messages(chatId).length;
    const answeredBefore = emulator.callsOf("answerCallbackQuery").length;

    person.tap(question.messageId, "a:consulta:consent:no", { unchecked: true });
    await waitForCount(chatId, before + 2);
    expect(emulator.messages(chatId).at(-2)?.text).toBe(texts().t("es", "common:stale"));
    expect(last(chatId)?.buttons.map((b) => b.callbackData)).toEqual(ageQuestion.buttons.map((b) => b.callbackData));

    person.tap(ageQuestion.messageId, "e:zz:'; DROP", { unchecked: true });
    await waitForCount(chatId, before + 4);
    expect(emulator.messages(chatId).at(-2)?.text).toBe(texts().t("es", "common:stale"));
    await emulator.waitFor(() => emulator.callsOf("answerCallbackQuery").length >= answeredBefore + 2, WAIT);
    expect(emulator.answeredCallbacks.size).toBe(emulator.callsOf("answerCallbackQuery").length);
  });

  it("answers stickers, photos, voice notes and the rest with a friendly line and the question again", async () => {
    const chatId = 82_002;
    const { person } = await atConsent(chatId);
    const kinds: [() => void, string][] = [
      [() => person.sendSticker(), "common:unsupported"],
      [() => person.sendPhoto(), "common:unsupported"],
      // A voice note: said kindly, with the office's contacts.
      [() => person.sendVoice(), "common:voiceNote"],
      [() => person.sendVideo(), "common:unsupported"],
      [() => person.sendDocument(), "common:unsupported"],
      [() => person.sendLocation(), "common:unsupported"],
      [() => person.sendContact(), "common:unsupported"],
      [() => person.sendPoll(), "common:unsupported"],
    ];
    for (const [send, says] of kinds) {
      const before = emulator.messages(chatId).length;
      send();
      await waitForCount(chatId, before + 2);
      expect(emulator.messages(chatId).at(-2)?.text).toBe(texts().t("es", says));
      expect(last(chatId)?.buttons.some((b) => b.callbackData === "a:consulta:consent:yes")).toBe(true);
    }
  }, 120_000);

  it("keeps silent for an edited message, a group message and a channel post", async () => {
    const chatId = 82_003;
    const { person } = await atConsent(chatId);
    const sent = person.send("sí");
    await emulator.waitFor(
      () => last(chatId)?.buttons.some((b) => b.callbackData?.startsWith("a:consulta:age_band")) ?? false,
      WAIT,
    );
    const count = emulator.messages(chatId).length;
    const calls = emulator.calls.length;
    const messageId = sent.message?.message_id ?? 0;
    person.editMessage(messageId, "no");
    const group = person.groupMessage("/start");
    person.channelPost("hola");
    // A marker message after them: once it is answered, the three before were surely handled.
    person.send("/ayuda");
    await waitForCount(chatId, count + 2);
    expect(emulator.messages(chatId).at(-2)?.text).toBe(texts().t("es", "common:help"));
    const groupChat = group.message?.chat.id ?? 0;
    expect(emulator.messages(groupChat)).toEqual([]);
    const sendsSince = emulator.calls.slice(calls).filter((c) => c.method === "sendMessage");
    expect(sendsSince.every((c) => c.body.chat_id === chatId)).toBe(true);
  });

  it("applies two updates of one chat sent at once in order", async () => {
    const chatId = 82_004;
    const { person } = await atConsent(chatId);
    person.send("sí");
    person.send("2");
    await emulator.waitFor(
      () => last(chatId)?.buttons.some((b) => b.callbackData?.startsWith("a:consulta:nationality")) ?? false,
      WAIT,
    );
    // Out of order, "2" would have answered the consent question ("no") and ended the survey.
    expect(emulator.messages(chatId).map((m) => m.text)).not.toContain(texts().t("es", "consulta:declined.text"));
  });

  it("still delivers a message when Telegram answers 429 with retry_after", async () => {
    const chatId = 82_005;
    const person = emulator.person({ chatId, languageCode: "es" });
    emulator.failNext("sendMessage", {
      error_code: 429,
      retry_after: 1,
      description: "Too Many Requests: retry after 1",
    });
    person.sendCommand("/start");
    // The language picker is the message refused first: it still comes, and the tap on it is answered.
    await person.pickLanguage(undefined, WAIT);
    await emulator.waitFor(() => last(chatId)?.buttons.some((b) => b.callbackData === "m:consulta") ?? false, WAIT);
    expect(emulator.messages(chatId).map((m) => m.text)).toContain(texts().t("es", "common:welcome"));
  });

  it("handles an update delivered twice once", async () => {
    const chatId = 82_006;
    const person = emulator.person({ chatId, languageCode: "es" });
    person.sendCommand("/start");
    await person.pickLanguage(undefined, WAIT);
    // The picker, then "language set", the welcome and the menu.
    await waitForCount(chatId, 4);
    const update = person.send("/ayuda");
    await waitForCount(chatId, 6);
    emulator.enqueue(update);
    person.send("/menu");
    await waitForCount(chatId, 7);
    expect(last(chatId)?.buttons.some((b) => b.callbackData === "m:consulta")).toBe(true);
    expect(emulator.messages(chatId).filter((m) => m.text === texts().t("es", "common:help"))).toHaveLength(1);
  });

  it("never takes the app's language silently: a new person picks, with it (or what their words are in) offered first", async () => {
    // A language's button ("l:fr"), not the menu's "change language" ("l:?").
    const pickerOf = (chatId: number) => () =>
      last(chatId)?.buttons.some((b) => /^l:[a-z]{2}$/.test(b.callbackData ?? "")) ?? false;
    const offered = (chatId: number) => last(chatId)?.buttons.map((b) => b.callbackData);
    const firstOrder = (lng: string) => [lng, ...LANGUAGES.filter((l) => l !== lng)].map((l) => `l:${l}`);

    // A French app: /start shows the picker, not the welcome and menu, with French offered first.
    const french = emulator.person({ chatId: 82_010, languageCode: "fr" });
    french.sendCommand("/start");
    await emulator.waitFor(pickerOf(82_010), WAIT);
    expect(offered(82_010)).toEqual(firstOrder("fr"));
    expect(emulator.messages(82_010)).toHaveLength(1);
    expect(emulator.messages(82_010)[0]?.text).not.toContain(texts().t("fr", "common:welcome"));
    // Tapping French gives the welcome and the menu in French.
    await french.pickLanguage(undefined, WAIT);
    await waitForCount(82_010, 4);
    const inFrench = emulator.messages(82_010);
    expect(inFrench[1]?.text).toBe(texts().t("fr", "common:language.set"));
    expect(inFrench[2]?.text).toBe(texts().t("fr", "common:welcome"));
    expect(inFrench[3]?.text).toContain(texts().t("fr", "common:menu.text"));
    expect(inFrench[3]?.buttons.some((b) => b.callbackData === "m:consulta")).toBe(true);

    // A French app, but "bonjou": Kreyòl is offered first; tapping it gives the welcome and menu in Kreyòl.
    const haitian = emulator.person({ chatId: 82_011, languageCode: "fr" });
    haitian.send("bonjou");
    await emulator.waitFor(pickerOf(82_011), WAIT);
    expect(offered(82_011)).toEqual(firstOrder("ht"));
    expect(emulator.messages(82_011)).toHaveLength(1);
    await haitian.pickLanguage("ht", WAIT);
    await waitForCount(82_011, 4);
    const inKreyol = emulator.messages(82_011);
    expect(inKreyol[1]?.text).toBe(texts().t("ht", "common:language.set"));
    expect(inKreyol[2]?.text).toBe(texts().t("ht", "common:welcome"));
    expect(inKreyol[3]?.text).toContain(texts().t("ht", "common:menu.text"));

    // /start consulta before any language: the picker first; the consultation opens once picked.
    const linked = emulator.person({ chatId: 82_012, languageCode: "fr" });
    linked.sendCommand("/start consulta");
    await emulator.waitFor(pickerOf(82_012), WAIT);
    expect(offered(82_012)).toEqual(firstOrder("fr"));
    expect(emulator.messages(82_012)).toHaveLength(1);
    await linked.pickLanguage(undefined, WAIT);
    await emulator.waitFor(
      () => last(82_012)?.buttons.some((b) => b.callbackData === "a:consulta:consent:yes") ?? false,
      WAIT,
    );
    const opened = emulator.messages(82_012).map((m) => m.text);
    expect(opened[1]).toBe(texts().t("fr", "common:language.set"));
    expect(opened).toContain(texts().t("fr", "common:welcome"));
    expect(opened.some((text) => text.includes(texts().t("fr", "common:menu.text")))).toBe(false);
  });
});

describe("Telegram webhook mode", () => {
  let hooked: Puente;
  const hookEmulator = new BotApiEmulator({ validToken: TEST_TOKEN });
  const secret = "webhook_secret_123";

  beforeAll(async () => {
    await hookEmulator.start();
    hooked = await startPuente(
      testConfig({
        TELEGRAM_BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: hookEmulator.apiRoot,
        TELEGRAM_WEBHOOK_URL: "https://bot.example.org/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET: secret,
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
      }),
      quiet,
    );
  }, 60_000);

  afterAll(async () => {
    await hooked?.close();
    await hookEmulator.stop();
  });

  it("registers the webhook with its secret and never polls", () => {
    expect(hookEmulator.webhook).toMatchObject({
      url: "https://bot.example.org/telegram/webhook",
      secretToken: secret,
    });
    expect(hookEmulator.callsOf("getUpdates")).toEqual([]);
  });

  it("refuses updates without the right secret, and handles a redelivered one once", async () => {
    const chatId = 83_001;
    const url = `http://127.0.0.1:${hooked.port}${WEBHOOK_PATH}`;
    const person = hookEmulator.person({ chatId, languageCode: "es" });
    const update = person.send("/start");
    expect(await hookEmulator.postToWebhook(url, update)).toBe(401);
    expect(await hookEmulator.postToWebhook(url, update, "wrong")).toBe(401);
    expect(hookEmulator.messages(chatId)).toEqual([]);
    expect(await hookEmulator.postToWebhook(url, update, secret)).toBe(200);
    // The language picker; the redelivered /start must not bring a second one.
    await hookEmulator.waitForMessages(chatId, 1, WAIT);
    expect(await hookEmulator.postToWebhook(url, update, secret)).toBe(200);
    const pick = await person.pickLanguage(undefined, WAIT);
    expect(await hookEmulator.postToWebhook(url, pick, secret)).toBe(200);
    // The picker, then "language set", the welcome and the menu.
    await hookEmulator.waitForMessages(chatId, 4, WAIT);
    expect(await hookEmulator.postToWebhook(url, pick, secret)).toBe(200);
    const marker = person.send("/ayuda");
    expect(await hookEmulator.postToWebhook(url, marker, secret)).toBe(200);
    await hookEmulator.waitForMessages(chatId, 6, WAIT);
    // Once each: one picker, one welcome, then the help and the menu for the marker, nothing more.
    expect(hookEmulator.messages(chatId)).toHaveLength(6);
    expect(hookEmulator.messages(chatId).filter((m) => m.text === hooked.texts.t("es", "common:welcome"))).toHaveLength(
      1,
    );
    expect(hookEmulator.messages(chatId).at(-2)?.text).toBe(hooked.texts.t("es", "common:help"));
  });
});
