import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import type { Flow } from "../../src/core/flows/compile.js";
import { answerSchema, isQuestion } from "../../src/core/flows/schema.js";
import { LANGUAGES } from "../../src/core/i18n/languages.js";
import { engineOn, memoryStore } from "../support/puente.js";

/** Typed answers as data: digits, keycaps, number words, labels with and without accents, close misspellings. */
const cases = z
  .array(
    z.object({
      lng: z.enum(LANGUAGES),
      flow: z.string().default("consulta"),
      step: z.string(),
      typed: z.string(),
      answer: answerSchema.optional(),
      invalid: z.boolean().optional(),
    }),
  )
  .parse(parse(readFileSync(new URL("../fixtures/typed-answers.yaml", import.meta.url), "utf8")));

const { flows } = engineOn(memoryStore());
const idle = { answers: {}, editing: null, pending: [] };

describe("typed answers", () => {
  it.each(cases.map((c) => [`${c.lng} ${c.flow}/${c.step} "${c.typed}"`, c] as const))("%s", (_, c) => {
    const flow = flows.get(c.flow) as Flow;
    const step = flow.step(c.step);
    if (!step || !isQuestion(step)) throw new Error(`no question ${c.flow}/${c.step}`);
    const reading = flow.interpret(step, c.typed, c.lng, idle);
    if (c.invalid) expect(reading.ok).toBe(false);
    else expect(reading).toEqual({ ok: true, event: { type: "ANSWER", value: c.answer } });
  });
});
