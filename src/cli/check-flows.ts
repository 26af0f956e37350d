import { compileFlows } from "../core/flows/compile.js";
import { FlowFileError } from "../core/flows/load.js";
import { isQuestion } from "../core/flows/schema.js";
import { createTexts, readLocales } from "../core/i18n/texts.js";
import { loadOffice } from "../core/office/office.js";
import { loadConfig } from "../runtime/config.js";

/**
 * `npm run flows:check`: checks every flow file and the texts it names, and the office file, the
 * way the program does at start, so the office can test an edit before deploying it.
 */
try {
  const config = loadConfig();
  const office = loadOffice(config.OFFICE_FILE);
  console.log(`ok  ${config.OFFICE_FILE}: ${office.file.name}, ${office.file.hours.length} opening hours`);
  const texts = createTexts(readLocales(config.LOCALES_DIR));
  for (const flow of compileFlows(config.FLOWS_DIR, texts).values()) {
    const questions = flow.steps.filter(isQuestion).length;
    console.log(`ok  ${flow.file}: flow "${flow.id}" version ${flow.version}, ${questions} questions`);
  }
} catch (error) {
  console.error(error instanceof FlowFileError ? `Flow file error: ${error.message}` : (error as Error).message);
  process.exit(1);
}
