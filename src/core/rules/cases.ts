import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { fits } from "../flows/answers.js";
import type { Flow } from "../flows/compile.js";
import { isQuestion } from "../flows/schema.js";
import { type RuleBook, RuleFileError } from "./rulebook.js";
import { type Outcome, type RuleCase, ruleCaseSchema } from "./schema.js";

/**
 * The rules' tests as data (`rules/tests/*.yaml`), like OpenFisca's: answers and a date, and the
 * outcome of every benefit that must show. Run by `npm test` and by `npm run rules:check`, so the
 * office can change a rule and see at once which cases change with it.
 */
export function loadRuleCases(dir: string, flow: Flow): Array<RuleCase & { file: string }> {
  const files = readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  return files.flatMap((name) => {
    const file = join(dir, name);
    const parsed = z.array(ruleCaseSchema).safeParse(parseYaml(readFileSync(file, "utf8")));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RuleFileError(file, undefined, `${issue?.path.join(".") ?? ""}: ${issue?.message ?? "is not valid"}`);
    }
    for (const ruleCase of parsed.data) checkAnswers(file, ruleCase, flow);
    return parsed.data.map((ruleCase) => ({ ...ruleCase, file }));
  });
}

/** A case's answers must be answers the screening could give, or the case tests nothing real. */
function checkAnswers(file: string, ruleCase: RuleCase, flow: Flow): void {
  for (const [stepId, answer] of Object.entries(ruleCase.answers)) {
    const step = flow.step(stepId);
    const fail = (problem: string) => new RuleFileError(file, undefined, `case "${ruleCase.name}": ${problem}`);
    if (!step || !isQuestion(step)) throw fail(`"${stepId}" is not a question of "${flow.id}"`);
    if (answer === null ? !step.skippable : !fits(step, answer))
      throw fail(`${JSON.stringify(answer)} is not an answer "${stepId}" takes`);
  }
}

/** What a case got wrong: a benefit with another outcome than expected, shown or not. */
export interface RuleCaseMismatch {
  benefit: string;
  expected: Outcome | "not shown";
  got: Outcome | "not shown";
}

export function runRuleCase(book: RuleBook, ruleCase: RuleCase): RuleCaseMismatch[] {
  const got = new Map(book.evaluate(ruleCase.answers, ruleCase.date).map((result) => [result.benefit, result.outcome]));
  const mismatches: RuleCaseMismatch[] = [];
  for (const benefit of new Set([...got.keys(), ...Object.keys(ruleCase.expect)])) {
    const expected = ruleCase.expect[benefit] ?? "not shown";
    const actual = got.get(benefit) ?? "not shown";
    if (expected !== actual) mismatches.push({ benefit, expected, got: actual });
  }
  return mismatches;
}
