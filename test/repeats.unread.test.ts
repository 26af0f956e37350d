import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelegramChannel } from "../src/channels/telegram/channel.js";
import { WhatsAppChannel } from "../src/channels/whatsapp/channel.js";
import { MemoryChatMemory } from "../src/core/store/memory/chatmemory.js";
import { MemoryKeyValueStore } from "../src/core/store/memory/keyvalue.js";
import { MemoryRecordStore } from "../src/core/store/memory/records.js";
import { type RecordChange, StoreUnavailableError } from "../src/core/store/records.js";
import { BotApiEmulator, TEST_TOKEN } from "./support/bot-api.js";
import { engineOn, quiet } from "./support/puente.js";
import { FakeWhatsAppClient, waMessage } from "./support/whatsapp.js";

/**
 * Telegram and WhatsApp keep the question a person was last shown in Redis, and send it with what
 * they type so that a retry is never taken for the next question. When that note cannot be read
 * (Redis stalls) but the session can a moment later, the retry of an answer whose write landed
 * late was taken for the next question: "5 people at home" typed again became 5 minors (found by
 * test/redis.faults.test.ts). Typed text whose question is unknown is now answered "try again".
 */

/** A session store whose next write lands but is reported as failed, as when Redis answers late. */
class LateAcknowledgingStore extends MemoryRecordStore {
  #late = false;
  acknowledgeNextWriteLate(): void {
    this.#late = true;
  }
  override async write(key: string, change: RecordChange, expectedRevision: number): Promise<boolean> {
    const written = await super.write(key, change, expectedRevision);
    if (this.#late) {
      this.#late = false;
      throw new StoreUnavailableError("Redis did not answer: Command timed out");
    }
    return written;
  }
}

/** A chat memory whose next take fails, as when Redis does not answer in time. */
class UnreadableChats extends MemoryChatMemory {
  #fail = false;
  failNextRead(): void {
    this.#fail = true;
  }
  override async take(chat: string, delivery: string, ttlSeconds: number) {
    if (this.#fail) {
      this.#fail = false;
      throw new StoreUnavailableError("Redis did not answer: Command timed out");
    }
    return super.take(chat, delivery, ttlSeconds);
  }
}

/** Facts whose next read fails, as when Redis does not answer in time. */
class UnreadableFacts extends MemoryKeyValueStore {
  #fail = false;
  failNextRead(): void {
    this.#fail = true;
  }
  override async get(key: string): Promise<string | undefined> {
    if (this.#fail) {
      this.#fail = false;
      throw new StoreUnavailableError("Redis did not answer: Command timed out");
    }
    return super.get(key);
  }
}

describe("a retry whose question shown cannot be read, on Telegram", () => {
  const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
  const store = new LateAcknowledgingStore();
  const chats = new UnreadableChats();
  const { engine, texts } = engineOn(store);
  let channel: TelegramChannel;

  beforeAll(async () => {
    await emulator.start();
    channel = new TelegramChannel({
      token: TEST_TOKEN,
      apiRoot: emulator.apiRoot,
      engine,
      texts,
      chats,
      defaultLanguage: "es",
      logger: quiet,
      pace: { burst: 30, refillMs: 100, groupMinMs: 10 },
    });
    await channel.start();
  }, 30_000);
  afterAll(async () => {
    await channel?.stop();
    await emulator.stop();
    chats.close();
  });

  it("is answered 'try again', never taken for the next question", async () => {
    const chatId = 88_001;
    const person = emulator.person({ chatId, languageCode: "es" });
    const question = (key: string) => texts.t("es", `consulta:${key}.text`);
    const lastText = () => emulator.lastMessage(chatId)?.text ?? "";
    const sent = () => emulator.messages(chatId).length;
    person.sendCommand("/start consulta");
    await person.pickLanguage(undefined, 10_000);
    await emulator.waitFor(
      () => emulator.lastMessage(chatId)?.buttons.some((b) => b.callbackData === "a:consulta:consent:yes") ?? false,
      10_000,
    );
    // Yes to the consent, then the second option of every question before the household's.
    for (let count = 0; !lastText().includes(question("household_band")); count++) {
      if (count > 20) throw new Error("never asked the household's size");
      const asked = emulator.lastMessage(chatId);
      const options = asked?.buttons.filter((button) => button.callbackData?.startsWith("a:consulta:")) ?? [];
      const option = count === 0 ? options[0] : (options[1] ?? options[0]);
      if (!asked || !option?.callbackData) throw new Error(`no option in: ${lastText()}`);
      person.tap(asked.messageId, option.callbackData);
      await emulator.waitFor(() => (emulator.lastMessage(chatId)?.messageId ?? 0) > asked.messageId, 10_000);
      await emulator.waitFor(() => (emulator.lastMessage(chatId)?.buttons.length ?? 0) > 0, 10_000);
    }
    store.acknowledgeNextWriteLate();
    let count = sent();
    person.send("3");
    await emulator.waitForMessages(chatId, count + 1, 10_000);
    expect(lastText()).toBe(texts.t("es", "common:error.tryAgain"));
    // The retry: its question cannot be read, the session can.
    chats.failNextRead();
    count = sent();
    person.send("3");
    await emulator.waitForMessages(chatId, count + 1, 10_000);
    expect(
      emulator
        .messages(chatId)
        .slice(count)
        .map((message) => message.text),
    ).toEqual([texts.t("es", "common:error.tryAgain")]);
    count = sent();
    person.send("3");
    const after = await emulator.waitForMessages(chatId, count + 2, 10_000);
    const [repeat, shown] = after.slice(-2);
    expect(repeat?.text).toBe(texts.t("es", "common:repeat"));
    expect(shown?.text).toContain(question("minors_band"));
  });
});

describe("a retry whose question shown cannot be read, on WhatsApp", () => {
  it("is answered 'try again', never taken for the next question", async () => {
    const store = new LateAcknowledgingStore();
    const facts = new UnreadableFacts();
    const { engine, texts } = engineOn(store);
    const client = new FakeWhatsAppClient();
    const channel = new WhatsAppChannel({
      client,
      engine,
      texts,
      defaultLanguage: "es",
      facts,
      logger: quiet,
      pace: { perChatMs: 0, globalMs: 0 },
    });
    const from = "56933334444@c.us";
    const question = (key: string) => texts.t("es", `consulta:${key}.text`);
    // WhatsApp gives no language: the picker comes first, Spanish suggested for +56.
    await channel.receive(waMessage(from, "hola"));
    await channel.receive(waMessage(from, "1"));
    await channel.receive(waMessage(from, "/start consulta"));
    // Yes to the consent, then the second option of every question before the household's.
    await channel.receive(waMessage(from, "1"));
    for (let asked = 0; !(client.to(from).at(-1) ?? "").includes(question("household_band")); asked++) {
      if (asked > 20) throw new Error(`never asked the household's size: ${client.to(from).at(-1)}`);
      await channel.receive(waMessage(from, "2"));
    }
    store.acknowledgeNextWriteLate();
    await channel.receive(waMessage(from, "3"));
    expect(client.to(from).at(-1)).toBe(texts.t("es", "common:error.tryAgain"));
    // The retry: its question cannot be read, the session can.
    facts.failNextRead();
    const before = client.to(from).length;
    await channel.receive(waMessage(from, "3"));
    expect(client.to(from).slice(before)).toEqual([texts.t("es", "common:error.tryAgain")]);
    await channel.receive(waMessage(from, "3"));
    const [repeat, shown] = client.to(from).slice(-2);
    // On WhatsApp a number typed at a numbered list is that list's option: the retry is a tap on
    // the household's list, now an earlier question, so it is refused as one.
    expect(repeat).toBe(texts.t("es", "common:stale"));
    expect(shown).toContain(question("minors_band"));
    facts.close();
  });
});
