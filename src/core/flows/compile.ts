import { scrub } from "../anonymity/scrub.js";
import { LANGUAGES, type Language } from "../i18n/languages.js";
import type { Texts } from "../i18n/texts.js";
import { closest, fold, plainDigits, readWords, type Words } from "../i18n/words.js";
import { textLength } from "./answers.js";
import { holds, mayHold } from "./condition.js";
import { FlowFileError, loadFlowFiles } from "./load.js";
import { buildFlowMachine, type FlowContext, type FlowEvent, type FlowMachine, FlowStepper } from "./machine.js";
import { type Answers, type FlowFile, type FlowStep, isQuestion, type QuestionStep } from "./schema.js";

/** The i18n keys of one step, resolved once at start so the hot path never builds a key. */
export interface StepTexts {
  text: string;
  short: string;
  /** The step's own invalid-answer text, or the generic one for its kind. */
  invalid: string;
  options: Map<string, string>;
}

/** What a typed message means at a question, or why it does not fit. */
export type Interpretation =
  | { ok: true; event: FlowEvent }
  | { ok: false; reason: "invalid" | "tooLong" | "tooMany" | "noneChosen" };

export interface Flow {
  id: string;
  version: number;
  file: string;
  listed: boolean;
  submission: FlowFile["submission"];
  /** For a flow that opens a case: its kind and consent question. */
  case: FlowFile["case"];
  /** A hand-off of this kind is offered once the flow is submitted. */
  offerHandoff: FlowFile["offer_handoff"];
  menuOrder: number;
  onePerPerson: boolean;
  countAnonymously: boolean;
  /** Bands of number questions only older versions asked, for downloads. */
  retiredBands: FlowFile["retired_bands"];
  results: FlowFile["results"];
  steps: readonly FlowStep[];
  step(id: string): FlowStep | undefined;
  texts: Map<string, StepTexts>;
  titleKey: string;
  doneKey: string;
  machine: FlowMachine;
  /** Runs the machine per message without building an actor each time. */
  stepper: FlowStepper;
  /** The questions that apply given the answers so far, in order. */
  applicableQuestions(answers: Answers): QuestionStep[];
  /**
   * The questions that apply or may still apply (a follow-up of a question not answered yet), in
   * order: what progress counts, so that its total never grows as the person answers.
   */
  possibleQuestions(answers: Answers): QuestionStep[];
  /** Reads a typed message at a question, in the person's language. */
  interpret(step: QuestionStep, text: string, lng: Language, context: FlowContext): Interpretation;
}

export function compileFlow(flowFile: FlowFile, file: string, texts: Texts): Flow {
  const stepTexts = new Map<string, StepTexts>();
  for (const step of flowFile.steps) stepTexts.set(step.id, resolveTexts(flowFile, step, file, texts));
  for (const key of [`${flowFile.id}:title`, `${flowFile.id}:done`]) requireText(texts, key, file, undefined);

  const words = readWords(texts);
  /** Folded option labels per language and step, so a typed "haití" finds the option "haiti". */
  const labels = Object.fromEntries(
    LANGUAGES.map((lng) => [
      lng,
      new Map(
        flowFile.steps.map((step) => [
          step.id,
          new Map(
            [...(stepTexts.get(step.id)?.options ?? [])].map(([optionId, key]) => [fold(texts.t(lng, key)), optionId]),
          ),
        ]),
      ),
    ]),
  ) as Record<Language, Map<string, Map<string, string>>>;

  const machine = buildFlowMachine(flowFile);
  const byId = new Map(flowFile.steps.map((step) => [step.id, step]));
  const questions = flowFile.steps.filter(isQuestion);

  return {
    id: flowFile.id,
    version: flowFile.version,
    file,
    listed: flowFile.menu,
    submission: flowFile.submission,
    case: flowFile.case,
    offerHandoff: flowFile.offer_handoff,
    menuOrder: flowFile.menu_order ?? 100,
    onePerPerson: flowFile.one_per_person,
    countAnonymously: flowFile.count_anonymously,
    retiredBands: flowFile.retired_bands,
    results: flowFile.results,
    steps: flowFile.steps,
    step: (id) => byId.get(id),
    texts: stepTexts,
    titleKey: `${flowFile.id}:title`,
    doneKey: `${flowFile.id}:done`,
    machine,
    stepper: new FlowStepper(machine),
    applicableQuestions: (answers) => questions.filter((step) => !step.when || holds(step.when, answers)),
    possibleQuestions: (answers) => {
      const possible = new Set<string>();
      return questions.filter((step) => {
        const may = !step.when || mayHold(step.when, answers, (id) => possible.has(id)) !== false;
        if (may) possible.add(step.id);
        return may;
      });
    },
    interpret: (step, text, lng, context) =>
      interpret(step, text, words[lng], labels[lng].get(step.id) ?? new Map(), context),
  };
}

function resolveTexts(flow: FlowFile, step: FlowStep, file: string, texts: Texts): StepTexts {
  const base = `${flow.id}:${step.id}`;
  const text = requireText(texts, step.text ?? `${base}.text`, file, step.id);
  if (!isQuestion(step)) return { text, short: text, invalid: "common:invalid.generic", options: new Map() };
  const short = step.short
    ? requireText(texts, step.short, file, step.id)
    : texts.has(`${base}.short`)
      ? `${base}.short`
      : text;
  const invalid = step.invalid
    ? requireText(texts, step.invalid, file, step.id)
    : texts.has(`${base}.invalid`)
      ? `${base}.invalid`
      : `common:invalid.${step.kind}`;
  const options = new Map<string, string>();
  if (step.kind === "choice" || step.kind === "multichoice") {
    for (const option of step.options)
      options.set(option.id, requireText(texts, option.label ?? `${base}.options.${option.id}`, file, step.id));
  } else if (step.kind === "yesno") {
    options.set("yes", "common:answer.yes");
    options.set("no", "common:answer.no");
  }
  return { text, short, invalid, options };
}

function requireText(texts: Texts, key: string, file: string, step: string | undefined): string {
  if (!texts.has(key)) throw new FlowFileError(file, step, `the text "${key}" is missing from locales/es`);
  return key;
}

const WHOLE_NUMBER = /^[^\d-]{0,12}(-?\d{1,9})[^\d]{0,12}$/;
const NUMBER_LIST = /^\s*\d{1,2}(\s*[,;.\s]\s*\d{1,2})*\s*$/;

function interpret(
  step: QuestionStep,
  raw: string,
  words: Words,
  labels: Map<string, string>,
  context: FlowContext,
): Interpretation {
  const text = plainDigits(raw).trim();
  const folded = fold(text);
  if (words.back.has(folded)) return { ok: true, event: { type: "BACK" } };
  if (step.skippable && words.skip.has(folded)) return { ok: true, event: { type: "SKIP" } };
  const answer = (value: FlowEvent & { type: "ANSWER" }) => ({ ok: true as const, event: value });
  const optionAt = (position: number) => ("options" in step ? step.options[position - 1]?.id : undefined);

  switch (step.kind) {
    case "choice": {
      const position = /^\d{1,2}$/.test(folded) ? Number(folded) : words.numbers.get(folded);
      const chosen = position !== undefined ? optionAt(position) : labelOf(folded, labels);
      return chosen ? answer({ type: "ANSWER", value: chosen }) : { ok: false, reason: "invalid" };
    }
    case "multichoice": {
      if (words.done.has(folded)) {
        if (context.pending.length === 0) return { ok: false, reason: "noneChosen" };
        return answer({ type: "ANSWER", value: [...context.pending] });
      }
      const label = labelOf(folded, labels);
      if (label) return { ok: true, event: { type: "TOGGLE", option: label } };
      if (!NUMBER_LIST.test(text)) return { ok: false, reason: "invalid" };
      const chosen = [
        ...new Set(
          text
            .split(/[^\d]+/)
            .filter(Boolean)
            .map(Number),
        ),
      ].map(optionAt);
      if (chosen.some((id) => id === undefined)) return { ok: false, reason: "invalid" };
      if (chosen.length > step.max) return { ok: false, reason: "tooMany" };
      return answer({ type: "ANSWER", value: chosen as string[] });
    }
    case "yesno": {
      if (words.yes.has(folded) || folded === "1") return answer({ type: "ANSWER", value: true });
      if (words.no.has(folded) || folded === "2") return answer({ type: "ANSWER", value: false });
      return { ok: false, reason: "invalid" };
    }
    case "number": {
      const match = WHOLE_NUMBER.exec(text);
      const value = match?.[1] === undefined ? (words.numbers.get(folded) ?? Number.NaN) : Number(match[1]);
      if (!Number.isInteger(value) || value < step.min || value > step.max) return { ok: false, reason: "invalid" };
      return answer({ type: "ANSWER", value });
    }
    case "text": {
      const cleaned = raw.replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, "").trim();
      if (cleaned.length === 0) return { ok: false, reason: "invalid" };
      if (textLength(cleaned) > step.maxLength) return { ok: false, reason: "tooLong" };
      // Scrubbed as it is taken: an abandoned session or the review never holds a phone or a name.
      return answer({ type: "ANSWER", value: scrub(cleaned) });
    }
  }
}

/** The flows in the menu, in menu order (then by file name). */
export function listedFlows(flows: ReadonlyMap<string, Flow>): Flow[] {
  return [...flows.values()]
    .filter((flow) => flow.listed)
    .sort((a, b) => a.menuOrder - b.menuOrder || (a.file < b.file ? -1 : 1));
}

/** Loads, checks and compiles every flow of a folder, once at start. */
export function compileFlows(dir: string, texts: Texts): Map<string, Flow> {
  return new Map(loadFlowFiles(dir).map(({ file, flow }) => [flow.id, compileFlow(flow, file, texts)]));
}

/** An option by its label as typed: exactly (folded), or a close misspelling of exactly one label. */
function labelOf(folded: string, labels: Map<string, string>): string | undefined {
  const exact = labels.get(folded);
  if (exact) return exact;
  const near = closest(folded, labels.keys());
  return near === undefined ? undefined : labels.get(near);
}
