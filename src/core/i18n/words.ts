import { LANGUAGES, type Language } from "./languages.js";
import type { Texts } from "./texts.js";

/**
 * Folds typed text for matching: lower case, no accents, no punctuation or emoji around words,
 * single spaces. "  Sí!! " and "si" fold to the same.
 */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** Keycap digits (1️⃣) and the keycap ten (🔟), which people send for numbers, as plain digits. */
export function plainDigits(text: string): string {
  return text.replace(/([0-9])\uFE0F?\u20E3/g, "$1").replace(/\u{1F51F}/gu, "10");
}

/** Words people type instead of tapping (`common:words.*`), folded, per language. */
export interface Words {
  back: Set<string>;
  skip: Set<string>;
  done: Set<string>;
  yes: Set<string>;
  no: Set<string>;
}

export function readWords(texts: Texts): Record<Language, Words> {
  const entries = LANGUAGES.map((lng) => {
    const set = (key: string) => new Set(texts.list(lng, `common:words.${key}`).map(fold));
    return [lng, { back: set("back"), skip: set("skip"), done: set("done"), yes: set("yes"), no: set("no") }] as const;
  });
  return Object.fromEntries(entries) as Record<Language, Words>;
}
