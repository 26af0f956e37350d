import { describe, expect, it } from "vitest";
import { LANGUAGES, REFERENCE_LANGUAGE } from "../../src/core/i18n/languages.js";
import { readLocales } from "../../src/core/i18n/texts.js";

/**
 * Every text in every language: the same keys, the same placeholders, nothing empty. The staff's
 * texts (`staff.json`) too, though the staff group and the dashboard speak Spanish today.
 */
const resources = readLocales("locales");
const PLURAL = /_(zero|one|two|few|many|other)$/;

function leaves(value: unknown, path = ""): Map<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return new Map([[path, value]]);
  return new Map(
    Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => [
      ...leaves(child, path ? `${path}.${key}` : key),
    ]),
  );
}

const placeholders = (text: unknown) => [...String(text).matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();
const flat = Object.fromEntries(
  LANGUAGES.map((lng) => [
    lng,
    new Map(
      Object.entries(resources[lng]).flatMap(([ns, tree]) =>
        [...leaves(tree)].map(([key, v]) => [`${ns}:${key}`, v] as const),
      ),
    ),
  ]),
);
const reference = flat[REFERENCE_LANGUAGE] ?? new Map();
const base = (key: string) => key.replace(PLURAL, "");

describe.each(LANGUAGES.filter((lng) => lng !== REFERENCE_LANGUAGE))("locales/%s", (lng) => {
  const texts = flat[lng] ?? new Map();

  it("has every key of locales/es and no other", () => {
    const mine = new Set([...texts.keys()].map(base));
    const theirs = new Set([...reference.keys()].map(base));
    expect([...theirs].filter((key) => !mine.has(key))).toEqual([]);
    expect([...mine].filter((key) => !theirs.has(key))).toEqual([]);
  });

  it("keeps every placeholder of the Spanish text", () => {
    for (const [key, text] of reference) {
      if (Array.isArray(text)) continue;
      expect(placeholders(texts.get(key)), key).toEqual(placeholders(text));
    }
  });

  it("has no empty text and no list left empty", () => {
    for (const [key, text] of texts) {
      if (Array.isArray(text)) expect(text.length, key).toBeGreaterThan(0);
      else expect(String(text).trim(), key).not.toBe("");
    }
  });

  it("is a translation, not a copy of the Spanish", () => {
    // Prose: four words or more, not counting placeholders ("• {{code}} · {{kind}}" reads the same everywhere).
    const words = (text: string) => text.replace(/\{\{\s*\w+\s*\}\}/g, "").match(/\p{L}{2,}/gu)?.length ?? 0;
    const prose = [...reference].filter(([, text]) => typeof text === "string" && words(text) >= 4);
    const copied = prose.filter(([key, text]) => texts.get(key) === text).map(([key]) => key);
    expect(copied).toEqual([]);
  });
});

describe("plural texts in Haitian Creole", () => {
  it("give both _one and _other, since Node 20 has no Kreyòl plural rules and uses English ones", () => {
    const ht = flat.ht ?? new Map();
    for (const key of ht.keys()) {
      if (!PLURAL.test(key)) continue;
      expect(ht.has(`${base(key)}_one`), key).toBe(true);
      expect(ht.has(`${base(key)}_other`), key).toBe(true);
    }
  });
});

describe("command aliases", () => {
  it("are valid Telegram command names and never name two commands", () => {
    const owner = new Map<string, string>();
    for (const lng of LANGUAGES) {
      const commands = (resources[lng].common as { commands: Record<string, string> }).commands;
      for (const [command, aliases] of Object.entries(commands)) {
        for (const alias of aliases.split("|")) {
          expect(alias, `${lng} ${command}`).toMatch(/^[a-z0-9_]{1,32}$/);
          expect(owner.get(alias) ?? command, `${lng} /${alias}`).toBe(command);
          owner.set(alias, command);
        }
      }
    }
  });
});
