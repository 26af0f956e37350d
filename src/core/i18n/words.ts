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
  /** Number words ("dos", "de", "deux") and the number they say, 1 to 10. */
  numbers: Map<string, number>;
}

export function readWords(texts: Texts): Record<Language, Words> {
  const entries = LANGUAGES.map((lng) => {
    const set = (key: string) => new Set(texts.list(lng, `common:words.${key}`).map(fold));
    // Each entry is one number, with its variants after "|": "uno|una".
    const numbers = new Map(
      texts
        .list(lng, "common:words.numbers")
        .flatMap((variants, at) => variants.split("|").map((word) => [fold(word), at + 1] as const)),
    );
    return [
      lng,
      { back: set("back"), skip: set("skip"), done: set("done"), yes: set("yes"), no: set("no"), numbers },
    ] as const;
  });
  return Object.fromEntries(entries) as Record<Language, Words>;
}

/**
 * The one candidate a typed word is a close misspelling of ("hayti" for "haiti", "venesuela"), or
 * undefined when none is close or two are equally close. One letter may be off from four letters
 * on, two from eight; shorter words must match exactly.
 */
export function closest(typed: string, candidates: Iterable<string>): string | undefined {
  const allowed = typed.length >= 8 ? 2 : typed.length >= 4 ? 1 : 0;
  if (allowed === 0) return undefined;
  let best: string | undefined;
  let bestDistance = allowed + 1;
  let tie = false;
  for (const candidate of candidates) {
    const distance = editDistance(typed, candidate, allowed);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      tie = false;
    } else if (distance === bestDistance) tie = true;
  }
  return bestDistance <= allowed && !tie ? best : undefined;
}

/** Optimal string alignment distance, giving up (returns limit + 1) once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous2: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowBest = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, (previous2[j - 2] ?? 0) + 1);
      current.push(value);
      rowBest = Math.min(rowBest, value);
    }
    if (rowBest > limit) return limit + 1;
    previous2 = previous;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}
