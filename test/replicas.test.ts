import type { ChildProcess } from "node:child_process";
import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEBHOOK_PATH } from "../src/channels/telegram/channel.js";
import { createTexts, readLocales } from "../src/core/i18n/texts.js";
import { loadOffice } from "../src/core/office/office.js";
import { officeGlobals } from "../src/core/office/render.js";
import { closeRedis, openRedis } from "../src/core/store/redis/client.js";
import { RedisResponseStore } from "../src/core/store/redis/responses.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { BotApiEmulator, type BotMessage, type Person, TEST_TOKEN } from "./support/bot-api.js";
import { type Program, startProgram } from "./support/program.js";
import { dropPrefix, quiet, TEST_SECRET, testConfig, testPrefix } from "./support/puente.js";
import { adminRedis, ON_CLUSTER, REDIS_ENV, TEST_REDIS } from "./support/redis.js";
import { nextQuestion, stepOf } from "./support/telegram.js";
import { FakeWhatsAppClient } from "./support/whatsapp.js";

/**
 * Several replicas on one Redis (in the `cluster` project, a Redis Cluster of three masters): two
 * programs, started as `npm start` starts them, in Telegram webhook mode behind no proxy, each update
 * of one chat posted to the other replica than the one before. Then the way out: SIGTERM to a
 * replica finishes the update in hand and gives the WhatsApp number to the other.
 */
const resources = readLocales("locales");
const texts = createTexts(resources, officeGlobals(loadOffice("office.yaml"), createTexts(resources)));
const prefix = testPrefix("replicas");
const SECRET = "replicas_webhook_secret_0123";
const WAIT = 30_000;
const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
const children: ChildProcess[] = [];
let replicas: Program[] = [];

const REPLICA_ENV = {
  ...REDIS_ENV,
  REDIS_PREFIX: prefix,
  ANON_SECRET: TEST_SECRET,
  TELEGRAM_BOT_TOKEN: TEST_TOKEN,
  TELEGRAM_WEBHOOK_URL: "https://bot.example.org/telegram/webhook",
  TELEGRAM_WEBHOOK_SECRET: SECRET,
  LOG_FORMAT: "json",
  LOG_LEVEL: "info",
};

beforeAll(async () => {
  await emulator.start();
  const env = { ...REPLICA_ENV, TELEGRAM_API_ROOT: emulator.apiRoot };
  replicas = await Promise.all([startProgram(env, children), startProgram(env, children)]);
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await emulator.stop();
  await dropPrefix(prefix);
});

let deliveries = 0;
/** Posts an update to the replica after the one that got the last (or to `replica`), as a load balancer might. */
async function deliver(update: Update, replica = deliveries++ % replicas.length): Promise<number> {
  const url = `${replicas[replica]?.url}${WEBHOOK_PATH}`;
  return emulator.postToWebhook(url, update, SECRET);
}

/** The button a person taps at a question of the consultation (consent yes, the second option, or skip). */
function answer(question: BotMessage, step: string): string {
  const data = question.buttons.map((button) => button.callbackData ?? "");
  const options = data.filter((one) => one.startsWith("a:"));
  if (step === "_review") return data.find((one) => one === "r:consulta:confirm") ?? "";
  if (step === "consent") return options.find((one) => one.endsWith(":yes")) ?? "";
  if (step === "discrimination") return options.find((one) => one.endsWith(":no")) ?? "";
  return options[1] ?? data.find((one) => one.endsWith(":skip")) ?? "";
}

describe(`two replicas in webhook mode on ${ON_CLUSTER ? "a Redis Cluster" : "one Redis"}`, () => {
  it("a person completes the consultation with every update going to the other replica; each question is asked once and one response is stored", async () => {
    const chatId = 84_001;
    const person = emulator.person({ chatId, languageCode: "es" });
    expect(await deliver(person.sendCommand("/start consulta"))).toBe(200);
    expect(await deliver(await person.pickLanguage("es", WAIT))).toBe(200);
    let question = await nextQuestion(emulator, chatId, 0, WAIT);
    const asked: string[] = [];
    for (let turn = 0; turn < 60 && stepOf(question) !== "_menu"; turn++) {
      const step = stepOf(question);
      asked.push(step);
      if (question.buttons.some((button) => button.callbackData?.endsWith(":done"))) {
        // Multiple choice: a tick on one replica, "done" on the other.
        const tick = question.buttons.find((button) => button.callbackData?.startsWith("a:"));
        expect(await deliver(person.tap(question.messageId, tick?.callbackData ?? ""))).toBe(200);
        const done = question.buttons.find((button) => button.callbackData?.endsWith(":done"));
        expect(await deliver(person.tap(question.messageId, done?.callbackData ?? ""))).toBe(200);
      } else {
        const tap = person.tap(question.messageId, answer(question, step));
        // A tap Telegram delivers twice at once, to both replicas: handled once.
        const both = step === "age_band" ? await Promise.all([deliver(tap, 0), deliver(tap, 1)]) : [await deliver(tap)];
        expect(both.every((status) => status === 200)).toBe(true);
      }
      question = await nextQuestion(emulator, chatId, question.messageId, WAIT);
    }
    expect(asked.slice(0, 2)).toEqual(["consent", "age_band"]);
    expect(asked.at(-1)).toBe("_review");
    expect(new Set(asked).size).toBe(asked.length);
    expect(emulator.messages(chatId).filter((m) => m.text === texts.t("es", "consulta:done"))).toHaveLength(1);

    const redis = openRedis(TEST_REDIS);
    const stored = (await new RedisResponseStore(redis, prefix).list("consulta")).responses;
    await closeRedis(redis);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.channel).toBe("telegram");
    // Every question answered, one way or another, is in it: none lost between replicas.
    const answered = asked.filter((step) => step !== "_review");
    expect(Object.keys(stored[0]?.answers ?? {}).sort()).toEqual(expect.arrayContaining(answered.sort()));
  }, 240_000);

  it("two answers of one chat at once, one on each replica, are taken one after the other: the second finds the question answered", async () => {
    const chatId = 84_002;
    const person: Person = emulator.person({ chatId, languageCode: "es" });
    await deliver(person.sendCommand("/start consulta"));
    await deliver(await person.pickLanguage("es", WAIT));
    const consent = await nextQuestion(emulator, chatId, 0, WAIT);
    expect(stepOf(consent)).toBe("consent");
    const [yes, no] = [":yes", ":no"].map(
      (end) => consent.buttons.find((button) => button.callbackData?.endsWith(end))?.callbackData ?? "",
    );
    const statuses = await Promise.all([
      deliver(person.tap(consent.messageId, yes ?? ""), 0),
      deliver(person.tap(consent.messageId, no ?? ""), 1),
    ]);
    expect(statuses).toEqual([200, 200]);
    const declined = texts.t("es", "consulta:declined.text").slice(0, 40);
    const outcomes = () => ({
      continued: emulator.messages(chatId).filter((m) => stepOf(m) === "age_band").length,
      declined: emulator.messages(chatId).filter((m) => m.text.startsWith(declined)).length,
    });
    await emulator.waitFor(() => outcomes().continued + outcomes().declined > 0, WAIT, "one answer taken");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Yes and no both taken would ask the next question and end the consultation. (After a yes, the
    // no is a stale tap: the person is told so and shown the next question again.)
    const { continued, declined: ended } = outcomes();
    expect([continued > 0, ended > 0].filter(Boolean)).toHaveLength(1);
  }, 120_000);

  it("SIGTERM: the replica turns new updates away, finishes the one in hand (its reply sent) and exits 0; the other carries on", async () => {
    const chatId = 84_003;
    const person = emulator.person({ chatId, languageCode: "es" });
    await deliver(person.sendCommand("/start"), 0);
    await deliver(await person.pickLanguage("es", WAIT), 0);
    await emulator.waitFor(() => stepOf(emulator.lastMessage(chatId) as BotMessage) === "_menu", WAIT, "the menu");
    const before = emulator.messages(chatId).length;
    const leaving = replicas[1] as Program;
    // Telegram slow to take the reply: the update is still in hand when the signal comes.
    emulator.slowNext("sendMessage", 1500);
    const sent = emulator.callsOf("sendMessage").length;
    const inHand = deliver(person.send("/ayuda"), 1);
    inHand.catch(() => undefined);
    await emulator.waitFor(() => emulator.callsOf("sendMessage").length > sent, WAIT, "the reply under way");
    const exited = new Promise<number | null>((resolve) => leaving.child.once("exit", resolve));
    leaving.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const turnedAway = await deliver(person.send("/ayuda"), 1).catch(() => 0);
    expect(await inHand).toBe(200);
    expect(await exited).toBe(0);
    // 503 while it finished (Telegram sends such an update again), or refused once it had closed.
    expect([503, 0]).toContain(turnedAway);
    expect(emulator.messages(chatId)[before]?.text).toBe(texts.t("es", "common:help"));
    expect(leaving.stderr()).toBe("");
    // The other replica answers the same chat, and what the one that left held is intact.
    expect(await deliver(person.send("/ayuda"), 0)).toBe(200);
    await emulator.waitForMessages(chatId, before + 4, WAIT);
    expect(emulator.messages(chatId).at(-2)?.text).toBe(texts.t("es", "common:help"));
  }, 120_000);
});

describe("stopping a replica that holds the WhatsApp number", () => {
  it("gives the lease back at once (not left to expire), closes the browser, and the other replica takes the number", async () => {
    const own = testPrefix("replicas-wa");
    const clients = [new FakeWhatsAppClient(), new FakeWhatsAppClient()];
    const start = (client: FakeWhatsAppClient, dir: string) =>
      startPuente(
        testConfig({
          ...REDIS_ENV,
          REDIS_PREFIX: own,
          WHATSAPP_ENABLED: "true",
          WHATSAPP_DATA_DIR: `/tmp/${own.replaceAll(":", "-")}-${dir}`,
          HTTP_PORT: "0",
          HTTP_HOST: "127.0.0.1",
        }),
        quiet,
        { whatsappClient: () => client },
      );
    const holder: Puente = await start(clients[0] as FakeWhatsAppClient, "a");
    await until(() => clients[0]?.initialized === true, "the first replica's browser");
    const other: Puente = await start(clients[1] as FakeWhatsAppClient, "b");
    const admin = adminRedis();
    try {
      expect(await admin.exists(`${own}:lease:whatsapp`)).toBe(1);
      await holder.close();
      expect(clients[0]?.destroyed).toBe(true);
      expect(await admin.exists(`${own}:lease:whatsapp`)).toBe(0);
      // The other tries every third of the lease's 30 s: it takes the number on its next try.
      await until(() => clients[1]?.initialized === true, "the other replica's browser", 15_000);
    } finally {
      await other.close();
      await admin.quit();
      await dropPrefix(own);
    }
  }, 60_000);
});

async function until(check: () => boolean, what: string, timeoutMs = WAIT): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
