import type { AddressInfo } from "node:net";
import type { ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelegramChannel } from "../src/channels/telegram/channel.js";
import { WebChannel } from "../src/channels/web/channel.js";
import { WhatsAppChannel } from "../src/channels/whatsapp/channel.js";
import { type InboundMessage, lastPrompt, type OutboundMessage, promptKey } from "../src/core/engine/messages.js";
import { MemoryChatMemory } from "../src/core/store/memory/chatmemory.js";
import { MemoryKeyValueStore } from "../src/core/store/memory/keyvalue.js";
import { MemoryRateLimiter } from "../src/core/store/memory/limits.js";
import { MemoryMailbox } from "../src/core/store/memory/mailbox.js";
import { MemoryRecordStore } from "../src/core/store/memory/records.js";
import { type RecordChange, StoreUnavailableError } from "../src/core/store/records.js";
import { listen } from "../src/runtime/http.js";
import { BotApiEmulator, TEST_TOKEN } from "./support/bot-api.js";
import { engineOn, quiet } from "./support/puente.js";
import { WebChatClient } from "./support/web.js";
import { FakeWhatsAppClient, waMessage } from "./support/whatsapp.js";

/**
 * An answer applies only to the question it was given for. The hard case, found from outside: the
 * store takes a session write but its acknowledgement comes too late, so the person is told "try
 * again" although their answer was taken; their retry must not become the answer to the next
 * question, which they never saw ("7 people at home" twice gave 7 minors too).
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

const stepOf = (messages: OutboundMessage[]) => lastPrompt(messages)?.ref?.step;

describe("an answer tied to its question, in the engine", () => {
  const store = new LateAcknowledgingStore();
  const { engine, texts } = engineOn(store);
  const chat = { channel: "test" as const, chatId: "repeat-1", languageCode: "es" };
  let shown: string | undefined;
  const say = async (content: InboundMessage["content"]) => {
    const reply = await engine.handle({ ...chat, content, ...(shown ? { basis: shown } : {}) });
    const asked = lastPrompt(reply.messages);
    if (asked) shown = promptKey(asked);
    return reply;
  };

  it("takes a retry after a late write as a repeat: the next question is shown, not answered", async () => {
    let reply = await say({ kind: "text", text: "/start consulta" });
    // Yes to the consent, then the second option of every question before the household's.
    for (let asked = 0; stepOf(reply.messages) !== "household_band"; asked++) {
      if (asked > 20) throw new Error("never asked the household's size");
      const options = lastPrompt(reply.messages)?.choices.filter((choice) => choice.role === "option") ?? [];
      const option = stepOf(reply.messages) === "consent" ? options[0] : (options[1] ?? options[0]);
      if (!option) throw new Error(`no option at ${stepOf(reply.messages)}`);
      reply = await say({ kind: "choice", token: option.token });
    }
    store.acknowledgeNextWriteLate();
    const failed = await say({ kind: "text", text: "3" });
    expect(failed.messages).toEqual([{ kind: "text", text: texts.t("es", "common:error.tryAgain") }]);
    const retry = await say({ kind: "text", text: "3" });
    expect(retry.applied).toBe(false);
    expect(retry.messages[0]).toEqual({ kind: "text", text: texts.t("es", "common:repeat") });
    expect(stepOf(retry.messages)).toBe("minors_band");
    const minors = await say({ kind: "text", text: "2" });
    expect(minors.applied).toBe(true);
    expect(stepOf(minors.messages)).not.toBe("minors_band");
  });

  it("still takes an answer from a channel that does not say what it showed", async () => {
    const other = { channel: "test" as const, chatId: "repeat-2", languageCode: "es" };
    await engine.handle({ ...other, content: { kind: "text", text: "/start demo" } });
    const reply = await engine.handle({ ...other, content: { kind: "text", text: "sí" } });
    expect(reply.applied).toBe(true);
  });

  it("never holds back a command, whatever was shown", async () => {
    const reply = await engine.handle({
      ...chat,
      content: { kind: "text", text: "/cancel" },
      basis: "consulta/consent",
    });
    expect(reply.applied).toBe(true);
    expect(lastPrompt(reply.messages)?.expects).toBe("menu");
  });
});

describe("an answer tied to its question, on Telegram", () => {
  const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
  const store = new LateAcknowledgingStore();
  const { engine, texts } = engineOn(store);
  let channel: TelegramChannel;

  beforeAll(async () => {
    await emulator.start();
    channel = new TelegramChannel({
      token: TEST_TOKEN,
      apiRoot: emulator.apiRoot,
      engine,
      texts,
      chats: new MemoryChatMemory(),
      defaultLanguage: "es",
      logger: quiet,
      pace: { burst: 30, refillMs: 100, groupMinMs: 10 },
    });
    await channel.start();
  }, 30_000);
  afterAll(async () => {
    await channel?.stop();
    await emulator.stop();
  });

  it("a number typed again after 'try again' shows the next question instead of answering it", async () => {
    const chatId = 87_001;
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
    count = sent();
    person.send("3");
    const after = await emulator.waitForMessages(chatId, count + 2, 10_000);
    const [repeat, shown] = after.slice(-2);
    expect(repeat?.text).toBe(texts.t("es", "common:repeat"));
    expect(shown?.text).toContain(question("minors_band"));
  });
});

describe("an answer tied to its question, on WhatsApp", () => {
  it("a number typed again after 'try again' shows the next question instead of answering it", async () => {
    const store = new LateAcknowledgingStore();
    const { engine, texts } = engineOn(store);
    const client = new FakeWhatsAppClient();
    const channel = new WhatsAppChannel({
      client,
      engine,
      texts,
      defaultLanguage: "es",
      facts: new MemoryKeyValueStore(),
      logger: quiet,
      pace: { perChatMs: 0, globalMs: 0 },
    });
    const from = "56922223333@c.us";
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
    await channel.receive(waMessage(from, "3"));
    const [repeat, shown] = client.to(from).slice(-2);
    // On WhatsApp a number typed at a numbered list is that list's option: the retry is a tap on
    // the household's list, now an earlier question, so it is refused as one.
    expect(repeat).toBe(texts.t("es", "common:stale"));
    expect(shown).toContain(question("minors_band"));
  });
});

describe("an answer tied to its question, on the web chat", () => {
  const store = new LateAcknowledgingStore();
  const { engine, texts } = engineOn(store);
  let server: ServerType;
  let url: string;

  beforeAll(async () => {
    const web = new WebChannel({
      engine,
      texts,
      mailbox: new MemoryMailbox(),
      idleSeconds: 3600,
      limiter: (name, limit) => new MemoryRateLimiter(name, limit),
      trustProxy: false,
      logger: quiet,
    });
    server = await listen(web.routes(), 0, "127.0.0.1");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("a number typed again after 'try again' shows the next question instead of answering it", async () => {
    const person = new WebChatClient(url);
    let reply = await person.say("/start consulta");
    for (let asked = 0; person.asked !== "consulta/household_band"; asked++) {
      if (asked > 20) throw new Error("never asked the household's size");
      const options = lastPrompt(reply.messages)?.choices.filter((choice) => choice.role === "option") ?? [];
      const option = person.asked === "consulta/consent" ? options[0] : (options[1] ?? options[0]);
      if (!option) throw new Error(`no option at ${person.asked}`);
      reply = await person.say({ kind: "choice", token: option.token });
    }
    store.acknowledgeNextWriteLate();
    expect((await person.say("3")).messages).toEqual([{ kind: "text", text: texts.t("es", "common:error.tryAgain") }]);
    const retry = await person.say("3");
    expect(retry.messages[0]).toEqual({ kind: "text", text: texts.t("es", "common:repeat") });
    expect(retry.asked).toBe("consulta/minors_band");
  });
});
