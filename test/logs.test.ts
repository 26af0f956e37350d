import { describe, expect, it } from "vitest";
import { RedisRecordStore } from "../src/core/store/redis/records.js";
import { startPuente } from "../src/runtime/app.js";
import { until } from "./support/handoff.js";
import { capturingLogger, engineOn, memoryStore, Person, testConfig } from "./support/puente.js";
import { answerConsultation, WebChatClient } from "./support/web.js";

/** Logs hold no message text and no raw user ids, at the most talkative level, on a good day and a bad one. */
describe("logs", () => {
  it("never hold what people wrote nor their chat ids", async () => {
    const { logger, lines } = capturingLogger();
    const { engine } = engineOn(memoryStore(), {}, { logger });
    const person = new Person(engine, "5556667778", "es");
    for (const text of ["/start consulta", "sí", "3", "Marte-secreto-1234", "1", "/cancelar", "/borrar"])
      await person.say(text);
    const down = RedisRecordStore.connect("redis://127.0.0.1:1", "puente-test:logs", "s");
    const offline = engineOn(down, {}, { logger }).engine;
    await new Person(offline, "5556667778", "es").say("texto-privado-9876");
    await down.close();
    const log = lines.join("");
    expect(lines.length).toBeGreaterThan(5);
    for (const secret of ["5556667778", "Marte-secreto-1234", "texto-privado-9876", "/cancelar"])
      expect(log).not.toContain(secret);
  });

  it("never tie a response to a chat, nor give one its time: a periodic count instead", async () => {
    const { logger, lines } = capturingLogger();
    const puente = await startPuente(testConfig({ HTTP_PORT: "0", HTTP_HOST: "127.0.0.1" }), logger, {
      countEveryMs: 500,
    });
    try {
      const person = new WebChatClient(`http://127.0.0.1:${puente.port}`);
      const before = lines.length;
      const done = await answerConsultation(person);
      expect(done.messages[0]).toEqual({ kind: "text", text: puente.texts.t("es", "consulta:done") });
      const submitting = lines.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
      // Every line about this chat (its hash) says nothing of what its messages did.
      const aboutTheChat = submitting.filter((line) => "chat" in line);
      expect(aboutTheChat.length).toBeGreaterThan(10);
      for (const line of aboutTheChat)
        expect(Object.keys(line).sort()).toEqual(expect.arrayContaining(["chat", "msg"]));
      for (const line of aboutTheChat)
        for (const field of ["effects", "changed", "flow", "response"]) expect(line).not.toHaveProperty(field);
      // No line at info level or above while it was submitted.
      expect(submitting.filter((line) => Number(line.level) >= 30)).toEqual([]);
      await until(() => lines.some((line) => line.includes("responses stored since the last count")), "the count");
      const counted = lines.filter((line) => line.includes("responses stored since the last count"));
      expect(counted).toHaveLength(1);
      expect(JSON.parse(counted[0] ?? "{}")).toMatchObject({ responses: { consulta: 1 } });
      expect(counted[0]).not.toContain('"chat"');
    } finally {
      await puente.close();
    }
  });
});
