import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LANGUAGES, type Language } from "../../src/core/i18n/languages.js";
import { handoffRig } from "../support/handoff.js";
import { engineOn, memoryStore, Person } from "../support/puente.js";

/**
 * The first message understood: the language it is in is offered first at the language question,
 * a language's name is understood there in any common spelling, and commands work without their
 * slash when a message is nothing but the command word.
 */
const { engine, texts } = engineOn(memoryStore());
const name = (lng: Language) => texts.t(lng, "common:language.name");
const es = (key: string, values?: Record<string, string | number>) => texts.t("es", key, values);
const firstOffered = (person: Person) => {
  const picker = person.prompt();
  expect(picker.expects).toBe("language");
  return picker.choices[0]?.label;
};

describe("the first message tells the language, offered first for the person to confirm", () => {
  it.each([
    ["bonjou", "ht"],
    ["mwen bezwen èd", "ht"],
    ["bom dia", "pt"],
    ["hi, I need help", "en"],
    ["buenas", "es"],
    ["bonjour", "fr"],
    ["BONJOU 🙏", "ht"],
    ["hola bonjou", "ht"],
  ] as const)("%s → %s first", async (text, lng) => {
    const person = new Person(engine);
    await person.say(text);
    expect(firstOffered(person)).toBe(name(lng));
    // Every language is still there; nothing is decided yet.
    expect(person.prompt().choices).toHaveLength(LANGUAGES.length);
    expect(person.language).toBeUndefined();
    await person.choose(name(lng));
    expect(person.texts().slice(0, 2)).toEqual([texts.t(lng, "common:language.set"), texts.t(lng, "common:welcome")]);
    expect(person.prompt().expects).toBe("menu");
  });

  it("offers Kreyòl first to a Haitian whose phone is in French and who writes bonjou", async () => {
    const person = new Person(engine, undefined, "fr");
    await person.say("bonjou");
    expect(firstOffered(person)).toBe(name("ht"));
    expect(person.language).toBeUndefined();
  });

  it("offers Kreyòl first from a Haitian number even after a French greeting", async () => {
    const reply = await engine.handle({
      channel: "test",
      chatId: "haitian-number",
      languageSuggestion: "ht",
      content: { kind: "text", text: "bonjour" },
    });
    const picker = reply.messages.at(-1);
    expect(picker?.kind === "prompt" && picker.choices[0]?.label).toBe(name("ht"));
  });

  it("reads the language again from what the person writes at the question, and numbers follow the order shown", async () => {
    const person = new Person(engine);
    await person.say("/start");
    expect(firstOffered(person)).toBe(name("es"));
    await person.say("mwen pa konprann");
    expect(firstOffered(person)).toBe(name("ht"));
    await person.say("1");
    expect(person.texts()[0]).toBe(texts.t("ht", "common:language.set"));
  });

  it("takes a first message that is only a language's name as the choice", async () => {
    const person = new Person(engine);
    await person.say("Kreyòl");
    expect(person.texts().slice(0, 2)).toEqual([texts.t("ht", "common:language.set"), texts.t("ht", "common:welcome")]);
    expect(person.language).toBe("ht");
  });

  it("keeps a link's flow for after the choice (/start demo)", async () => {
    const person = new Person(engine);
    await person.say("/start demo");
    expect(person.prompt().expects).toBe("language");
    await person.choose(name("pt"));
    expect(person.texts()[0]).toBe(texts.t("pt", "common:language.set"));
    expect(person.prompt().ref).toEqual({ flow: "demo", step: "consent" });
  });

  it("asks nothing of a person whose words are in their platform's language", async () => {
    const person = new Person(engine, undefined, "pt-BR");
    await person.say("oi, tudo bem?");
    expect(person.texts()[0]).toBe(texts.t("pt", "common:welcome"));
    expect(person.prompt().expects).toBe("menu");
  });
});

describe("a language typed at the language question", () => {
  it.each([
    ["kreyol", "ht"],
    ["creole", "ht"],
    ["haitian", "ht"],
    ["kreyòl ayisyen", "ht"],
    ["francés", "fr"],
    ["français", "fr"],
    ["portugues", "pt"],
    ["portuguès", "pt"],
    ["english", "en"],
    ["inglés", "en"],
    ["castellano", "es"],
    ["en español por favor", "es"],
  ] as const)("%s chooses %s", async (typed, lng) => {
    const person = new Person(engine);
    await person.say("/start");
    await person.say(typed);
    expect(person.texts()[0]).toBe(texts.t(lng, "common:language.set"));
    expect(person.language).toBe(lng);
  });

  it("from the menu too, and a command word there leaves the question", async () => {
    const person = new Person(engine, undefined, "es");
    await person.say("/start");
    await person.say("/idioma");
    await person.say("creole");
    expect(person.texts()[0]).toBe(texts.t("ht", "common:language.set"));
    await person.say("/lang");
    await person.say("meni");
    expect(person.prompt().expects).toBe("menu");
    expect(person.language).toBe("ht");
  });
});

describe("commands without the slash", () => {
  async function atMenu(lng: Language = "es"): Promise<Person> {
    const person = new Person(engine, undefined, lng);
    await person.say("/start");
    return person;
  }

  it.each([
    ["ayuda", "/ayuda"],
    ["Ayuda!", "/ayuda"],
    ["AYUDA.", "/ayuda"],
    ["help", "/help"],
    ["èd", "/ed"],
    ["ÈD", "/ed"],
    ["menu", "/menu"],
    ["Menú", "/menu"],
    ["cancelar", "/cancelar"],
    ["anile", "/anile"],
    ["idioma", "/idioma"],
  ])("%s at the menu does what %s does", async (bare, slash) => {
    const withSlash = await atMenu();
    await withSlash.say(slash);
    const without = await atMenu();
    await without.say(bare);
    expect(without.last).toEqual(withSlash.last);
  });

  it("in a flow: cancelar leaves it, ayuda helps and asks the same question again", async () => {
    const person = await atMenu();
    await person.say("/start demo");
    await person.say("ayuda");
    expect(person.texts()[0]).toBe(es("common:help"));
    expect(person.prompt().ref).toEqual({ flow: "demo", step: "consent" });
    await person.say("Cancelar");
    expect(person.texts()[0]).toBe(es("common:flow.cancelled"));
    expect(person.prompt().expects).toBe("menu");
  });

  it("at a free-text question a lone command word is the command; a sentence with it is the answer", async () => {
    const person = await atMenu();
    await person.say("/start demo");
    await person.choose("Sí");
    await person.choose("Otro país");
    expect(person.prompt().ref?.step).toBe("country_other");
    await person.say("menu");
    expect(person.texts()[0]).toBe(es("common:flow.inProgress", { title: es("demo:title") }));
    expect(person.prompt().ref?.step).toBe("country_other");
    await person.say("necesito ayuda con el menu");
    expect(person.prompt().ref?.step).toBe("age");
  });

  it("never takes a message that merely contains a command word for a command", async () => {
    for (const text of ["necesito ayuda con el menu", "ayuda por favor", "quiero cancelar mi hora", "menu?? ayuda"]) {
      const person = await atMenu();
      await person.say(text);
      expect(person.texts()[0], text).toBe(es("common:menu.unknown"));
    }
  });

  it("keeps /delete behind its slash: it cannot be undone", async () => {
    const person = await atMenu();
    await person.say("borrar");
    expect(person.texts()[0]).toBe(es("common:menu.unknown"));
    expect(person.language).toBe("es");
  });

  it("lets an answer the question takes win: no, a number, an option named like a command", async () => {
    const person = await atMenu();
    await person.say("/start demo");
    await person.say("no");
    expect(person.texts()[0]).toBe(es("demo:declined.text"));

    // The demo with its "other country" option labelled "ayuda", the Spanish alias of /help.
    const dir = mkdtempSync(join(tmpdir(), "puente-bare-"));
    const demo = readFileSync("flows/demo.yaml", "utf8");
    expect(demo).toContain("      - id: other\n");
    writeFileSync(
      join(dir, "demo.yaml"),
      demo.replace("      - id: other\n", "      - id: other\n        label: common:commands.help\n"),
    );
    const own = new Person(engineOn(memoryStore(), { FLOWS_DIR: dir }).engine, undefined, "es");
    await own.say("/start demo");
    await own.choose("Sí");
    expect(own.prompt().choices.map((choice) => choice.label)).toContain("ayuda");
    await own.say("/ayuda");
    expect(own.texts()[0]).toBe(es("common:help"));
    expect(own.prompt().ref?.step).toBe("country");
    await own.say("Ayuda");
    expect(own.prompt().ref?.step).toBe("country_other");
    await own.say("volver");
    await own.say("3");
    expect(own.prompt().ref?.step).toBe("age");
  });
});

describe("commands without the slash, with staff", () => {
  const rig = handoffRig();
  afterAll(() => rig.stop());

  it("are messages to staff: only the slash makes a command there", async () => {
    const t = (key: string) => rig.texts.t("es", key);
    const person = new Person(rig.engine, "bare-staff", "es");
    await person.say("/start");
    await person.say("/persona");
    await person.choose(t("persona:topic.options.papers"));
    await person.choose(t("common:answer.yes"));
    await person.say("ayuda");
    expect(person.texts()).not.toContain(t("common:help"));
    await person.say("/ayuda");
    expect(person.texts()[0]).toBe(t("common:help"));
  });
});
