import { compileFlows } from "../core/flows/compile.js";
import { FlowFileError } from "../core/flows/load.js";
import { createTexts, readLocales } from "../core/i18n/texts.js";
import { loadRuleCases, runRuleCase } from "../core/rules/cases.js";
import { loadRules, RuleFileError } from "../core/rules/rulebook.js";
import { loadConfig } from "../runtime/config.js";

/**
 * `npm run rules:check`: checks every rule file the way the program does at start (questions and
 * options that exist, texts in every language, dates that neither overlap nor leave gaps), then runs
 * the rules' tests as data in rules/tests/, so the office can test a change before deploying it.
 */
try {
  const config = loadConfig();
  const texts = createTexts(readLocales(config.LOCALES_DIR));
  const flows = compileFlows(config.FLOWS_DIR, texts);
  const book = loadRules(config.RULES_DIR, flows, texts);
  const flow = flows.get(book.catalog.flow);
  console.log(`ok  ${config.RULES_DIR}: ${book.areas.length} areas, ${book.benefitIds().length} benefits`);
  let failed = 0;
  const cases = flow ? loadRuleCases(`${config.RULES_DIR}/tests`, flow) : [];
  for (const ruleCase of cases) {
    const mismatches = runRuleCase(book, ruleCase);
    if (mismatches.length === 0) continue;
    failed++;
    console.log(`FAIL ${ruleCase.file}: ${ruleCase.name}`);
    for (const { benefit, expected, got } of mismatches)
      console.log(`     ${benefit}: expected ${expected}, got ${got}`);
  }
  console.log(`${cases.length - failed} of ${cases.length} rule cases pass`);
  if (failed > 0) process.exit(1);
} catch (error) {
  if (error instanceof RuleFileError) console.error(`Rule file error: ${error.message}`);
  else if (error instanceof FlowFileError) console.error(`Flow file error: ${error.message}`);
  else console.error((error as Error).message);
  process.exit(1);
}
