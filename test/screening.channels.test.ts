import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WAWebJS from "whatsapp-web.js";
import { OFFER_SECONDS } from "../src/core/engine/engine.js";
import type { Language } from "../src/core/i18n/languages.js";
import { closeRedis, openRedis } from "../src/core/store/redis/client.js";
import { RedisRecordStore } from "../src/core/store/redis/records.js";
import { RedisResponseStore } from "../src/core/store/redis/responses.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { BotApiEmulator, TEST_TOKEN } from "./support/bot-api.js";
import { FAST_POLICIES, until } from "./support/handoff.js";
import {
  dropPrefix,
  dumpRedis,
  engineOn,
  Person,
  quiet,
  REDIS_URL,
  TEST_CONTACT_KEY,
  testConfig,
  testPrefix,
} from "./support/puente.js";
import { FakeWhatsAppClient, waMessage } from "./support/whatsapp.js";

/**
 * "¿Qué ayuda puedo pedir?" and the mediation request, on Telegram (the Bot API emulator) and on
 * WhatsApp (a fake client), on a real Redis: what a person in Kreyòl without papers with a child
 * is told, a refuge applicant's referral, the emergency numbers first when someone is in danger,
 * and, after many screenings, nothing in Redis that names anyone.
 */
const prefix = testPrefix("screening");
const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
const client = new FakeWhatsAppClient();
let puente: Puente;

beforeAll(async () => {
  await emulator.start();
  puente = await startPuente(
    testConfig({
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      WHATSAPP_ENABLED: "true",
      STAFF_WEBHOOK_URL: "http://127.0.0.1:9/hook",
      STAFF_WEBHOOK_SECRET: "test-webhook-secret-test-webhook-secret-01",
      CONTACT_KEY: TEST_CONTACT_KEY,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      HTTP_PORT: "0",
      HTTP_HOST: "127.0.0.1",
    }),
    quiet,
    {
      policies: FAST_POLICIES,
      telegramPace: { burst: 50, refillMs: 100, groupMinMs: 10 },
      whatsappClient: () => client,
    },
  );
  await until(() => client.initialized, "the WhatsApp client");
  client.emit("ready");
}, 60_000);

afterAll(async () => {
  await puente?.close();
  await emulator.stop();
  await dropPrefix(prefix);
});

const t = (lng: Language, key: string, values?: Record<string, string | number>) => puente.texts.t(lng, key, values);
const ICON_LINE = /^(✅|🔎|➡️) /;

/** The result lines (one per benefit) among what a person was told. */
function resultLines(texts: string[]): string[] {
  return texts.flatMap((text) => text.split("\n")).filter((line) => ICON_LINE.test(line));
}

describe("the screening on Telegram", () => {
  const said = (chatId: number) => emulator.messages(chatId).map((m) => m.text);
  const waitFor = (what: string, condition: () => boolean) => emulator.waitFor(condition, 20_000, what);

  it("tells a person in Kreyòl without papers with a child about health (Decreto 67), school (IPE) and their papers, never a bare no", async () => {
    const chatId = 91_001;
    const person = emulator.person({ chatId, languageCode: "ht" });
    person.sendCommand("/start ayuda");
    await person.pickLanguage();
    const ht = (key: string) => t("ht", key);
    await waitFor("the first question", () => said(chatId).some((text) => text.includes(ht("ayuda:needs.text"))));
    const tap = async (label: string, next: string) => {
      person.tapButton(label);
      await waitFor(next, () => said(chatId).some((text) => text.includes(next)));
    };
    person.tapButton(ht("ayuda:needs.options.health"));
    await waitFor("a tick", () => emulator.lastMessage(chatId)?.buttons.some((b) => b.text.startsWith("✓")) ?? false);
    person.tapButton(ht("ayuda:needs.options.education"));
    await waitFor(
      "two ticks",
      () => (emulator.lastMessage(chatId)?.buttons.filter((b) => b.text.startsWith("✓")).length ?? 0) === 2,
    );
    await tap(ht("common:control.done"), ht("ayuda:situation.text"));
    await tap(ht("ayuda:situation.options.irregular"), ht("ayuda:household.text"));
    person.tapButton(ht("ayuda:household.options.children"));
    await waitFor("a tick", () => emulator.lastMessage(chatId)?.buttons.some((b) => b.text.startsWith("✓")) ?? false);
    await tap(ht("common:control.done"), ht("ayuda:school.text"));
    await tap(ht("ayuda:school.options.none_in_school"), ht("ayuda:housing.text"));
    await tap(ht("ayuda:housing.options.allegado"), ht("ayuda:work.text"));
    await tap(ht("ayuda:work.options.informal"), ht("ayuda:health.text"));
    await tap(ht("ayuda:health.options.none"), ht("common:handoff.offer"));

    const results = resultLines(said(chatId));
    expect(results.some((line) => line.startsWith(`✅ ${ht("rules:salud.fonasa_d67.title")}`))).toBe(true);
    expect(results.some((line) => line.startsWith(`✅ ${ht("rules:educacion.ipe.title")}`))).toBe(true);
    expect(results.some((line) => line.startsWith(`✅ ${ht("rules:papeles.regularizacion.title")}`))).toBe(true);
    // Every result is something to ask for, to check, or a door elsewhere: no line only says no.
    expect(results.every((line) => ICON_LINE.test(line))).toBe(true);
    // The closing offer: a person, again, the menu.
    expect(emulator.lastMessage(chatId)?.buttons.map((b) => b.text)).toEqual([
      ht("common:handoff.offerYes"),
      ht("common:handoff.offerAgain"),
      ht("common:handoff.offerMenu"),
    ]);
  }, 60_000);

  it("refers a refuge applicant to the humanitarian programme for refugees", async () => {
    const chatId = 91_002;
    const person = emulator.person({ chatId, languageCode: "es" });
    person.sendCommand("/start ayuda");
    await person.pickLanguage();
    await waitFor("the first question", () => said(chatId).some((text) => text.includes(t("es", "ayuda:needs.text"))));
    person.send("4");
    person.send("listo");
    for (const answer of ["4", "2", "1", "1", "3", "3"]) person.send(answer);
    await waitFor("the results", () => said(chatId).some((text) => text.includes(t("es", "common:handoff.offer"))));
    const programme = said(chatId).find((text) => text.startsWith(`🏛️ ${t("es", "rules:areas.programa")}`)) ?? "";
    expect(programme).toContain(
      `➡️ ${t("es", "rules:programa.programa_oficina.title")}: ${t("es", "rules:programa.programa_oficina.refugees")}`,
    );
    expect(programme).toContain(t("es", "rules:places.refugee_programme"));
  }, 60_000);

  it("shows the emergency numbers first when someone is in danger, then goes on with the request", async () => {
    const chatId = 91_003;
    const person = emulator.person({ chatId, languageCode: "fr" });
    person.sendCommand("/start mediacion");
    await person.pickLanguage();
    await waitFor("the danger question", () =>
      said(chatId).some((text) => text.includes(t("fr", "mediacion:danger.text"))),
    );
    person.tapButton(t("fr", "common:answer.yes"));
    await waitFor("the next question", () =>
      said(chatId).some((text) => text.includes(t("fr", "mediacion:about.text").slice(0, 40))),
    );
    const texts = said(chatId);
    const numbers = texts.indexOf(t("fr", "mediacion:emergency.text"));
    const next = texts.findIndex((text) => text.includes(t("fr", "mediacion:about.text").slice(0, 40)));
    expect(numbers).toBeGreaterThan(0);
    expect(next).toBeGreaterThan(numbers);
    for (const number of ["133", "131", "149", "1455"]) expect(texts[numbers]).toContain(number);
  }, 60_000);
});

describe("the screening and the mediation request on WhatsApp", () => {
  const from = "50937123456@c.us";
  const say = (body: string) => client.emit("message", waMessage(from, body, { type: "chat" as WAWebJS.MessageTypes }));
  const got = (fragment: string) => client.to(from).some((text) => text.includes(fragment));

  it("by digits in Kreyòl: without papers, with a child, gets health, school and papers; then danger shows the numbers first", async () => {
    const ht = (key: string) => t("ht", key);
    say("bonjou");
    await until(() => got(ht("common:language.choose")), "the language question");
    say("1"); // Kreyòl, offered first for a +509 number
    await until(() => got(ht("common:language.set")), "Kreyòl");
    say("/start ayuda");
    await until(() => got(ht("ayuda:needs.text")), "needs");
    say("1, 3");
    await until(() => got(ht("ayuda:situation.text")), "situation");
    say("6");
    await until(() => got(ht("ayuda:household.text")), "household");
    say("2");
    await until(() => got(ht("ayuda:school.text")), "school");
    for (const [answer, next] of [
      ["3", "ayuda:housing.text"],
      ["2", "ayuda:work.text"],
      ["2", "ayuda:health.text"],
      ["3", "common:handoff.offer"],
    ] as const) {
      say(answer);
      await until(() => got(ht(next)), next, 15_000);
    }
    const results = resultLines(client.to(from));
    for (const title of [
      "rules:salud.fonasa_d67.title",
      "rules:educacion.ipe.title",
      "rules:papeles.regularizacion.title",
    ])
      expect(
        results.some((line) => line.startsWith(`✅ ${ht(title)}`)),
        title,
      ).toBe(true);

    // A refuge applicant, on WhatsApp too, is sent to the humanitarian programme.
    say("/start ayuda");
    await until(() => client.to(from).at(-1)?.includes(ht("ayuda:needs.text")) ?? false, "needs again");
    for (const [answer, next] of [
      ["4", "ayuda:situation.text"],
      ["4", "ayuda:run.text"],
      ["2", "ayuda:household.text"],
      ["1", "ayuda:housing.text"],
      ["1", "ayuda:work.text"],
      ["3", "ayuda:health.text"],
    ] as const) {
      const count = client.sent.length;
      say(answer);
      await until(() => client.sent.slice(count).some((m) => m.text.includes(ht(next))), next, 15_000);
    }
    const sentBefore = client.sent.length;
    say("3");
    await until(
      () => client.sent.slice(sentBefore).some((m) => m.text.includes(ht("common:handoff.offer"))),
      "results",
      15_000,
    );
    const referral = client.sent
      .slice(sentBefore)
      .map((m) => m.text)
      .join("\n");
    expect(referral).toContain(`➡️ ${ht("rules:programa.programa_oficina.title")}`);
    expect(referral).toContain(ht("rules:places.refugee_programme"));

    say("/start mediacion");
    await until(() => got(ht("mediacion:danger.text")), "danger");
    const before = client.sent.length;
    say("1");
    await until(() => got(ht("mediacion:about.text").slice(0, 30)), "about");
    const after = client.sent.slice(before).map((message) => message.text);
    expect(after[0]).toBe(ht("mediacion:emergency.text"));
  }, 90_000);
});

describe("many screenings on Redis", () => {
  it("leave nothing that names anyone: every key and value scanned; answers kept only as anonymous records", async () => {
    const scanPrefix = testPrefix("screening-scan");
    const redis = openRedis(REDIS_URL);
    const sessions = new RedisRecordStore(redis, scanPrefix, "s");
    const core = engineOn(sessions, {}, { responses: new RedisResponseStore(redis, scanPrefix) });
    const people = Array.from({ length: 40 }, (_, n) => `scan-person-${1000 + n}`);
    for (const [n, chatId] of people.entries()) {
      const person = new Person(core.engine, chatId, "es");
      await person.say("/start ayuda");
      for (const answer of [`${(n % 6) + 1}`, "listo", `${(n % 6) + 1}`, "1", "1", "1", "3", "2", "1", "3", "1"]) {
        if (person.prompt().expects === "offer") break;
        await person.say(answer);
      }
      expect(person.prompt().expects, chatId).toBe("offer");
      // Half take the menu and leave nothing; half walk away with the offer waiting (an hour at most).
      if (n % 2 === 0) await person.say("3");
    }
    const { responses } = await new RedisResponseStore(redis, scanPrefix).list("ayuda");
    expect(responses).toHaveLength(people.length);
    for (const response of responses)
      expect(response.outcomes && Object.keys(response.outcomes).length).toBeGreaterThan(0);
    const dump = await dumpRedis(scanPrefix);
    for (const [key, value] of dump) for (const chatId of people) expect(`${key} ${value}`).not.toContain(chatId);
    for (const [n, chatId] of people.entries()) {
      const key = `${scanPrefix}:s:${core.engine.chatKey("test", chatId)}`;
      const record = await sessions.read(core.engine.chatKey("test", chatId));
      const session = JSON.parse(record?.value ?? "{}");
      const ttl = await redis.ttl(key);
      if (n % 2 === 0) expect(session.mode).toEqual({ kind: "menu" });
      else {
        expect(session.mode.offer.kind).toBe("screening");
        expect(ttl).toBeLessThanOrEqual(OFFER_SECONDS);
      }
    }
    await dropPrefix(scanPrefix);
    await closeRedis(redis);
  }, 120_000);
});
