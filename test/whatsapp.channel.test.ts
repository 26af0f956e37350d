import { describe, expect, it } from "vitest";
import type WAWebJS from "whatsapp-web.js";
import { WhatsAppChannel } from "../src/channels/whatsapp/channel.js";
import { suggestedLanguage } from "../src/channels/whatsapp/language.js";
import { MemoryKeyValueStore } from "../src/core/store/memory/keyvalue.js";
import { MemoryResponseStore } from "../src/core/store/memory/responses.js";
import { openRedis } from "../src/core/store/redis/client.js";
import { RedisKeyValueStore } from "../src/core/store/redis/keyvalue.js";
import { RedisRecordStore } from "../src/core/store/redis/records.js";
import { engineOn, memoryStore, quiet } from "./support/puente.js";
import { FakeWhatsAppClient, waMessage } from "./support/whatsapp.js";

function setup(pace = { perChatMs: 0, globalMs: 0 }) {
  const client = new FakeWhatsAppClient();
  const responses = new MemoryResponseStore();
  const { engine, texts } = engineOn(memoryStore(), {}, { responses });
  const facts = new MemoryKeyValueStore();
  const channel = new WhatsAppChannel({
    client,
    engine,
    texts,
    defaultLanguage: "es",
    facts,
    logger: quiet,
    pace,
  });
  return { client, responses, channel, texts, engine, facts };
}

const message = waMessage;

async function converse(channel: WhatsAppChannel, from: string, lines: string[]): Promise<void> {
  for (const line of lines) await channel.receive(message(from, line));
}

describe("WhatsApp channel with a fake client", () => {
  it("starts the client and keeps the pairing QR for the staff side", async () => {
    const { client, channel } = setup();
    await channel.start();
    expect(client.initialized).toBe(true);
    expect(channel.qr).toBe("2@fake-qr-code");
    client.emit("code", "ABCD1234");
    expect(channel.pairingCode).toBe("ABCD1234");
    client.emit("ready");
    expect(channel.qr).toBeUndefined();
    expect(channel.pairingCode).toBeUndefined();
  });

  it("renders numbered options, 0 to go back, and reads digits and keycaps: the consultation in Kreyòl by digits", async () => {
    const { client, channel, responses, texts } = setup();
    const from = "50937000001@c.us";
    await converse(channel, from, ["Bonjou"]);
    // +509: Kreyòl is suggested first, for the person to confirm.
    const picker = client.to(from).at(-1) ?? "";
    expect(picker.startsWith(`*${texts.t("ht", "common:language.choose")}`)).toBe(true);
    expect(picker).toContain(`1️⃣ ${texts.t("ht", "common:language.name")}`);
    await converse(channel, from, ["1"]);
    const picked = client.to(from);
    expect(picked.some((text) => text === texts.t("ht", "common:language.set"))).toBe(true);
    await converse(channel, from, [
      "/start consulta",
      "1", // consent: yes
      "3", // age_band
      "1", // nationality
      "1", // gender
      "2", // time_in_chile
      "1", // commune
      "3", // household_band: 3 or 4
      "2", // minors_band: 2
      "1", // children_school
      "3", // spanish_level
      "3", // education
      "2", // work
      "2", // housing
      "1", // health
      "1", // cesfam: yes
      "2", // rsh: no
      "2", // disability: no
      "1,3", // needs
      "2", // migratory_status
      "2", // discrimination: no
      "1", // heard_from
      "4", // knows_programmes
      "1 5", // info_channel
      "1", // comment: prefer not to say
      "1", // review: send
    ]);
    const question = client.to(from).find((text) => text.includes(texts.t("ht", "consulta:gender.text")));
    expect(question).toContain(`1️⃣ ${texts.t("ht", "consulta:gender.options.woman")}`);
    expect(question).toContain(`0️⃣ ${texts.t("ht", "common:control.back").replace(/^⬅️\s*/u, "")}`);
    expect(question).toContain(`_${texts.t("ht", "whatsapp:hint.choice")}_`);
    expect(client.to(from).join("\n")).not.toContain(texts.t("ht", "common:hint.choice"));
    expect(client.to(from)).toContain(texts.t("ht", "consulta:done"));
    const [stored] = (await responses.list("consulta")).responses;
    expect(stored).toMatchObject({
      lng: "ht",
      channel: "whatsapp",
      answers: {
        consent: true,
        age_band: "a30_44",
        nationality: "haiti",
        gender: "woman",
        time_in_chile: "y1_2",
        household_band: "three_four",
        minors_band: "two",
        children_school: "all",
        cesfam: "yes",
        rsh: "no",
        disability: false,
        needs: ["work", "health"],
        migratory_status: "temporary",
        discrimination: false,
        knows_programmes: "neither",
        info_channel: ["whatsapp", "audio"],
        comment: null,
      },
    });
  });

  it("the consultation in Spanish by words, misspellings and keycap emoji", async () => {
    const { client, channel, responses, texts } = setup();
    const from = "56912345678@c.us";
    await converse(channel, from, ["hola", "español"]);
    await converse(channel, from, [
      "/start consulta",
      "sí",
      "3️⃣",
      "Venesuela",
      "2️⃣",
      "dos",
      "quilicura",
      "3 o 4 persnas",
      "ninguna",
      "1",
      "3️⃣",
      "2",
      "2",
      "fonasa",
      "sí",
      "no sé",
      "no",
      "1, 3",
      "pedi refugio y espero respuesta",
      "no",
      "1",
      "no, ninguno",
      "1",
      "Gracias 😊",
      "1",
    ]);
    console.log(
      client
        .to(from)
        .slice(-14)
        .map((t) => t.slice(0, 140))
        .join("\n---\n"),
    );
    expect(client.to(from)).toContain(texts.t("es", "consulta:done"));
    const [stored] = (await responses.list("consulta")).responses;
    expect(stored?.answers).toMatchObject({
      age_band: "a30_44",
      nationality: "venezuela",
      gender: "man",
      time_in_chile: "y1_2",
      commune: "quilicura",
      household_band: "three_four",
      minors_band: "none",
      health: "fonasa",
      cesfam: "yes",
      rsh: "dont_know",
      disability: false,
      needs: ["work", "health"],
      migratory_status: "refuge_asked",
      knows_programmes: "neither",
      info_channel: ["whatsapp"],
      comment: "Gracias 😊",
    });
    expect(stored?.answers).not.toHaveProperty("children_school");
  });

  it("leaves a pause between the messages it sends", async () => {
    const { client, channel } = setup({ perChatMs: 150, globalMs: 50 });
    await converse(channel, "56955555555@c.us", ["hola", "1"]);
    const times = client.sent.map((m) => m.at);
    expect(times.length).toBeGreaterThanOrEqual(3);
    for (let at = 1; at < times.length; at++)
      expect((times[at] ?? 0) - (times[at - 1] ?? 0)).toBeGreaterThanOrEqual(140);
  });

  it("ignores groups, status broadcasts, its own messages and history from before the start", async () => {
    const { client, channel } = setup();
    await channel.receive(message("120363000000000000@g.us", "hola"));
    await channel.receive(message("status@broadcast", "hola", { isStatus: true }));
    await channel.receive(message("56911111111@c.us", "hola", { fromMe: true }));
    await channel.receive(message("56922222222@c.us", "hola", { timestamp: Math.floor(Date.now() / 1000) - 3600 }));
    expect(client.sent).toEqual([]);
  });

  it("answers a number typed against a damaged note of what was shown, instead of silence", async () => {
    const { client, channel, texts, engine, facts } = setup();
    const from = "56944444444@c.us";
    await converse(channel, from, ["hola"]);
    // What was shown, damaged in the store: "1" names something no button could carry.
    const shown = { numbering: { "1": "x".repeat(300) }, basis: ":language" };
    await facts.set(`wa:n:${engine.chatKey("whatsapp", from)}`, JSON.stringify(shown), 600);
    const before = client.to(from).length;
    await converse(channel, from, ["1"]);
    expect(client.to(from).slice(before)).toContain(texts.t("es", "common:language.set"));
  });

  it.each(["image", "sticker", "ptt", "location", "video", "document"])(
    "answers a %s with a friendly line and the question again",
    async (type) => {
      const { client, channel, texts } = setup();
      const from = "56933333333@c.us";
      await converse(channel, from, ["hola", "1", "/start consulta"]);
      const before = client.to(from).length;
      await channel.receive(message(from, "", { type: type as WAWebJS.MessageTypes }));
      const after = client.to(from).slice(before);
      // A voice note (ptt) is said kindly, with the office's contacts.
      expect(after[0]).toBe(texts.t("es", type === "ptt" ? "common:voiceNote" : "common:unsupported"));
      expect(after[1]).toContain(texts.t("es", "consulta:consent.text"));
    },
  );
});

describe("WhatsApp when Redis is away", () => {
  it("says to try again in a moment instead of silence, even for a number typed against a question", async () => {
    const redis = openRedis("redis://127.0.0.1:1");
    try {
      const client = new FakeWhatsAppClient();
      const { engine, texts } = engineOn(new RedisRecordStore(redis, "wa-down", "session"));
      const channel = new WhatsAppChannel({
        client,
        engine,
        texts,
        defaultLanguage: "es",
        facts: new RedisKeyValueStore(redis, "wa-down"),
        logger: quiet,
        pace: { perChatMs: 0, globalMs: 0 },
      });
      const from = "56911112222@c.us";
      await channel.receive(message(from, "2"));
      expect(client.to(from)).toEqual([texts.t("es", "common:error.tryAgain")]);
    } finally {
      redis.disconnect();
    }
  });
});

describe("the language a WhatsApp number suggests", () => {
  it.each([
    ["50937000001@c.us", "ht"],
    ["5511987654321@c.us", "pt"],
    ["33612345678@c.us", "fr"],
    ["18095551234@c.us", "es"],
    ["12025550123@c.us", "en"],
    ["56912345678@c.us", "es"],
    ["861234567890@c.us", undefined],
    ["120363000000000000@g.us", undefined],
  ])("%s → %s", (id, language) => {
    expect(suggestedLanguage(id)).toBe(language);
  });
});
