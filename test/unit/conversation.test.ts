import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LANGUAGES } from "../../src/core/i18n/languages.js";
import { RedisRecordStore } from "../../src/core/store/redis/records.js";
import { engineOn, memoryStore, Person } from "../support/puente.js";

const store = memoryStore();
const { engine, texts } = engineOn(store);
const es = (key: string, values?: Record<string, string | number>) => texts.t("es", key, values);

async function startDemo(person: Person): Promise<void> {
  await person.say("/start");
  await person.say("/start demo");
}

async function sessionOf(person: Person) {
  const stored = await store.read(engine.chatKey("test", person.chatId));
  return stored?.value === undefined ? undefined : JSON.parse(stored.value);
}

describe("first contact and language", () => {
  it("shows each language in its own name when the platform gives no language", async () => {
    const person = new Person(engine);
    await person.say("hola");
    const picker = person.prompt();
    expect(picker.expects).toBe("language");
    expect(picker.choices.map((c) => c.label)).toEqual(LANGUAGES.map((lng) => texts.t(lng, "common:language.name")));
    for (const lng of LANGUAGES) expect(picker.text).toContain(texts.t(lng, "common:language.choose"));
  });

  it("preselects the platform's language (pt-BR → Português) and welcomes in it", async () => {
    const person = new Person(engine, undefined, "pt-BR");
    await person.say("/start");
    expect(person.texts()[0]).toBe(texts.t("pt", "common:welcome"));
    expect(person.prompt().expects).toBe("menu");
  });

  it("takes a typed language at the picker: its number or its name", async () => {
    const byNumber = new Person(engine);
    await byNumber.say("/start");
    await byNumber.say("2");
    expect(byNumber.texts()[0]).toBe(texts.t("ht", "common:language.set"));
    const byName = new Person(engine);
    await byName.say("/start");
    await byName.say("kreyol ayisyen");
    expect(byName.texts()[0]).toBe(texts.t("ht", "common:language.set"));
  });

  it("opens a flow straight from a deep link (/start demo)", async () => {
    const person = new Person(engine, undefined, "es");
    await person.say("/start demo");
    expect(person.prompt().ref).toEqual({ flow: "demo", step: "consent" });
  });

  it("changes language mid-flow without losing a single answer", async () => {
    const person = new Person(engine, undefined, "es");
    await startDemo(person);
    await person.choose("Sí");
    await person.choose("Perú");
    await person.say("40");
    const before = (await sessionOf(person)).mode.flow.context.answers;
    await person.say("/idioma");
    expect(person.prompt().expects).toBe("language");
    await person.choose("Kreyòl ayisyen");
    expect(person.texts()[0]).toBe(texts.t("ht", "common:language.set"));
    expect(person.prompt().text).toBe(texts.t("ht", "demo:children.text"));
    expect(person.prompt().progress).toEqual({ index: 4, total: 7 });
    expect((await sessionOf(person)).mode.flow.context.answers).toEqual(before);
  });
});

describe("back, progress and review", () => {
  it("goes back to the previous question actually asked, and progress counts those that may still apply", async () => {
    const person = new Person(engine, undefined, "es");
    await startDemo(person);
    await person.choose("Sí");
    // Both follow-ups (the other country, how many children) may still be asked: 8 at most.
    expect(person.prompt().progress).toEqual({ index: 2, total: 8 });
    await person.choose("Haití");
    // country_other is not asked for Haiti: age is 3rd of 7.
    expect(person.prompt()).toMatchObject({ ref: { step: "age" }, progress: { index: 3, total: 7 } });
    await person.choose("back");
    expect(person.prompt().ref?.step).toBe("country");
    expect(person.prompt().hint).toContain(es("common:question.current", { answer: "Haití" }));
    await person.choose("Otro país");
    expect(person.prompt()).toMatchObject({ ref: { step: "country_other" }, progress: { index: 3, total: 8 } });
    await person.say("Bolivia");
    await person.say("volver");
    expect(person.prompt().ref?.step).toBe("country_other");
  });

  it("a button of a question left behind by 'back' is stale and stores nothing", async () => {
    const person = new Person(engine, undefined, "es");
    await startDemo(person);
    await person.choose("Sí");
    await person.choose("Haití");
    const ageButtons = person.prompt().choices;
    await person.choose("back");
    const before = await sessionOf(person);
    const skipAge = ageButtons.find((c) => c.role === "skip")?.token ?? "";
    await person.tap(skipAge);
    expect(person.texts()[0]).toBe(es("common:stale"));
    expect(person.prompt().ref?.step).toBe("country");
    expect(await sessionOf(person)).toEqual(before);
  });

  it("changing an answer at the review asks a follow-up that now applies and drops one that no longer does", async () => {
    const person = new Person(engine, undefined, "es");
    await startDemo(person);
    await person.choose("Sí");
    await person.choose("Colombia");
    await person.say("29");
    await person.choose("No");
    await person.say("2,5");
    await person.choose("skip");
    expect(person.prompt().expects).toBe("review");
    await person.choose("change");
    await person.choose(`4. ${es("demo:children.short")}`);
    expect(person.prompt().ref?.step).toBe("children");
    await person.choose("Sí");
    expect(person.prompt().ref?.step).toBe("children_count");
    await person.say("3");
    expect(person.prompt().expects).toBe("review");
    expect(person.prompt().text).toContain(`${es("demo:children_count.short")}: 3`);

    await person.choose("change");
    await person.say("2");
    await person.choose("Otro país");
    await person.say("Ecuador");
    expect(person.prompt().text).toContain("Ecuador");
    await person.choose("change");
    await person.say("2");
    await person.choose("Perú");
    expect(person.prompt().text).not.toContain("Ecuador");
    expect((await sessionOf(person)).mode.flow.context.answers).toEqual({
      consent: true,
      country: "peru",
      age: 29,
      children: true,
      children_count: 3,
      needs: ["housing", "papers"],
      comment: null,
    });
  });

  it("a 'no' to consent ends kindly and keeps nothing", async () => {
    const person = new Person(engine, undefined, "es");
    await startDemo(person);
    await person.choose("No");
    expect(person.texts()).toContain(es("demo:declined.text"));
    expect((await sessionOf(person)).mode.flow).toBeUndefined();
  });
});

describe("commands", () => {
  it("/cancelar leaves the flow and forgets its answers", async () => {
    const person = new Person(engine, undefined, "es");
    await startDemo(person);
    await person.choose("Sí");
    await person.say("/cancelar");
    expect(person.texts()[0]).toBe(es("common:flow.cancelled"));
    expect(person.prompt().expects).toBe("menu");
    expect((await sessionOf(person)).mode.flow).toBeUndefined();
  });

  it.each(["/borrar", "/efase", "/supprimer", "/delete", "/apagar"])(
    "%s deletes everything the bot holds",
    async (command) => {
      const person = new Person(engine, undefined, "es");
      await startDemo(person);
      await person.choose("Sí");
      await person.say(command);
      expect(person.texts()).toEqual([es("common:deleted")]);
      expect(await sessionOf(person)).toBeUndefined();
    },
  );

  it("aliases work in any language, and a bot name suffix is ignored (/ayuda@PuenteBot)", async () => {
    const person = new Person(engine, undefined, "fr");
    await person.say("/start");
    await person.say("/ayuda@PuenteBot");
    expect(person.texts()[0]).toBe(texts.t("fr", "common:help"));
  });
});

describe("a flow that changed under an unfinished session", () => {
  it("tells the person and carries on with every answer that still fits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "puente-flows-"));
    const original = readFileSync("flows/demo.yaml", "utf8");
    writeFileSync(join(dir, "demo.yaml"), original);
    const shared = memoryStore();
    const v1 = engineOn(shared, { FLOWS_DIR: dir }).engine;
    const person = new Person(v1, "changing", "es");
    await startDemo(person);
    await person.choose("Sí");
    await person.choose("Perú");
    await person.say("50");

    // Version 2 drops "age" and lowers the maximum for children, and is deployed mid-survey.
    const changed = original
      .replace("version: 1", "version: 2")
      .replace(/ {2}- id: age\n(?: {4}.*\n)+/, "")
      .replace("max: 15", "max: 9");
    writeFileSync(join(dir, "demo.yaml"), changed);
    const v2 = engineOn(shared, { FLOWS_DIR: dir }).engine;
    const again = new Person(v2, "changing", "es");
    await again.say("sí");
    expect(again.texts()[0]).toBe(es("common:flow.updated"));
    expect(again.prompt().ref?.step).toBe("children");
    const session = JSON.parse((await shared.read(v2.chatKey("test", "changing")))?.value ?? "{}");
    expect(session.mode.flow).toMatchObject({ version: 2, context: { answers: { consent: true, country: "peru" } } });
    expect(session.mode.flow.context.answers).not.toHaveProperty("age");
  });
});

describe("when Redis is away", () => {
  it("says to try again in a moment, in the person's language, and does not crash", async () => {
    const down = RedisRecordStore.connect("redis://127.0.0.1:1", "puente-test:down", "s");
    const { engine: offline } = engineOn(down);
    const person = new Person(offline, undefined, "ht");
    await person.say("/start");
    expect(person.last).toEqual([{ kind: "text", text: texts.t("ht", "common:error.tryAgain") }]);
    await down.close();
  });
});
