import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WAWebJS from "whatsapp-web.js";
import type { Cases } from "../src/core/cases/cases.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { BotApiEmulator, TEST_TOKEN } from "./support/bot-api.js";
import { FAST_POLICIES, until } from "./support/handoff.js";
import { dropPrefix, quiet, REDIS_URL, TEST_CONTACT_KEY, testConfig, testPrefix } from "./support/puente.js";
import { FakeWhatsAppClient, waMessage } from "./support/whatsapp.js";

/**
 * The hand-off with the person on WhatsApp (a fake whatsapp-web.js client) and staff in their
 * Telegram group (the Bot API emulator): numbered answers, the case, a photo of a document
 * downloaded where the number runs and uploaded to the group, staff's replies pushed back on
 * WhatsApp, and the menu again once staff close.
 */
const prefix = testPrefix("handoff-wa");
const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
const staff = emulator.group({ chatId: -1_002_000_777_000 });
const luis = staff.member({ userId: 6001, firstName: "Luis" });
const client = new FakeWhatsAppClient();
let puente: Puente;

beforeAll(async () => {
  await emulator.start();
  puente = await startPuente(
    testConfig({
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      STAFF_TELEGRAM_CHAT_ID: String(staff.chat.id),
      CONTACT_KEY: TEST_CONTACT_KEY,
      WHATSAPP_ENABLED: "true",
      REDIS_URL,
      REDIS_PREFIX: prefix,
      HTTP_PORT: "0",
      HTTP_HOST: "127.0.0.1",
    }),
    quiet,
    {
      policies: FAST_POLICIES,
      telegramPace: { burst: 30, refillMs: 100, groupMinMs: 10 },
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

const from = "56987654321@c.us";
const say = (body: string, extra: Parameters<typeof waMessage>[2] = {}) =>
  client.emit("message", waMessage(from, body, extra));
const got = (fragment: string) => client.to(from).some((text) => text.includes(fragment));
const t = (key: string, values?: Record<string, string | number>) => puente.texts.t("es", key, values);

describe("hand-off with the person on WhatsApp", () => {
  it("opens a case by numbers, relays a photo to staff, pushes staff's words back, and ends at the menu", async () => {
    say("hola");
    await until(() => got(t("common:language.choose")), "the language question");
    say("1");
    await until(() => got(t("common:menu.text")), "the menu");
    say("/persona");
    await until(() => got(t("persona:topic.text")), "the topic");
    say("4");
    await until(() => got(t("persona:consent.text")), "consent");
    say("1");
    await until(() => got("K-"), "the code");
    const code = /K-\d{4}/.exec(client.to(from).find((text) => text.includes("K-")) ?? "")?.[0] ?? "";
    const cases = puente.cases as Cases;
    const current = await cases.find({ code });
    expect(current).toMatchObject({ channel: "whatsapp", summary: [{ question: "Tema", answer: "Trabajo" }] });
    await until(() => staff.messages().some((m) => m.text.includes(code)), "the card");
    const card = staff.messages().find((m) => m.text.includes(code));
    expect(card?.text).toContain("Canal: WhatsApp");
    expect(card?.text).not.toContain("56987654321");

    // A photo of a document: downloaded on the replica that holds the number, uploaded to the group.
    const photo = waMessage(from, "", { type: "image" as WAWebJS.MessageTypes });
    client.media.set(`false_${from}_${photo.id?.id}`, {
      data: Buffer.from("jpeg bytes").toString("base64"),
      mimetype: "image/jpeg",
    });
    client.emit("message", photo);
    await until(() => staff.messages().some((m) => m.media === "photo"), "the photo in the group");
    expect(staff.messages().find((m) => m.media === "photo")).toMatchObject({
      text: `📎 ${code}: enviado por la persona.`,
      replyTo: card?.messageId,
    });
    await until(() => got(t("common:handoff.mediaWarning")), "the warning");

    luis.tapButton("🙋 Tomar", card?.messageId);
    await until(() => got(t("common:handoff.claimed")), "claimed");
    luis.reply(card?.messageId ?? 0, "Hola, ¿qué trabajo buscas?");
    await until(() => got("¿qué trabajo buscas?"), "staff's words");
    expect(client.to(from).at(-1)).toBe(t("common:handoff.fromStaff", { text: "Hola, ¿qué trabajo buscas?" }));
    say("Construcción");
    await until(() => staff.messages().some((m) => m.text === `💬 ${code}: Construcción`), "the relay");

    luis.tapButton("✅ Cerrar", card?.messageId);
    await until(() => got(t("common:handoff.closed")), "closed");
    await until(() => client.to(from).at(-1)?.includes("1️⃣") ?? false, "the numbered menu");
    say("2");
    await until(() => got(t("consulta:intro.text").slice(0, 30)), "the consultation");
  });
});
