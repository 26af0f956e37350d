import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEBHOOK_PATH } from "../src/channels/telegram/channel.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { BotApiEmulator, TEST_TOKEN } from "./support/bot-api.js";
import { capturingLogger, quiet, TEST_SECRET, testConfig } from "./support/puente.js";

/**
 * The Telegram channel when things go wrong: a Bot API without setMyCommands, edits Telegram
 * refuses, taps on messages too old to read, Redis away, a reply that cannot be sent, and a
 * webhook fed malformed or forged bodies. Every person is answered; nothing is lost; nothing of
 * what people wrote reaches the log.
 */
const WAIT = 20_000;
const FAST = { burst: 30, refillMs: 100, groupMinMs: 10 };

describe("Telegram with long polling, when things go wrong", () => {
  const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
  const { logger, lines } = capturingLogger();
  let puente: Puente;

  beforeAll(async () => {
    await emulator.start();
    // A Bot API server without the command menu method: registering commands is cosmetic.
    emulator.failNext("setMyCommands", { error_code: 404, description: "Not Found: method not found" }, 10);
    puente = await startPuente(
      testConfig({
        TELEGRAM_BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: emulator.apiRoot,
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
      }),
      logger,
      { telegramPace: FAST },
    );
  }, 60_000);

  afterAll(async () => {
    await puente?.close();
    await emulator.stop();
  });

  const t = (key: string) => puente.texts.t("es", key);

  it("starts when setMyCommands fails, saying so in one line", async () => {
    const warned = lines.filter((line) => line.includes("command menu"));
    expect(warned).toHaveLength(1);
    expect(warned[0]).not.toContain("\\n    at ");
    const person = emulator.person({ chatId: 84_001, languageCode: "es" });
    person.sendCommand("/start");
    await person.pickLanguage(undefined, WAIT);
    // The picker, then "language set", the welcome and the menu.
    await emulator.waitForMessages(84_001, 4, WAIT);
  });

  it("still answers when the edit of the tapped question is refused", async () => {
    const chatId = 84_002;
    const person = emulator.person({ chatId, languageCode: "es" });
    person.sendCommand("/start consulta");
    await person.pickLanguage(undefined, WAIT);
    await emulator.waitFor(
      () => emulator.lastMessage(chatId)?.buttons.some((b) => b.callbackData === "a:consulta:consent:yes") ?? false,
      WAIT,
    );
    const consent = emulator.lastMessage(chatId);
    emulator.failNext("editMessageText", { error_code: 400, description: "Bad Request: message can't be edited" });
    person.tap(consent?.messageId ?? 0, "a:consulta:consent:yes");
    await emulator.waitFor(
      () =>
        emulator.lastMessage(chatId)?.buttons.some((b) => b.callbackData?.startsWith("a:consulta:age_band:")) ?? false,
      WAIT,
      "the next question",
    );
  });

  it("never edits a question to an empty text when the tapped message is too old to read", async () => {
    const chatId = 84_003;
    const person = emulator.person({ chatId, languageCode: "es" });
    person.sendCommand("/start consulta");
    await person.pickLanguage(undefined, WAIT);
    await emulator.waitFor(
      () => emulator.lastMessage(chatId)?.buttons.some((b) => b.callbackData === "a:consulta:consent:yes") ?? false,
      WAIT,
    );
    const consent = emulator.lastMessage(chatId);
    const edits = emulator.callsOf("editMessageText").length;
    person.tap(consent?.messageId ?? 0, "a:consulta:consent:yes", { inaccessible: true });
    await emulator.waitFor(
      () =>
        emulator.lastMessage(chatId)?.buttons.some((b) => b.callbackData?.startsWith("a:consulta:age_band:")) ?? false,
      WAIT,
      "the next question",
    );
    const emptyEdits = emulator
      .callsOf("editMessageText")
      .slice(edits)
      .filter((call) => String(call.body.text ?? "").trim() === "");
    expect(emptyEdits).toEqual([]);
    expect(t("common:welcome")).toBeTruthy();
  });
});

describe("Telegram when Redis is away", () => {
  const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
  let puente: Puente;

  beforeAll(async () => {
    await emulator.start();
    puente = await startPuente(
      testConfig({
        TELEGRAM_BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: emulator.apiRoot,
        REDIS_URL: "redis://127.0.0.1:1",
        ANON_SECRET: TEST_SECRET,
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
      }),
      quiet,
      { telegramPace: FAST },
    );
  }, 60_000);

  afterAll(async () => {
    await puente?.close();
    await emulator.stop();
  });

  it("says to try again in a moment, in the person's language, instead of silence", async () => {
    const person = emulator.person({ chatId: 85_001, languageCode: "pt-BR" });
    person.send("oi");
    const [reply] = await emulator.waitForMessages(85_001, 1, WAIT);
    expect(reply?.text).toBe(puente.texts.t("pt", "common:error.tryAgain"));
  });
});

describe("Telegram webhook, when things go wrong", () => {
  const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
  const { logger, lines } = capturingLogger();
  const secret = "webhook_secret_456";
  let puente: Puente;
  let url: string;

  beforeAll(async () => {
    await emulator.start();
    puente = await startPuente(
      testConfig({
        TELEGRAM_BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: emulator.apiRoot,
        TELEGRAM_WEBHOOK_URL: "https://bot.example.org/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET: secret,
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
      }),
      logger,
      { telegramPace: FAST },
    );
    url = `http://127.0.0.1:${puente.port}${WEBHOOK_PATH}`;
  }, 60_000);

  afterAll(async () => {
    await puente?.close();
    await emulator.stop();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret, ...headers },
      body,
    });

  it("answers a reply that could not be sent when Telegram sends the update again", async () => {
    const chatId = 86_001;
    const person = emulator.person({ chatId, languageCode: "es" });
    const update = person.send("/start");
    emulator.failNext("sendMessage", { error_code: 500, description: "Internal Server Error" });
    const first = await emulator.postToWebhook(url, update, secret);
    expect(first).toBe(500);
    expect(await emulator.postToWebhook(url, update, secret)).toBe(200);
    const messages = await emulator.waitForMessages(chatId, 1, WAIT);
    expect(messages.length).toBeGreaterThan(0);
  });

  it.each([
    ["malformed JSON", 400, '{"update_id": 1, "message": {'],
    ["an empty body", 400, ""],
    ["null", 400, "null"],
    [
      "an update without update_id",
      400,
      '{"message":{"message_id":1,"date":0,"chat":{"id":5,"type":"private"},"text":"hola"}}',
    ],
    ["an update without a chat", 200, '{"update_id": 999001}'],
    [
      "a chat id that is not a number",
      200,
      '{"update_id":999002,"message":{"message_id":1,"date":0,"chat":{"id":"x","type":"private"},"from":{"id":1,"is_bot":false,"first_name":"A"},"text":"hola"}}',
    ],
    [
      // Telegram sends at most 64 bytes of callback data: longer is forged, and was a 500 Telegram retried.
      "a tap whose data is longer than any button's",
      200,
      `{"update_id":999003,"callback_query":{"id":"cb9","from":{"id":86003,"is_bot":false,"first_name":"A"},"chat_instance":"x","data":"${"hola".repeat(65)}","message":{"message_id":7,"date":0,"chat":{"id":86003,"type":"private"},"text":"?"}}}`,
    ],
  ])("answers %s with %i and logs one line without the body", async (_, status, body) => {
    const before = lines.length;
    const response = await post(body);
    expect(response.status).toBe(status);
    const logged = lines.slice(before).join("");
    expect(logged).not.toContain("hola");
    expect(logged).not.toContain("update_id");
    expect(
      emulator.callsOf("sendMessage").some((call) => call.body.chat_id === null || call.body.chat_id === "x"),
    ).toBe(false);
  });

  it("refuses a forged secret with 401 before reading the body", async () => {
    const response = await post("{not json", { "x-telegram-bot-api-secret-token": "forged" });
    expect(response.status).toBe(401);
  });

  it("goes on handling later updates after a malformed one", async () => {
    await post('{"message":{}}');
    const chatId = 86_002;
    const person = emulator.person({ chatId, languageCode: "es" });
    expect(await emulator.postToWebhook(url, person.send("/start"), secret)).toBe(200);
    const pick = await person.pickLanguage(undefined, WAIT);
    expect(await emulator.postToWebhook(url, pick, secret)).toBe(200);
    // The picker, then "language set", the welcome and the menu.
    await emulator.waitForMessages(chatId, 4, WAIT);
  });

  it("refuses a body too large for any update with 413", async () => {
    // Last: the server closes the connection without reading the rest of the body.
    const response = await post(JSON.stringify({ update_id: 1, padding: "x".repeat(2_000_000) }), {
      connection: "close",
    });
    expect(response.status).toBe(413);
  });
});
