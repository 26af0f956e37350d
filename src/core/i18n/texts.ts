import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import i18next, { type i18n, type TFunction } from "i18next";
import { LANGUAGES, type Language, REFERENCE_LANGUAGE } from "./languages.js";

/**
 * Every human text the bot says, loaded once at start from `locales/<lng>/<namespace>.json`.
 * Haitian Creole falls back to French, then Spanish; the others to Spanish.
 *
 * Node 20's Intl has no plural rules for Haitian Creole and silently uses English ones, so a
 * plural text in `ht` must give both `_one` and `_other` (the same words: Kreyòl marks plural
 * with "yo", not with a count form). A test holds this.
 */
export interface Texts {
  /** The text for a key in a language, with `{{name}}` values filled in. */
  t(lng: Language, key: string, values?: Record<string, string | number>): string;
  /** Whether a language (the reference one unless said) has a key, to refuse files that name missing texts. */
  has(key: string, lng?: Language): boolean;
  /**
   * The list under a key, in one language: an array, or one text with "|" between the items
   * ("volver|atrás|anterior") — lists of words differ in length between languages, and a text keeps
   * every language's file with the same keys.
   */
  list(lng: Language, key: string): string[];
}

/** i18next's `{{name}}` placeholders, the only interpolation the texts use. */
const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

export type Resources = Record<Language, Record<string, Record<string, unknown>>>;

export function readLocales(dir: string): Resources {
  const resources = {} as Resources;
  for (const lng of LANGUAGES) {
    resources[lng] = {};
    for (const file of readdirSync(join(dir, lng)).filter((name) => name.endsWith(".json"))) {
      resources[lng][file.replace(/\.json$/, "")] = JSON.parse(readFileSync(join(dir, lng, file), "utf8"));
    }
  }
  return resources;
}

/**
 * Values every text may use, per language (the office's name, hours and contacts): filled in once
 * when a text is first resolved, so a flow's text can say `{{officeContacts}}` at no cost per message.
 */
export type TextGlobals = Record<Language, Record<string, string>>;

export function createTexts(resources: Resources, globals?: TextGlobals): Texts {
  const instance: i18n = i18next.createInstance();
  void instance.init({
    initAsync: false,
    resources,
    lng: REFERENCE_LANGUAGE,
    supportedLngs: [...LANGUAGES],
    fallbackLng: { ht: ["fr", REFERENCE_LANGUAGE], default: [REFERENCE_LANGUAGE] },
    ns: Object.keys(resources[REFERENCE_LANGUAGE]),
    defaultNS: "common",
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  const fixed = Object.fromEntries(LANGUAGES.map((lng) => [lng, instance.getFixedT(lng)])) as Record<
    Language,
    TFunction
  >;
  // Each text is resolved once (fallbacks included) and served from memory after that; values
  // are filled into the cached text. Only plurals (a `count`) go through i18next each time.
  // The cache is bounded by the keys in locales/, never by what people send.
  const resolved = Object.fromEntries(LANGUAGES.map((lng) => [lng, new Map<string, string>()])) as Record<
    Language,
    Map<string, string>
  >;
  const template = (lng: Language, key: string) => {
    let text = resolved[lng].get(key);
    if (text === undefined) {
      text = fill(fixed[lng](key) as string, globals?.[lng]);
      resolved[lng].set(key, text);
    }
    return text;
  };
  return {
    t: (lng, key, values) => {
      if (!values) return template(lng, key);
      if ("count" in values) return fill(fixed[lng](key, values) as string, globals?.[lng]);
      return fill(template(lng, key), values);
    },
    has: (key, lng = REFERENCE_LANGUAGE) => instance.exists(key, { lng, fallbackLng: false }),
    list: (lng, key) => {
      const value = fixed[lng](key, { returnObjects: true }) as unknown;
      if (typeof value === "string") return value === key ? [] : value.split("|").map((item) => item.trim());
      return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
    },
  };
}

function fill(text: string, values: Record<string, string | number> | undefined): string {
  if (!values) return text;
  return text.replace(PLACEHOLDER, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
