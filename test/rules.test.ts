import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import type { Flow } from "../src/core/flows/compile.js";
import { LANGUAGES } from "../src/core/i18n/languages.js";
import { loadRuleCases, runRuleCase } from "../src/core/rules/cases.js";
import { MAX_AREA_MESSAGE, renderResults } from "../src/core/rules/render.js";
import { loadRules, type RuleBook, RuleFileError } from "../src/core/rules/rulebook.js";
import { engineOn, memoryStore } from "./support/puente.js";

/**
 * The eligibility rules: their tests as data (rules/tests), every outcome of every benefit covered
 * by some case, every result short enough in every language, and bad rule files refused with the
 * file, the rule and the reason.
 */
const { flows, texts, rules } = engineOn(memoryStore());
const book = rules as RuleBook;
const screening = flows.get(book.catalog.flow) as Flow;
const cases = loadRuleCases("rules/tests", screening);

describe("the rules' tests as data", () => {
  it("are at least forty", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map((ruleCase) => [ruleCase.name, ruleCase] as const))("%s", (_, ruleCase) => {
    expect(runRuleCase(book, ruleCase)).toEqual([]);
  });

  it("cover every outcome of every benefit", () => {
    const seen = new Set(
      cases.flatMap((ruleCase) => Object.entries(ruleCase.expect).map(([id, outcome]) => `${id}:${outcome}`)),
    );
    const missing = book
      .benefitIds()
      .flatMap((id) => book.outcomesOf(id).map((outcome) => `${id}:${outcome}`))
      .filter((pair) => !seen.has(pair));
    expect(missing).toEqual([]);
  });

  it("never leave a person with nothing: every case shows something from the day the rules hold", () => {
    for (const ruleCase of cases.filter((c) => c.date >= "2026-01-01"))
      expect(Object.keys(ruleCase.expect).length, ruleCase.name).toBeGreaterThan(0);
  });

  it("give results in every language, one message per area, none longer than 600 characters", () => {
    for (const ruleCase of cases)
      for (const lng of LANGUAGES) {
        const messages = renderResults(
          book,
          texts,
          lng,
          book.evaluate(ruleCase.answers, ruleCase.date),
          ruleCase.answers,
        );
        for (const message of messages.slice(1)) {
          expect(message.text.length, `${lng} ${ruleCase.name}: ${message.text}`).toBeLessThanOrEqual(MAX_AREA_MESSAGE);
          expect(message.text, `${lng} ${ruleCase.name}`).not.toMatch(/\{\{|rules:/);
        }
      }
  });

  it("put the areas the person asked about first, in the order they chose them", () => {
    const answers = {
      needs: ["papers", "health"],
      situation: "irregular",
      household: ["alone"],
      housing: "rent",
      work: "informal",
      health: "none",
    };
    const messages = renderResults(book, texts, "es", book.evaluate(answers, "2026-06-15"), answers);
    expect(messages.slice(1, 3).map((m) => m.text.split("\n")[0])).toEqual(["📑 Tus papeles", "🏥 Salud"]);
  });
});

const badRules = z
  .array(z.object({ name: z.string(), file: z.string(), source: z.string(), error: z.string() }))
  .parse(parse(readFileSync("test/fixtures/bad-rules.yaml", "utf8")));

describe("rule files", () => {
  it.each(badRules.map((bad) => [bad.name, bad] as const))("refuses %s, naming file, rule and reason", (_, bad) => {
    const dir = mkdtempSync(join(tmpdir(), "puente-rules-"));
    cpSync("rules", dir, { recursive: true });
    writeFileSync(join(dir, bad.file), bad.source);
    let error: unknown;
    try {
      loadRules(dir, flows, texts);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RuleFileError);
    expect((error as Error).message).toBe(`${dir}/${bad.error}`);
  });

  it("npm run rules:check validates the files and runs the cases", () => {
    const run = spawnSync("npm", ["run", "--silent", "rules:check"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`${cases.length} of ${cases.length} rule cases pass`);
  });
});

/** A screening's answers drawn at random, as the flow would ask them (skipping what does not apply). */
function randomAnswers(seed: number): Record<string, string | string[] | null> {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const answers: Record<string, string | string[] | null> = {};
  for (const step of screening.steps) {
    if (step.kind !== "choice" && step.kind !== "multichoice") continue;
    if (!screening.applicableQuestions(answers).some((question) => question.id === step.id)) continue;
    const ids = step.options.map((option) => option.id);
    if (step.kind === "multichoice") {
      const picked = ids.filter(() => random() < 0.4);
      answers[step.id] = picked.length ? picked.slice(0, step.max) : [ids[0] as string];
    } else
      answers[step.id] = step.skippable && random() < 0.1 ? null : (ids[Math.floor(random() * ids.length)] as string);
  }
  return answers;
}

describe("results for any answers", () => {
  it("are one message per area, under 600 characters, with every benefit's title, in every language", () => {
    for (let seed = 1; seed <= 1500; seed++) {
      const answers = randomAnswers(seed);
      const results = book.evaluate(answers, "2026-06-15");
      expect(results.length, JSON.stringify(answers)).toBeGreaterThan(0);
      for (const lng of LANGUAGES) {
        const messages = renderResults(book, texts, lng, results, answers);
        const areas = new Set(results.map((result) => result.area));
        expect(messages).toHaveLength(areas.size + 1);
        for (const message of messages.slice(1)) expect(message.text.length).toBeLessThanOrEqual(MAX_AREA_MESSAGE);
        const all = messages.map((message) => message.text).join("\n");
        for (const result of results) expect(all).toContain(texts.t(lng, result.title));
      }
    }
  });
});
