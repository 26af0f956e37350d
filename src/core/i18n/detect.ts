import { franc } from "franc-min";
import { LANGUAGES, type Language } from "./languages.js";
import type { Texts } from "./texts.js";
import { editDistance, fold } from "./words.js";

/**
 * The language of a first message ("bonjou", "bom dia", "hi, I need help"), to offer it first at
 * the language question, and the language a person names there in any common spelling ("kreyol",
 * "inglés", "portuguès"). Never decides alone: the person confirms.
 *
 * Short messages are read by the office's own word lists (`locales/<lng>/detect.json`): greetings,
 * thanks and the words of a request, each folded, with repeated letters ("holaaa") and one letter
 * off ("nesesito") allowed. A word several languages share counts for each in part. When words tie,
 * Kreyòl wins over French (detectors and phones mistake Kreyòl for French, never the reverse) and
 * any language over Spanish (in Chile "hola" is the first word everyone learns). Text without a
 * known word goes to franc-min (trigrams, knows Haitian Creole) among the five languages, when it
 * is long enough for trigrams to say anything.
 *
 * Everything is compiled once at start; a message costs its own tokens.
 */
export class LanguageDetector {
  /** Folded words and phrases ("bom dia"), with the languages they count for and how much. */
  readonly #words = new Map<string, Score>();
  /** Single words by their squeezed form ("helo" for "hello"), for "hellooo" and "buenaaas". */
  readonly #squeezed = new Map<string, Score>();
  /** Single words by length, for one letter off. */
  readonly #byLength = new Map<number, string[]>();
  readonly #names = new Map<string, Language>();
  readonly #filler = new Set<string>();
  readonly #longestPhrase: number;

  constructor(texts: Texts) {
    const raw = new Map<string, Map<Language, number>>();
    for (const lng of LANGUAGES) {
      for (const item of items(texts, lng, "detect:greetings").concat(items(texts, lng, "detect:words"))) {
        const key = fold(item);
        if (!key) continue;
        const weights = raw.get(key) ?? new Map<Language, number>();
        weights.set(lng, key.includes(" ") ? PHRASE : WORD);
        raw.set(key, weights);
      }
      for (const name of items(texts, lng, "detect:names").concat(texts.t(lng, "common:language.name"), lng))
        this.#names.set(fold(name), lng);
      for (const word of items(texts, lng, "detect:filler"))
        for (const token of fold(word).split(" ")) this.#filler.add(token);
    }
    // A name is never filler, but for two-letter codes: "en español" is Spanish.
    for (const token of this.#filler) if (token.length > 2 && this.#names.has(token)) this.#filler.delete(token);
    let longest = 1;
    for (const [key, weights] of raw) {
      const score = share(weights);
      this.#words.set(key, score);
      const size = key.split(" ").length;
      longest = Math.max(longest, size);
      if (size > 1) continue;
      const squeezed = squeeze(key);
      const before = this.#squeezed.get(squeezed);
      this.#squeezed.set(squeezed, before ? merge(before, score) : score);
      const sameLength = this.#byLength.get(key.length) ?? [];
      sameLength.push(key);
      this.#byLength.set(key.length, sameLength);
    }
    this.#longestPhrase = longest;
  }

  /** The language the text is written in, or undefined when it says nothing of one. */
  detect(text: string): Language | undefined {
    const folded = fold(text);
    if (!folded) return undefined;
    const totals: Record<Language, number> = { es: 0, ht: 0, fr: 0, en: 0, pt: 0 };
    const tokens = folded.split(" ").filter((token) => !/^\d+$/.test(token));
    const known = tokens.map((token) => this.#known(token));
    for (let at = 0; at < tokens.length; at++) {
      const key = known[at];
      const score =
        key === undefined ? this.#near(tokens[at] ?? "") : (this.#words.get(key) ?? this.#squeezed.get(key));
      if (score) add(totals, score, key === undefined ? NEAR : 1);
      // Phrases over the words as read: "bom dia", "sak pase", "s il vous plait".
      for (let size = 2; size <= this.#longestPhrase && at + size <= tokens.length; size++) {
        const phrase = this.#words.get(
          tokens
            .slice(at, at + size)
            .map((token, index) => known[at + index] ?? token)
            .join(" "),
        );
        if (phrase) add(totals, phrase, 1);
      }
    }
    for (const [mark, lng] of MARKS) if (mark.test(text)) totals[lng] += WORD;
    const best = Math.max(...LANGUAGES.map((lng) => totals[lng]));
    if (best <= 0) return byTrigrams(text, LANGUAGES);
    let leaders = LANGUAGES.filter((lng) => best - totals[lng] < 1e-9);
    if (leaders.length === 1) return leaders[0];
    // A tie: Kreyòl over French, anything over Spanish, then trigrams, then the order below.
    if (leaders.includes("ht")) leaders = leaders.filter((lng) => lng !== "fr");
    if (leaders.length > 1) leaders = leaders.filter((lng) => lng !== "es");
    if (leaders.length === 1) return leaders[0];
    return byTrigrams(text, leaders) ?? TIES.find((lng) => leaders.includes(lng));
  }

  /**
   * The language a typed text names, in any language and common spelling, one or two letters off
   * ("kreyol", "créole", "haitian", "inglés", "portuguès", "en español por favor"), or undefined.
   * `strict`: only the whole text as a name, as a first message must be to count as a choice.
   */
  named(text: string, strict = false): Language | undefined {
    const folded = fold(text);
    const exact = this.#names.get(folded);
    if (exact || strict || !folded) return exact;
    const kept = folded
      .split(" ")
      .filter((token) => !this.#filler.has(token))
      .join(" ");
    if (!kept) return undefined;
    const plain = this.#names.get(kept);
    if (plain) return plain;
    const allowed = kept.length >= 8 ? 2 : kept.length >= 4 ? 1 : 0;
    let found: Language | undefined;
    let bestDistance = allowed + 1;
    for (const [name, lng] of this.#names) {
      const distance = editDistance(kept, name, allowed);
      if (distance < bestDistance) {
        bestDistance = distance;
        found = lng;
      } else if (distance === bestDistance && found !== lng) found = undefined;
    }
    return bestDistance <= allowed ? found : undefined;
  }

  /** The key a token is known by: itself, or squeezed ("holaaa" → "hola"). */
  #known(token: string): string | undefined {
    if (this.#words.has(token)) return token;
    const squeezed = squeeze(token);
    if (this.#words.has(squeezed) || this.#squeezed.has(squeezed)) return squeezed;
    return undefined;
  }

  /** A token one letter off a known word (two from eight letters), when the words it is near agree. */
  #near(token: string): Score | undefined {
    const allowed = token.length >= 8 ? 2 : token.length >= 5 ? 1 : 0;
    if (allowed === 0) return undefined;
    let bestDistance = allowed + 1;
    let found: Score | undefined;
    for (let length = token.length - allowed; length <= token.length + allowed; length++) {
      for (const word of this.#byLength.get(length) ?? []) {
        const distance = editDistance(token, word, Math.min(allowed, bestDistance));
        if (distance > allowed || distance > bestDistance) continue;
        const score = this.#words.get(word);
        if (!score) continue;
        found = distance < bestDistance || !found ? score : merge(found, score);
        bestDistance = distance;
      }
    }
    return found;
  }
}

/** Languages a word counts for, each with its part: [["es", 0.5], ["pt", 0.5]] for "para". */
type Score = ReadonlyArray<readonly [Language, number]>;

const WORD = 1;
/** A phrase is worth more than a word: "bom dia" and "sak pase" belong to one language. */
const PHRASE = 2;
/** A word read one letter off counts half. */
const NEAR = 0.5;
const TIES: readonly Language[] = ["ht", "pt", "fr", "en", "es"];
/** Letters only one of the languages writes. */
const MARKS: ReadonlyArray<readonly [RegExp, Language]> = [
  [/[ñÑ¿¡]/u, "es"],
  [/[ãõÃÕ]/u, "pt"],
  [/[òÒ]/u, "ht"],
];
const TRIGRAM_CODES: Record<Language, string> = { es: "spa", ht: "hat", fr: "fra", en: "eng", pt: "por" };
/** Fewer letters than this and trigrams guess. */
const TRIGRAM_MIN_LENGTH = 12;

function items(texts: Texts, lng: Language, key: string): string[] {
  return texts.list(lng, key).flatMap((line) => line.split("|"));
}

function share(weights: Map<Language, number>): Score {
  return [...weights].map(([lng, weight]) => [lng, weight / weights.size] as const);
}

/** Two scores as one: a word either could be, shared among their languages. */
function merge(a: Score, b: Score): Score {
  const languages = new Set([...a, ...b].map(([lng]) => lng));
  return [...languages].map((lng) => [lng, WORD / languages.size] as const);
}

function add(totals: Record<Language, number>, score: Score, factor: number): void {
  for (const [lng, weight] of score) totals[lng] += weight * factor;
}

/** Runs of one letter as one: "holaaa" → "hola", "hello" → "helo". */
function squeeze(word: string): string {
  return word.replace(/(.)\1+/gu, "$1");
}

function byTrigrams(text: string, among: readonly Language[]): Language | undefined {
  const code = franc(text, { only: among.map((lng) => TRIGRAM_CODES[lng]), minLength: TRIGRAM_MIN_LENGTH });
  return among.find((lng) => TRIGRAM_CODES[lng] === code);
}
