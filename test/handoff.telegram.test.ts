import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Case } from "../src/core/cases/case.js";
import type { Cases } from "../src/core/cases/cases.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { BotApiEmulator, type BotMessage, TEST_TOKEN } from "./support/bot-api.js";
import { FAST_POLICIES } from "./support/handoff.js";
import {
  capturingLogger,
  dropPrefix,
  dumpRedis,
  REDIS_URL,
  TEST_CONTACT_KEY,
  testConfig,
  testPrefix,
} from "./support/puente.js";

/**
 * The hand-off end to end on Telegram, over real HTTP against a Bot API emulator, on a real Redis
 * with BullMQ: a person in their private chat, staff in their group. The case is opened with
 * consent, staff are notified with buttons, take it, write back and forth, close it; the person is
 * back at the menu. Then: /borrar during a live case, forged staff actions, and a scan of Redis
 * and the logs for anything that identifies a person outside their case.
 */
const WAIT = 30_000;
const prefix = testPrefix("handoff-tg");
const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
const staff = emulator.group({ chatId: -1_002_000_123_456, title: "Oficina de Migrantes" });
const ana = staff.member({ userId: 5001, firstName: "Ana" });
const { logger, lines } = capturingLogger();
let puente: Puente;
let cases: Cases;

beforeAll(async () => {
  await emulator.start();
  puente = await startPuente(
    testConfig({
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      STAFF_TELEGRAM_CHAT_ID: String(staff.chat.id),
      CONTACT_KEY: TEST_CONTACT_KEY,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      HTTP_PORT: "0",
      HTTP_HOST: "127.0.0.1",
    }),
    logger,
    { policies: FAST_POLICIES, telegramPace: { burst: 30, refillMs: 100, groupMinMs: 10 } },
  );
  cases = puente.cases as Cases;
}, 60_000);

afterAll(async () => {
  await puente?.close();
  await emulator.stop();
  await dropPrefix(prefix);
});

const t = (lng: "es" | "ht", key: string, values?: Record<string, string | number>) => puente.texts.t(lng, key, values);
const texts = (chatId: number) => emulator.messages(chatId).map((m) => m.text);
/** Whether the person was shown a text (a question comes with its progress and a hint around it). */
const shown = (chatId: number, text: string) => texts(chatId).some((said) => said.includes(text));
const waitFor = (what: string, condition: () => boolean) => emulator.waitFor(condition, WAIT, what);
const groupSays = (fragment: string) => staff.messages().find((m) => m.text.includes(fragment));

/** A person who asks for a person in Kreyòl and says yes; returns their case and its card in the group. */
async function caseFor(
  chatId: number,
): Promise<{ person: ReturnType<BotApiEmulator["person"]>; current: Case; card: BotMessage }> {
  const person = emulator.person({ chatId, languageCode: "ht", firstName: "Jean", username: `jean${chatId}` });
  // A new person picks their language first (their app's language is only offered first).
  person.sendCommand("/start");
  await person.pickLanguage(undefined, WAIT);
  await waitFor("the menu", () => emulator.lastMessage(chatId)?.buttons.some((b) => b.callbackData === "l:?") ?? false);
  person.sendCommand("/moun");
  await waitFor("the topic question", () => shown(chatId, t("ht", "persona:topic.text")));
  person.tapButton(t("ht", "persona:topic.options.papers"));
  await waitFor(
    "the consent question",
    () => emulator.lastMessage(chatId)?.text.includes(t("ht", "persona:consent.text")) ?? false,
  );
  person.tapButton(t("ht", "common:answer.yes"));
  await waitFor("the case code", () => texts(chatId).some((text) => /K-\d{4}/.test(text)));
  const code = /K-\d{4}/.exec(texts(chatId).find((text) => /K-\d{4}/.test(text)) ?? "")?.[0] ?? "";
  const current = await cases.find({ code });
  if (!current) throw new Error("no case");
  await waitFor("the card in the staff group", () => groupSays(code) !== undefined);
  return { person, current, card: groupSays(code) as BotMessage };
}

describe("hand-off on Telegram, a person and the staff group", () => {
  it("opens a case with consent, tells staff with buttons, relays both ways, and closes back to the menu", async () => {
    const chatId = 777_000_111;
    const { person, current, card } = await caseFor(chatId);

    // The person: thanks, their code, when someone will answer.
    const said = texts(chatId);
    expect(said.indexOf(t("ht", "persona:done"))).toBeGreaterThan(0);
    expect(said.indexOf(t("ht", "common:handoff.opened", { code: current.code }))).toBeGreaterThan(
      said.indexOf(t("ht", "persona:done")),
    );
    // Staff: the card, in Spanish, with the summary and the two buttons.
    expect(card.text).toContain(`Caso ${current.code} · Hablar con una persona`);
    expect(card.text).toContain("Idioma: criollo haitiano · Canal: Telegram");
    expect(card.text).toContain("• Tema: Papeles y trámites");
    expect(card.buttons.map((b) => b.text)).toEqual(["🙋 Tomar", "✅ Cerrar"]);
    expect(card.text).not.toContain(String(chatId));
    expect(card.text).not.toContain("Jean");

    // The person writes: it goes under the card; a photo is copied, with a warning to the person.
    person.send("Mwen bezwen èd ak papye rezidans mwen");
    await waitFor("the relay", () => groupSays("papye rezidans") !== undefined);
    expect(groupSays("papye rezidans")).toMatchObject({
      text: `💬 ${current.code}: Mwen bezwen èd ak papye rezidans mwen`,
      replyTo: card.messageId,
    });
    person.sendPhoto();
    await waitFor("the copied photo", () => staff.messages().some((m) => m.media === "photo"));
    expect(staff.messages().find((m) => m.media === "photo")).toMatchObject({
      replyTo: card.messageId,
      copiedFrom: { chatId },
    });
    await waitFor("the warning", () => texts(chatId).includes(t("ht", "common:handoff.mediaWarning")));

    // Ana takes it: the person is told; the card says who has it and keeps only "Cerrar".
    ana.tapButton("🙋 Tomar", card.messageId);
    await waitFor("claimed", () => texts(chatId).includes(t("ht", "common:handoff.claimed")));
    await waitFor(
      "the card redrawn",
      () => emulator.message(staff.chat.id, card.messageId)?.text.includes("Lo tiene Ana") ?? false,
    );
    expect(emulator.message(staff.chat.id, card.messageId)?.buttons.map((b) => b.text)).toEqual(["✅ Cerrar"]);

    // Ana replies to the card, then to the person's message: both reach the person, in order.
    ana.reply(card.messageId, "Bonjou! Mwen se Ana. Ki papye ou genyen?");
    const relayed = groupSays("papye rezidans") as BotMessage;
    ana.reply(relayed.messageId, "Vini lendi a 9è.");
    await waitFor("staff's words", () =>
      texts(chatId).includes(t("ht", "common:handoff.fromStaff", { text: "Vini lendi a 9è." })),
    );
    const fromStaff = texts(chatId).filter((text) => text.startsWith("💬"));
    expect(fromStaff).toEqual([
      t("ht", "common:handoff.fromStaff", { text: "Bonjou! Mwen se Ana. Ki papye ou genyen?" }),
      t("ht", "common:handoff.fromStaff", { text: "Vini lendi a 9è." }),
    ]);

    // Ana closes: the person hears it and gets the menu; the card is closed, without buttons.
    ana.tapButton("✅ Cerrar", card.messageId);
    await waitFor("closed", () => texts(chatId).includes(t("ht", "common:handoff.closed")));
    await waitFor(
      "the menu",
      () => emulator.lastMessage(chatId)?.buttons.some((b) => b.callbackData?.startsWith("m:")) ?? false,
    );
    await waitFor(
      "the card closed",
      () => emulator.message(staff.chat.id, card.messageId)?.text.includes("Cerrado por Ana") ?? false,
    );
    expect(emulator.message(staff.chat.id, card.messageId)?.buttons).toEqual([]);
    const closed = await cases.get(current.id);
    expect(closed).toMatchObject({
      status: "closed",
      claimedBy: { id: "tg:5001", name: "Ana" },
      closedBy: { name: "Ana" },
    });
    expect(
      (await cases.transcript(current.id)).map((entry) =>
        typeof entry.from === "string" ? entry.from : entry.from.name,
      ),
    ).toEqual(["person", "person", "Ana", "Ana"]);

    // Back at the menu: a tap on the consultation starts it.
    const menu = emulator.lastMessage(chatId) as BotMessage;
    person.tap(menu.messageId, "m:consulta");
    await waitFor(
      "the consultation",
      () => emulator.lastMessage(chatId)?.buttons.some((b) => b.callbackData === "a:consulta:consent:yes") ?? false,
    );
  });

  it("shows the staff member's first name when they chose to, and /cerrar works as a command too", async () => {
    ana.send("/nombre si");
    await waitFor("the answer", () => groupSays("la persona verá tu nombre (Ana)") !== undefined);
    const chatId = 777_000_222;
    const { current, card } = await caseFor(chatId);
    ana.tap(card.messageId, `k:claim:${current.id}`);
    await waitFor("named", () => texts(chatId).includes(t("ht", "common:handoff.claimedBy", { name: "Ana" })));
    ana.send(`/cerrar ${current.code}`);
    await waitFor("closed", () => texts(chatId).includes(t("ht", "common:handoff.closed")));
    ana.send("/nombre no");
  });

  it("/borrar during a live case: the contact is gone from Redis, the transcript too, and staff are told", async () => {
    const chatId = 777_000_333;
    const { person, current, card } = await caseFor(chatId);
    ana.tapButton("🙋 Tomar", card.messageId);
    await waitFor("claimed", () => texts(chatId).includes(t("ht", "common:handoff.claimed")));
    person.send("Nimewo mwen se +56 9 8765 4321");
    await waitFor("the relay", () => groupSays("8765 4321") !== undefined);
    const sealed = (await cases.get(current.id))?.contact ?? "";
    expect(sealed.length).toBeGreaterThan(20);

    person.sendCommand("/efase");
    await waitFor("deleted", () => texts(chatId).includes(t("ht", "common:deleted")));
    await waitFor("staff told", () => groupSays(`${current.code}: la persona borró sus datos`) !== undefined);
    const dump = await dumpRedis(prefix);
    for (const [key, value] of dump) {
      expect(value, key).not.toContain(sealed);
      expect(value, key).not.toContain("8765 4321");
    }
    expect(await cases.get(current.id)).toMatchObject({ status: "closed", closedBy: "deleted" });

    // Staff writing now reach nobody, and are told so.
    ana.reply(card.messageId, "¿Sigues ahí?");
    await waitFor("not sent", () => groupSays("No se envió") !== undefined);
  });

  it("refuses staff actions from anywhere but the staff group, and forged buttons, without acting", async () => {
    const chatId = 777_000_444;
    const { person, current } = await caseFor(chatId);
    const stranger = emulator
      .group({ chatId: -1_002_999_000_001, title: "Otro grupo" })
      .member({ firstName: "Intruso" });
    stranger.send(`/cerrar ${current.code}`);
    person.tap(emulator.lastMessage(chatId)?.messageId ?? 0, `k:close:${current.id}`, { unchecked: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await cases.get(current.id)).toMatchObject({ status: "open" });
    expect(lines.join("")).toContain("staff action from a group that is not the staff group; refused");
    // The person's forged tap is a stale button to them, nothing more.
    await waitFor("the stale line", () =>
      texts(chatId).includes(t("ht", "common:handoff.withStaff", { code: current.code })),
    );
  });

  it("a reply to a message about several cases (the list of open cases) reaches nobody", async () => {
    const other = await caseFor(777_000_555);
    ana.send("/casos");
    await waitFor("the list", () => staff.messages().some((m) => m.text.startsWith("Casos abiertos:")));
    const list = staff.messages().findLast((m) => m.text.startsWith("Casos abiertos:")) as BotMessage;
    expect(list.text).toContain(other.current.code);
    ana.reply(list.messageId, "¿A quién le llega esto?");
    await waitFor("the hint", () => groupSays("Ese mensaje habla de varios casos") !== undefined);
    expect(texts(777_000_555).join("\n")).not.toContain("¿A quién le llega esto?");
    expect(texts(777_000_444).join("\n")).not.toContain("¿A quién le llega esto?");
  });

  it("/chatid in a new group tells the id to configure, so the IT person can set the staff group up", async () => {
    const other = emulator.group({ chatId: -1_002_888_000_001, title: "Grupo nuevo" });
    other.member({ firstName: "Pedro" }).send("/chatid");
    await emulator.waitFor(() => other.messages().some((m) => m.text.includes("-1002888000001")), WAIT, "the id");
  });

  it("nothing outside a case names a person: no chat id, name or username in Redis or in the logs", async () => {
    const dump = await dumpRedis(prefix);
    for (const chatId of [777_000_111, 777_000_222, 777_000_333, 777_000_444, 777_000_555]) {
      for (const secret of [String(chatId), `jean${chatId}`]) {
        for (const [key, value] of dump) {
          expect(key, secret).not.toContain(secret);
          expect(value, `${key} ${secret}`).not.toContain(secret);
        }
        expect(lines.join(""), secret).not.toContain(secret);
      }
    }
    const log = lines.join("");
    for (const said of ["papye rezidans", "Vini lendi", "8765 4321", "Jean"]) expect(log).not.toContain(said);
  });
});
