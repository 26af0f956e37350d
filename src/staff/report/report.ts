import { z } from "zod";
import { channelKindSchema } from "../../core/engine/messages.js";
import type { Flow, StepTexts } from "../../core/flows/compile.js";
import type { Answer, FlowStep } from "../../core/flows/schema.js";
import { LANGUAGES } from "../../core/i18n/languages.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { RuleBook } from "../../core/rules/rulebook.js";
import { OUTCOMES } from "../../core/rules/schema.js";
import type { StoredResponse } from "../../core/store/responses.js";
import { type DateRange, dateRangeSchema, withinDates } from "../export/table.js";
import { type QuestionKind, staffQuestions } from "../questions.js";
import {
  answerCountSchema,
  type PublishedCount,
  publishedCountSchema,
  type QuestionRef,
  type QuestionSummary,
  questionRefSchema,
  questionSummarySchema,
  SKIPPED,
  summarize,
} from "./summary.js";
import { display, type Line, SMALLEST_SHOWN, suppress } from "./suppression.js";

/**
 * The report of one flow over a date range, as the dashboard shows and prints it: how many
 * responded, every tabulable question (and a few facts staff need about the people: language,
 * channel, a screening's outcome per benefit) with counts and percentages, optionally each one
 * broken down by the answers to one chosen question (KoBoToolbox's "disaggregate by"), and the
 * free-text answers.
 *
 * Questions, categories and labels come from `summarize`. The numbers are then suppressed once
 * for the whole page, not table by table: the same count shows up in several tables (an answer's
 * count is the row margin of its split table, the split question's answers are the columns of
 * every split table, everyone asked or not adds up to the responses), and two tables suppressed
 * apart can each be safe while one recomputes the other's hidden cell. One suppression over every
 * published count, with every line that links them, holds the rules across the page.
 */

/** Where a question comes from: the flow, facts about the response, or a screening's results. */
export const questionGroupSchema = z.enum(["flow", "person", "outcome"]);
export type QuestionGroup = z.infer<typeof questionGroupSchema>;

/** A count with its share of a group (the people asked, or a split group), as published. */
export const shareSchema = publishedCountSchema.extend({ percent: z.number().nullable() });
export type Share = z.infer<typeof shareSchema>;

export const splitColumnSchema = z.object({
  value: z.string(),
  label: z.string(),
  /** The people of this group who were asked the question: the base of the column's percentages. */
  total: publishedCountSchema,
});
export type SplitColumn = z.infer<typeof splitColumnSchema>;

export const questionSplitSchema = z.object({
  by: questionRefSchema,
  columns: z.array(splitColumnSchema),
  /** One per answer of the question, in the same order; one cell per column, its share of the column. */
  rows: z.array(z.object({ value: z.string(), label: z.string(), cells: z.array(shareSchema) })),
});
export type QuestionSplit = z.infer<typeof questionSplitSchema>;

export const reportQuestionSchema = questionSummarySchema.extend({
  group: questionGroupSchema,
  answers: z.array(answerCountSchema),
  split: questionSplitSchema.optional(),
});
export type ReportQuestion = z.infer<typeof reportQuestionSchema>;

export const freeTextSchema = z.object({
  question: z.string(),
  label: z.string(),
  /** Newest first, at most FREE_TEXT_CAP. */
  answers: z.array(z.string()),
  /** More answers were given than are listed. */
  truncated: z.boolean(),
});
export type FreeText = z.infer<typeof freeTextSchema>;

export const reportSchema = z.object({
  flow: z.object({ id: z.string(), title: z.string() }),
  range: dateRangeSchema,
  responses: publishedCountSchema,
  split: questionRefSchema.optional(),
  questions: z.array(reportQuestionSchema),
  freeText: z.object({
    /** False while fewer than 5 responses are shown: then no free text is listed at all. */
    listed: z.boolean(),
    questions: z.array(freeTextSchema),
  }),
  /** Stored entries that could not be read and were left out. */
  unreadable: z.number().int().min(0),
});
export type Report = z.infer<typeof reportSchema>;

/** Free-text answers listed per question: enough to read, not a dump (downloads have them all). */
export const FREE_TEXT_CAP = 200;

export interface ReportInput {
  flow: Flow;
  texts: Texts;
  /** Every stored response of the flow; the date range is applied here. */
  responses: readonly StoredResponse[];
  range: DateRange;
  /** A question id of `splitChoices`: every other question is broken down by its answers. */
  split?: string | undefined;
  /** The eligibility rules, for the Spanish titles and order of a screening's benefits. */
  rules?: RuleBook | undefined;
  unreadable?: number;
}

/** The split question is not one of the report's tabulable questions. */
export class UnknownQuestionError extends Error {
  override name = "UnknownQuestionError";
}

/** Pseudo-question ids start with "@": a flow's step ids start with a letter, so they never clash. */
const LANGUAGE_ID = "@lng";
const CHANNEL_ID = "@channel";
const OUTCOME_PREFIX = "@outcome.";
/** A benefit whose rule gave this response no outcome. */
const NO_OUTCOME = "none";

export function buildReport(input: ReportInput): Report {
  const inRange = withinDates(input.responses, input.range);
  const source = withPseudoQuestions(input, inRange);
  const summaries = summarize(source).map((summary) => ({
    ...summary,
    label: source.labels.get(summary.question) ?? summary.label,
  }));
  const split = input.split === undefined ? undefined : summaries.find((summary) => summary.question === input.split);
  if (input.split !== undefined && !split) throw new UnknownQuestionError(`No question "${input.split}" to split by`);

  const ledger = new Ledger();
  const all = ledger.entry("all", inRange.length);
  const tallies = new Map(summaries.map((summary) => [summary.question, tally(summary, source.responses)]));
  for (const summary of summaries) addSummary(ledger, all, summary, tallyOf(tallies, summary));
  if (split) {
    for (const summary of summaries) {
      if (summary.question !== split.question)
        addSplit(ledger, all, summary, split, tallyOf(tallies, summary), tallyOf(tallies, split));
    }
  }
  const published = ledger.publish();
  const responses = published("all");

  return {
    flow: { id: input.flow.id, title: flowTitle(input.flow, input.texts) },
    range: input.range,
    responses,
    ...(split ? { split: refOf(split) } : {}),
    questions: summaries.map((summary) =>
      publishQuestion(summary, source.groups.get(summary.question) ?? "flow", split, published),
    ),
    freeText: freeTexts(input, inRange, responses),
    unreadable: input.unreadable ?? 0,
  };
}

export const splitChoiceSchema = questionRefSchema.extend({ group: questionGroupSchema });
export type SplitChoice = z.infer<typeof splitChoiceSchema>;

/** The questions a report can be split by: the tabulable ones, pseudo-questions included. */
export function splitChoices(input: Omit<ReportInput, "split" | "range" | "unreadable">): SplitChoice[] {
  const source = withPseudoQuestions(input, input.responses);
  return staffQuestions(source.flow, source.texts, source.responses)
    .filter((question) => question.kind !== "text")
    .map((question) => ({
      question: question.id,
      label: source.labels.get(question.id) ?? question.label,
      kind: question.kind,
      group: source.groups.get(question.id) ?? "flow",
    }));
}

/**
 * A flow's Spanish title without the emoji the chat shows before it: a report is a formal paper,
 * and an office PC or printer may have no emoji font.
 */
export function flowTitle(flow: Flow, texts: Texts): string {
  const title = texts.t("es", flow.titleKey);
  return title.replace(/^(?:\p{Extended_Pictographic}|\uFE0F|\u200D)+\s*/u, "") || title;
}

/** A count alone (a flow's number of responses), published as the report would. */
export function publishCount(count: number): PublishedCount {
  const reason = suppress([count], [])[0] ?? null;
  return { count: reason === null ? count : null, display: display(count, reason) };
}

// ---------------------------------------------------------------------------------------------
// Pseudo-questions: facts of every response, tabulated like a choice question.

interface PseudoQuestion {
  id: string;
  group: Exclude<QuestionGroup, "flow">;
  label: string;
  options: Array<{ id: string; key: string }>;
  value(response: StoredResponse): string;
}

interface AugmentedSource {
  flow: Flow;
  texts: Texts;
  responses: StoredResponse[];
  labels: Map<string, string>;
  groups: Map<string, QuestionGroup>;
}

/**
 * The flow with the pseudo-questions appended as choice steps, and each response with their
 * values as answers: `summarize` then counts them like any question, and any can be split by.
 */
function withPseudoQuestions(
  input: Pick<ReportInput, "flow" | "texts" | "rules">,
  responses: readonly StoredResponse[],
): AugmentedSource {
  const pseudo = pseudoQuestions(input, responses);
  const steps: FlowStep[] = pseudo.map((question) => ({
    id: question.id,
    kind: "choice",
    skippable: false,
    options: question.options.map((option) => ({ id: option.id })),
  }));
  const texts = new Map(input.flow.texts);
  for (const question of pseudo) {
    // The label key is a placeholder: the label itself is set after summarizing.
    const key = "staff:web.results.pseudo.language";
    const options = new Map(question.options.map((option) => [option.id, option.key]));
    const stepTexts: StepTexts = { text: key, short: key, invalid: "common:invalid.generic", options };
    texts.set(question.id, stepTexts);
  }
  return {
    flow: { ...input.flow, steps: [...input.flow.steps, ...steps], texts },
    texts: input.texts,
    responses: responses.map((response) => ({
      ...response,
      answers: {
        ...response.answers,
        ...Object.fromEntries(pseudo.map((question) => [question.id, question.value(response)])),
      },
    })),
    labels: new Map(pseudo.map((question) => [question.id, question.label])),
    groups: new Map(pseudo.map((question) => [question.id, question.group])),
  };
}

function pseudoQuestions(
  input: Pick<ReportInput, "flow" | "texts" | "rules">,
  responses: readonly StoredResponse[],
): PseudoQuestion[] {
  const say = (key: string, values?: Record<string, string>) => input.texts.t("es", `staff:web.results.${key}`, values);
  // Test channels only when some response came through one: an office never sees them otherwise.
  const channels = channelKindSchema.options.filter(
    (channel) => channel !== "test" || responses.some((response) => response.channel === channel),
  );
  const questions: PseudoQuestion[] = [
    {
      id: LANGUAGE_ID,
      group: "person",
      label: say("pseudo.language"),
      options: LANGUAGES.map((lng) => ({ id: lng, key: `staff:language.${lng}` })),
      value: (response) => response.lng,
    },
    {
      id: CHANNEL_ID,
      group: "person",
      label: say("pseudo.channel"),
      options: channels.map((channel) => ({ id: channel, key: `staff:channel.${channel}` })),
      value: (response) => response.channel,
    },
  ];
  if (input.flow.results !== "eligibility") return questions;
  const title = benefitTitles(input.rules, input.texts);
  const outcomeOptions = [
    ...OUTCOMES.map((outcome) => ({ id: outcome, key: `rules:outcome.${outcome}` })),
    { id: NO_OUTCOME, key: "staff:web.results.pseudo.noOutcome" },
  ];
  return [
    ...questions,
    ...benefitsOf(input.rules, responses).map(
      (benefit): PseudoQuestion => ({
        id: `${OUTCOME_PREFIX}${benefit}`,
        group: "outcome",
        // Shown under "Resultados de la evaluación": the benefit's title says the rest.
        label: title(benefit) ?? benefit,
        options: outcomeOptions,
        value: (response) => response.outcomes?.[benefit] ?? NO_OUTCOME,
      }),
    ),
  ];
}

/** The rules' benefits in file order, then any only older responses hold. */
function benefitsOf(rules: RuleBook | undefined, responses: readonly StoredResponse[]): string[] {
  const stored = new Set(responses.flatMap((response) => Object.keys(response.outcomes ?? {})));
  const known = rules?.benefitIds() ?? [];
  return [...known, ...[...stored].filter((benefit) => !known.includes(benefit)).sort()];
}

/** A benefit's Spanish title: rule files name it `rules:<area>.<benefit>.title`. */
function benefitTitles(rules: RuleBook | undefined, texts: Texts): (benefit: string) => string | undefined {
  const areas = rules?.areas.map((area) => area.area) ?? [];
  return (benefit) => {
    const key = areas.map((area) => `rules:${area}.${benefit}.title`).find((candidate) => texts.has(candidate));
    return key ? texts.t("es", key) : undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// One suppression for the whole page.

/**
 * Every count the page publishes, and the ones that could be worked out from them (people not
 * asked a question, people of a split group not asked a question), each once under a key, with
 * the lines that tie them together.
 */
class Ledger {
  readonly #counts: number[] = [];
  readonly #lines: Line[] = [];
  readonly #at = new Map<string, number>();

  /** The index of a count; a key already entered is the same count, entered once. */
  entry(key: string, count: number): number {
    const known = this.#at.get(key);
    if (known !== undefined) return known;
    this.#counts.push(count);
    this.#at.set(key, this.#counts.length - 1);
    return this.#counts.length - 1;
  }

  /** The index of a count entered before (a margin shared with another table). */
  known(key: string): number {
    const at = this.#at.get(key);
    if (at === undefined) throw new Error(`No count "${key}" in the report`);
    return at;
  }

  line(cells: number[], total: number): void {
    this.#lines.push({ cells, total });
  }

  /** Suppresses everything at once; then a count is read by its key. */
  publish(): (key: string) => PublishedCount {
    const hidden = suppress(this.#counts, this.#lines);
    return (key) => {
      const at = this.known(key);
      const count = this.#counts[at] ?? 0;
      const reason = hidden[at] ?? null;
      return { count: reason === null ? count : null, display: display(count, reason) };
    };
  }
}

/** Per response, the categories its answer falls in, or undefined when it was not asked. */
type Tally = Array<ReadonlySet<string> | undefined>;

function tally(summary: QuestionSummary, responses: readonly StoredResponse[]): Tally {
  const categories = new Set(summary.answers.map((answer) => answer.value));
  return responses.map((response) => {
    const answer = response.answers[summary.question];
    if (answer === undefined) return undefined;
    return new Set(valuesOf(summary.kind, answer).filter((value) => categories.has(value)));
  });
}

function tallyOf(tallies: ReadonlyMap<string, Tally>, summary: QuestionSummary): Tally {
  const found = tallies.get(summary.question);
  if (!found) throw new Error(`No tally for "${summary.question}"`);
  return found;
}

/** The category values of one stored answer, as `summarize` counts them. */
function valuesOf(kind: QuestionKind, answer: Answer): string[] {
  if (answer === null) return [SKIPPED];
  if (typeof answer === "boolean") return [answer ? "yes" : "no"];
  if (typeof answer === "number") return [String(answer)];
  if (Array.isArray(answer)) return answer;
  return kind === "text" ? [] : [answer];
}

const count = (items: Tally, holds: (values: ReadonlySet<string> | undefined) => boolean) =>
  items.reduce((sum, values) => sum + (holds(values) ? 1 : 0), 0);

const answerKey = (question: string, value: string) => `answer:${question}=${value}`;
const askedKey = (question: string) => `asked:${question}`;
const notAskedKey = (question: string) => `not-asked:${question}`;
const groupKey = (question: string, split: string, value: string) => `asked:${question}|${split}=${value}`;
/** A split table's cell; NOT_ASKED stands for the row or column of people not asked. */
const cellKey = (question: string, row: string, split: string, column: string) =>
  `cell:${question}=${row}|${split}=${column}`;
const NOT_ASKED = "#not-asked";

/** A question's answers add up to the people asked; the people asked and not, to the responses. */
function addSummary(ledger: Ledger, all: number, summary: QuestionSummary, items: Tally): void {
  const id = summary.question;
  const asked = ledger.entry(
    askedKey(id),
    count(items, (values) => values !== undefined),
  );
  const notAsked = ledger.entry(
    notAskedKey(id),
    count(items, (values) => values === undefined),
  );
  ledger.line([asked, notAsked], all);
  const answers = summary.answers.map((answer) =>
    ledger.entry(
      answerKey(id, answer.value),
      count(items, (values) => values?.has(answer.value) ?? false),
    ),
  );
  ledger.line(answers, asked);
}

/**
 * A question by the split question, over all responses: the cells people see, plus a row and a
 * column of people not asked one of the two (never shown, but they follow from what is), so the
 * row margins are the question's answer counts and the column margins the split question's.
 */
function addSplit(
  ledger: Ledger,
  all: number,
  summary: QuestionSummary,
  split: QuestionSummary,
  items: Tally,
  splitItems: Tally,
): void {
  const id = summary.question;
  const rows = [...summary.answers.map((answer) => answer.value), NOT_ASKED];
  const columns = [...split.answers.map((answer) => answer.value), NOT_ASKED];
  const counts = new Map<string, number>();
  items.forEach((values, at) => {
    const inRows = values === undefined ? [NOT_ASKED] : [...values];
    const found = splitItems[at];
    const inColumns = found === undefined ? [NOT_ASKED] : [...found];
    for (const row of inRows) {
      for (const column of inColumns) {
        const key = cellKey(id, row, split.question, column);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  });
  const cell = (row: string, column: string) => {
    const key = cellKey(id, row, split.question, column);
    return ledger.entry(key, counts.get(key) ?? 0);
  };
  const rowMargin = (row: string) => ledger.known(row === NOT_ASKED ? notAskedKey(id) : answerKey(id, row));
  const columnMargin = (column: string) =>
    ledger.known(column === NOT_ASKED ? notAskedKey(split.question) : answerKey(split.question, column));

  for (const row of rows)
    ledger.line(
      columns.map((column) => cell(row, column)),
      rowMargin(row),
    );
  for (const column of columns) {
    if (column === NOT_ASKED) {
      ledger.line(
        rows.map((row) => cell(row, column)),
        columnMargin(column),
      );
      continue;
    }
    // A split group's people asked the question (the base of its percentages), and not asked.
    const asked = ledger.entry(
      groupKey(id, split.question, column),
      count(splitItems, (values) => values?.has(column) ?? false) -
        (counts.get(cellKey(id, NOT_ASKED, split.question, column)) ?? 0),
    );
    const answered = rows.filter((row) => row !== NOT_ASKED).map((row) => cell(row, column));
    ledger.line(answered, asked);
    ledger.line([asked, cell(NOT_ASKED, column)], columnMargin(column));
  }
  ledger.line(rows.map(rowMargin), all);
  ledger.line(columns.map(columnMargin), all);
}

function publishQuestion(
  summary: QuestionSummary,
  group: QuestionGroup,
  split: QuestionSummary | undefined,
  published: (key: string) => PublishedCount,
): ReportQuestion {
  const id = summary.question;
  const total = published(askedKey(id));
  const answers = summary.answers.map((answer) => {
    const shown = published(answerKey(id, answer.value));
    return { value: answer.value, label: answer.label, ...shown, percent: percent(shown, total) };
  });
  const question: ReportQuestion = { ...refOf(summary), group, total, answers };
  if (!split || split.question === id) return question;
  const columns = split.answers.map((answer) => ({
    value: answer.value,
    label: answer.label,
    total: published(groupKey(id, split.question, answer.value)),
  }));
  const rows = summary.answers.map((answer) => ({
    value: answer.value,
    label: answer.label,
    cells: columns.map((column) => {
      const shown = published(cellKey(id, answer.value, split.question, column.value));
      return { ...shown, percent: percent(shown, column.total) };
    }),
  }));
  return { ...question, split: { by: refOf(split), columns, rows } };
}

function refOf(summary: QuestionRef): QuestionRef {
  return { question: summary.question, label: summary.label, kind: summary.kind };
}

/** A share of published counts only, one decimal: it tells nothing the two counts do not. */
function percent(part: PublishedCount, whole: PublishedCount): number | null {
  if (part.count === null || whole.count === null || whole.count === 0) return null;
  return Math.round((part.count / whole.count) * 1000) / 10;
}

// ---------------------------------------------------------------------------------------------
// Free text.

/**
 * Free-text answers (scrubbed when they were taken), newest first. None while fewer than 5
 * responses are shown, and none for a question fewer than 5 people were asked: a question asked
 * only after a rare answer would list as many texts as that answer's hidden count.
 */
function freeTexts(input: ReportInput, inRange: readonly StoredResponse[], responses: PublishedCount) {
  const listed = responses.count !== null && responses.count >= SMALLEST_SHOWN;
  // Responses are kept oldest first; a stable sort keeps that order within a day, reversed.
  const newest = [...inRange].reverse().sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
  const questions = staffQuestions(input.flow, input.texts, inRange)
    .filter((question) => question.kind === "text")
    .map((question): FreeText => {
      const asked = inRange.filter((response) => response.answers[question.id] !== undefined).length;
      const texts =
        listed && asked >= SMALLEST_SHOWN
          ? newest.map((response) => response.answers[question.id]).filter(isGivenText)
          : [];
      return {
        question: question.id,
        label: question.label,
        answers: texts.slice(0, FREE_TEXT_CAP),
        truncated: texts.length > FREE_TEXT_CAP,
      };
    });
  return { listed, questions };
}

function isGivenText(answer: Answer | undefined): answer is string {
  return typeof answer === "string" && answer.trim() !== "";
}
