import { describe, expect, it } from "vitest";
import { RedisRecordStore } from "../src/core/store/redis/records.js";
import { capturingLogger, engineOn, memoryStore, Person } from "./support/puente.js";

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
});
