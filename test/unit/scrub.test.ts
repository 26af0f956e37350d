import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import {
  ADDRESS_MARK,
  DOCUMENT_MARK,
  EMAIL_MARK,
  HANDLE_MARK,
  NAME_MARK,
  normalize,
  PHONE_MARK,
  RUT_MARK,
  scrub,
} from "../../src/core/anonymity/scrub.js";

const cases = z
  .object({
    scrubbed: z.array(z.object({ text: z.string(), expected: z.string() })).min(40),
    kept: z.array(z.string()).min(25),
  })
  .parse(parse(readFileSync(new URL("../fixtures/scrub-cases.yaml", import.meta.url), "utf8")));

/** Numbers as a person writes them: digits joined by spaces, dots, dashes or parentheses, compacted to digits. */
const WRITTEN_NUMBER = /\d(?:[ .\-()]{0,3}\d)*/g;
const SEPARATORS = /[ .\-()]/g;
const LONG_RUN = /\d{7,}/;

function longNumbers(text: string): string[] {
  return [...text.matchAll(WRITTEN_NUMBER)].map((m) => m[0].replace(SEPARATORS, "")).filter((d) => d.length >= 7);
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing input can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pathological(alphabet: string, seed: number): string {
  const next = random(seed);
  return Array.from({ length: 4096 }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
}

const repeated = (unit: string, length = 4096): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

/** Units that make a regex with more than one way to read a character backtrack: each start retried on the rest. */
const ADVERSARIAL_UNITS: readonly string[] = [
  "1 ",
  "1\u200b",
  "٩ ",
  "nueve ",
  "de ",
  "uno, ",
  "calle ",
  "Calle A ",
  "calle Matucana ",
  "calle de la ",
  "12 rue ",
  "1 Main Main ",
  "block 1 ",
  "me llamo ",
  "Me llamo Juan de ",
  "soy la señora ",
];

const PATHOLOGICAL: ReadonlyArray<readonly [string, string]> = [
  ["random digits, dots, dashes and spaces", pathological("0123456789.- ", 1)],
  ["mostly digits", pathological("00112233445566778899 .-", 2)],
  ["digits and single spaces", repeated("1 ")],
  ["digits and dots", repeated("1.")],
  ["digits and dashes", repeated("1-")],
  ["spaced dashes", repeated("1 - ")],
  ["RUT-like bodies", repeated("12.345.678 ")],
  ["RUT-like bodies with dashes", repeated("1234567-")],
  ["phone-like groups", repeated("+56 9 ")],
  ["one digit run", repeated("7")],
  ...ADVERSARIAL_UNITS.map((unit) => [JSON.stringify(unit), repeated(unit)] as const),
];

describe("scrub", () => {
  it.each(cases.scrubbed.map((c) => [c.text, c.expected] as const))("scrubs %j", (text, expected) => {
    expect(scrub(text)).toBe(expected);
  });

  it.each(cases.kept.map((text) => [text]))("keeps %j", (text) => {
    expect(scrub(text)).toBe(text);
  });

  it("leaves no 7 digits in a row of a scrubbed phone or RUT, however it was written", () => {
    const identified = cases.scrubbed.filter((c) => c.expected.includes(PHONE_MARK) || c.expected.includes(RUT_MARK));
    expect(identified.length).toBeGreaterThan(20);
    for (const { text } of identified) {
      const output = scrub(text);
      expect(output).not.toMatch(LONG_RUN);
      const compact = output.replace(SEPARATORS, "");
      for (const digits of longNumbers(normalize(text))) {
        for (let i = 0; i + 7 <= digits.length; i++) expect(compact, text).not.toContain(digits.slice(i, i + 7));
      }
    }
  });

  it("uses fixed markers without digits, which a second pass cannot match", () => {
    const marks = [PHONE_MARK, EMAIL_MARK, RUT_MARK, DOCUMENT_MARK, HANDLE_MARK, NAME_MARK, ADDRESS_MARK];
    for (const mark of marks) {
      expect(mark).toMatch(/^\[\p{L}+\]$/u);
      expect(normalize(mark)).toBe(mark);
      expect(scrub(mark)).toBe(mark);
    }
    expect(new Set(marks).size).toBe(marks.length);
  });

  it("returns an innocent text as written, and a scrubbed one normalised", () => {
    expect(scrub("Tengo ３ hijos\u200b y pago $\u00a0350.000")).toBe("Tengo ３ hijos\u200b y pago $\u00a0350.000");
    expect(scrub("Pago $\u00a0350.000, cel ９１２３４５６７８")).toBe("Pago $ 350.000, cel [teléfono]");
  });

  it("is idempotent", () => {
    const texts = [...cases.scrubbed.flatMap((c) => [c.text, c.expected]), ...cases.kept];
    for (const text of [...texts, ...PATHOLOGICAL.map(([, input]) => input)]) {
      const once = scrub(text);
      expect(scrub(once), text).toBe(once);
    }
  });

  it.each(PATHOLOGICAL)("returns on 4,096 characters of %s and keeps no 7-digit run", (_, input) => {
    expect(input).toHaveLength(4096);
    const output = scrub(input);
    expect(output).not.toMatch(LONG_RUN);
  });

  // A pass that backtracks takes seconds on 20,000 characters (20,000² steps); a linear one takes milliseconds.
  it.each(ADVERSARIAL_UNITS.map((unit) => [unit]))("scrubs 20,000 characters of %j in well under a second", (unit) => {
    const input = repeated(unit, 20_000);
    const started = performance.now();
    const output = scrub(input);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(normalize(output)).not.toMatch(LONG_RUN);
  });
});
