import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LanguageDetector } from "../../src/core/i18n/detect.js";
import { LANGUAGES, type Language } from "../../src/core/i18n/languages.js";
import { createTexts, readLocales } from "../../src/core/i18n/texts.js";

/**
 * The language of a first message, measured on a table of labelled first messages
 * (test/fixtures/first-messages.yaml). The aim: 95 % of short greetings and requests offered in
 * their own language first; the figures are in the README.
 */
const detector = new LanguageDetector(createTexts(readLocales("locales")));
type Table = Record<Language, Record<string, string[]>> & { none: string[] };
const table = parse(readFileSync("test/fixtures/first-messages.yaml", "utf8")) as Table;
const AIM = 0.95;

interface Miss {
  text: string;
  expected: Language;
  got: Language | undefined;
}

function measure(pick: (group: string) => boolean): { right: number; total: number; misses: Miss[] } {
  let right = 0;
  let total = 0;
  const misses: Miss[] = [];
  for (const expected of LANGUAGES)
    for (const [group, texts] of Object.entries(table[expected])) {
      if (!pick(group)) continue;
      for (const raw of texts) {
        const text = String(raw);
        const got = detector.detect(text);
        total++;
        if (got === expected) right++;
        else misses.push({ text, expected, got });
      }
    }
  return { right, total, misses };
}

describe("the language of a first message", () => {
  it("has a table of at least 150 labelled first messages, in every language", () => {
    for (const lng of LANGUAGES) expect(Object.values(table[lng]).flat().length, lng).toBeGreaterThanOrEqual(30);
    expect(measure(() => true).total).toBeGreaterThanOrEqual(150);
  });

  it(`is right for at least ${AIM * 100} % of the table`, () => {
    const { right, total, misses } = measure(() => true);
    expect(right / total, JSON.stringify(misses)).toBeGreaterThanOrEqual(AIM);
  });

  it.each(LANGUAGES)("is right for at least the aim in %s", (lng) => {
    const { misses } = measure(() => true);
    const total = Object.values(table[lng]).flat().length;
    const wrong = misses.filter((miss) => miss.expected === lng);
    expect((total - wrong.length) / total, JSON.stringify(wrong)).toBeGreaterThanOrEqual(AIM);
  });

  it(`is right for at least ${AIM * 100} % of the tricky ones (French or Kreyòl, Spanish or Portuguese, mixed, typos, caps, emoji)`, () => {
    const { right, total, misses } = measure((group) => group === "tricky");
    expect(total).toBeGreaterThanOrEqual(60);
    expect(right / total, JSON.stringify(misses)).toBeGreaterThanOrEqual(AIM);
  });

  it("suggests nothing from a message that tells no language", () => {
    for (const text of [...table.none, "", "   ", "/start"])
      expect(detector.detect(String(text)), text).toBeUndefined();
  });

  it("decides French against Kreyòl with Kreyòl words", () => {
    expect(detector.detect("bonjour")).toBe("fr");
    expect(detector.detect("bonjou")).toBe("ht");
    expect(detector.detect("bonjour mwen bezwen èd")).toBe("ht");
    expect(detector.detect("bonjour, je suis haïtien")).toBe("fr");
  });

  it("reads a longer text without a known word by its letters", () => {
    expect(detector.detect("Actualmente resido en Santiago desde hace varios años")).toBe("es");
    expect(detector.detect("Atualmente resido em Santiago desde há vários anos")).toBe("pt");
  });

  it("takes little time: the whole table in well under a second", () => {
    const started = performance.now();
    for (let round = 0; round < 5; round++) measure(() => true);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("a language named at the language question", () => {
  const spellings: [string, Language][] = [
    ["kreyol", "ht"],
    ["Kreyòl", "ht"],
    ["KREYOL", "ht"],
    ["kreyòl ayisyen", "ht"],
    ["creole", "ht"],
    ["créole", "ht"],
    ["criollo", "ht"],
    ["crioulo", "ht"],
    ["haitian", "ht"],
    ["haitian creole", "ht"],
    ["haïtien", "ht"],
    ["ayisyen", "ht"],
    ["kreyool", "ht"],
    ["an kreyòl", "ht"],
    ["mwen pale kreyòl", "ht"],
    ["español", "es"],
    ["espanol", "es"],
    ["Español!", "es"],
    ["castellano", "es"],
    ["spanish", "es"],
    ["espagnol", "es"],
    ["panyòl", "es"],
    ["en español por favor", "es"],
    ["francés", "fr"],
    ["frances", "fr"],
    ["français", "fr"],
    ["francais", "fr"],
    ["french", "fr"],
    ["franse", "fr"],
    ["fransè", "fr"],
    ["en français svp", "fr"],
    ["english", "en"],
    ["English please", "en"],
    ["inglés", "en"],
    ["ingles", "en"],
    ["anglais", "en"],
    ["angle", "en"],
    ["englsh", "en"],
    ["in english", "en"],
    ["portugues", "pt"],
    ["português", "pt"],
    ["portuguès", "pt"],
    ["portugués", "pt"],
    ["portuguese", "pt"],
    ["portugais", "pt"],
    ["pòtigè", "pt"],
    ["portuges", "pt"],
    ["em português", "pt"],
  ];

  it.each(spellings)("%s → %s", (typed, lng) => {
    expect(detector.named(typed)).toBe(lng);
  });

  it("names no language for other words", () => {
    for (const typed of ["hola", "bonjou", "menu", "ayuda", "sí", "no", "por favor", "idioma", "lang", "ok", "👍"])
      expect(detector.named(typed), typed).toBeUndefined();
  });

  it("as a first message, only a name alone counts", () => {
    expect(detector.named("kreyòl", true)).toBe("ht");
    expect(detector.named("English", true)).toBe("en");
    expect(detector.named("mwen pale kreyòl", true)).toBeUndefined();
    expect(detector.named("englsh", true)).toBeUndefined();
  });
});
