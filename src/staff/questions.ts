import { z } from "zod";
import type { Flow } from "../core/flows/compile.js";
import { type Answer, isQuestion, type QuestionStep } from "../core/flows/schema.js";
import type { Texts } from "../core/i18n/texts.js";
import type { StoredResponse } from "../core/store/responses.js";

/**
 * The questions staff see in exports and reports: the current flow's questions in its order, then
 * the question ids that only older versions asked. Labels are Spanish, the office's language.
 */

export const questionKindSchema = z.enum(["choice", "multichoice", "yesno", "number", "text"]);
export type QuestionKind = z.infer<typeof questionKindSchema>;

export const staffOptionSchema = z.object({ id: z.string(), label: z.string() });
export type StaffOption = z.infer<typeof staffOptionSchema>;

export const staffQuestionSchema = z.object({
  id: z.string(),
  kind: questionKindSchema,
  /** The question's short Spanish label, or its id when no text names it any more. */
  label: z.string(),
  /** Offers "prefer not to say" now, or some stored response skipped it. */
  skippable: z.boolean(),
  /** False for a question only older versions of the flow asked. */
  inFlow: z.boolean(),
  /** Choice and multiple choice: the flow's options in order, then ids only older responses hold. */
  options: z.array(staffOptionSchema),
  /** A number with bands: each band's highest value and its label, the last open-ended. */
  bands: z.array(z.object({ upTo: z.number(), label: z.string() })).optional(),
});
export type StaffQuestion = z.infer<typeof staffQuestionSchema>;

/** The three fixed answer texts, from common:answer in Spanish. */
export interface AnswerWords {
  yes: string;
  no: string;
  skipped: string;
}

export function answerWords(texts: Texts): AnswerWords {
  return {
    yes: texts.t("es", "common:answer.yes"),
    no: texts.t("es", "common:answer.no"),
    skipped: texts.t("es", "common:answer.skipped"),
  };
}

/** Every question staff can see for these responses, current flow first. */
export function staffQuestions(flow: Flow, texts: Texts, responses: readonly StoredResponse[]): StaffQuestion[] {
  const current = flow.steps.filter(isQuestion).map((step) => fromStep(flow, texts, step, responses));
  const known = new Set(current.map((question) => question.id));
  const older = [...answeredIds(responses)]
    .filter((id) => !known.has(id))
    .map((id) => fromAnswersOnly(flow, texts, id, responses));
  return [...current, ...older];
}

function fromStep(flow: Flow, texts: Texts, step: QuestionStep, responses: readonly StoredResponse[]): StaffQuestion {
  const keys = flow.texts.get(step.id);
  const label = keys ? texts.t("es", keys.short) : step.id;
  const skippable = step.skippable || wasSkipped(step.id, responses);
  if (step.kind !== "choice" && step.kind !== "multichoice") {
    const bands = step.kind === "number" && step.bands ? { bands: bandsOf(step.min, step.bands) } : {};
    return { id: step.id, kind: step.kind, label, skippable, inFlow: true, options: [], ...bands };
  }
  const options = step.options.map((option) => ({
    id: option.id,
    label: texts.t("es", keys?.options.get(option.id) ?? `${flow.id}:${step.id}.options.${option.id}`),
  }));
  // An option an older version offered still needs its own column or row.
  const listed = new Set(options.map((option) => option.id));
  const extra = chosenIds(step.id, responses).filter((id) => !listed.has(id));
  return {
    id: step.id,
    kind: step.kind,
    label,
    skippable,
    inFlow: true,
    options: [...options, ...extra.map((id) => oldOption(flow, texts, step.id, id))],
  };
}

/**
 * A question the current flow no longer asks: its kind is read from the stored values. A string
 * answer counts as a choice only when every value still has an option text, so old free text is
 * never mistaken for codes (and never tabulated).
 */
function fromAnswersOnly(flow: Flow, texts: Texts, id: string, responses: readonly StoredResponse[]): StaffQuestion {
  const values = responses.map((response) => response.answers[id]).filter((value) => value !== undefined);
  const shortKey = `${flow.id}:${id}.short`;
  const label = texts.has(shortKey) ? texts.t("es", shortKey) : id;
  const kind = inferKind(flow, texts, id, values);
  const options =
    kind === "choice" || kind === "multichoice"
      ? chosenIds(id, responses).map((optionId) => oldOption(flow, texts, id, optionId))
      : [];
  const retired = kind === "number" ? flow.retiredBands?.[id] : undefined;
  return {
    id,
    kind,
    label,
    skippable: wasSkipped(id, responses),
    inFlow: false,
    options,
    ...(retired ? { bands: bandsOf(retired.min, retired.bands) } : {}),
  };
}

function inferKind(flow: Flow, texts: Texts, id: string, values: Answer[]): QuestionKind {
  if (values.some(Array.isArray)) return "multichoice";
  if (values.some((value) => typeof value === "boolean")) return "yesno";
  if (values.some((value) => typeof value === "number")) return "number";
  const strings = values.filter((value): value is string => typeof value === "string");
  const allOptions = strings.length > 0 && strings.every((value) => texts.has(optionKey(flow, id, value)));
  return allOptions ? "choice" : "text";
}

function oldOption(flow: Flow, texts: Texts, questionId: string, optionId: string): StaffOption {
  const key = optionKey(flow, questionId, optionId);
  return { id: optionId, label: texts.has(key) ? texts.t("es", key) : optionId };
}

function optionKey(flow: Flow, questionId: string, optionId: string): string {
  return `${flow.id}:${questionId}.options.${optionId}`;
}

function wasSkipped(questionId: string, responses: readonly StoredResponse[]): boolean {
  return responses.some((response) => response.answers[questionId] === null);
}

/** Question ids in the order they first appear in the responses. */
function answeredIds(responses: readonly StoredResponse[]): Set<string> {
  const ids = new Set<string>();
  for (const response of responses) for (const id of Object.keys(response.answers)) ids.add(id);
  return ids;
}

/** Option ids stored for a question, in the order they first appear. */
function chosenIds(questionId: string, responses: readonly StoredResponse[]): string[] {
  const ids = new Set<string>();
  for (const response of responses) for (const id of asList(response.answers[questionId])) ids.add(id);
  return [...ids];
}

/** The option ids an answer holds: a multiple choice's list, a single choice, or none. */
export function asList(answer: Answer | undefined): string[] {
  if (Array.isArray(answer)) return answer;
  return typeof answer === "string" ? [answer] : [];
}

export function optionLabel(question: StaffQuestion, optionId: string): string {
  return question.options.find((option) => option.id === optionId)?.label ?? optionId;
}

/** [1, 2, 4, 6] from 1: "1", "2", "3-4", "5-6", "7+". */
function bandsOf(min: number, ends: readonly number[]): Array<{ upTo: number; label: string }> {
  let lower = min;
  const bands = ends.map((upTo) => {
    const label = lower >= upTo ? String(upTo) : `${lower}-${upTo}`;
    lower = upTo + 1;
    return { upTo, label };
  });
  return [...bands, { upTo: Number.POSITIVE_INFINITY, label: `${lower}+` }];
}

/** The band a number falls in. */
export function bandOf(bands: ReadonlyArray<{ upTo: number; label: string }>, value: number): string {
  return bands.find((band) => value <= band.upTo)?.label ?? String(value);
}
