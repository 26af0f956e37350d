import { z } from "zod";
import type { Flow } from "../../core/flows/compile.js";
import type { Answer } from "../../core/flows/schema.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { StoredResponse } from "../../core/store/responses.js";
import { answerWords, optionLabel, questionKindSchema, type StaffQuestion, staffQuestions } from "../questions.js";
import { display, type HiddenReason, type Line, suppress } from "./suppression.js";

/**
 * The numbers of the printable report: per question, how many people gave each answer; and one
 * question broken down by another. Every count goes through small-cell suppression before it
 * leaves this module, and a hidden count is never returned, so no report can print it by mistake.
 */

/** A count as it may be published: `count` is null when hidden; `display` is what to print. */
export const publishedCountSchema = z.object({
  count: z.number().int().min(0).nullable(),
  display: z.string(),
});
export type PublishedCount = z.infer<typeof publishedCountSchema>;

/** One possible answer: an option id, "yes"/"no", a number, or "skipped" ("prefer not to say"). */
export const answerCountSchema = publishedCountSchema.extend({
  value: z.string(),
  label: z.string(),
  /** Share of the people asked, one decimal; null when the count or the total is hidden. */
  percent: z.number().nullable(),
});
export type AnswerCount = z.infer<typeof answerCountSchema>;

export const questionRefSchema = z.object({ question: z.string(), label: z.string(), kind: questionKindSchema });
export type QuestionRef = z.infer<typeof questionRefSchema>;

export const questionSummarySchema = questionRefSchema.extend({
  /** People who were asked (answered or skipped). A multiple choice's answers add up to more. */
  total: publishedCountSchema,
  answers: z.array(answerCountSchema),
});
export type QuestionSummary = z.infer<typeof questionSummarySchema>;

export const crossTabSchema = z.object({
  row: questionRefSchema,
  column: questionRefSchema,
  /** People asked both questions. */
  total: publishedCountSchema,
  columns: z.array(z.object({ value: z.string(), label: z.string(), total: publishedCountSchema })),
  rows: z.array(
    z.object({
      value: z.string(),
      label: z.string(),
      total: publishedCountSchema,
      /** One per column; `percent` is the share of the row's people. */
      cells: z.array(answerCountSchema.omit({ value: true, label: true })),
    }),
  ),
});
export type CrossTab = z.infer<typeof crossTabSchema>;

export interface SummarySource {
  flow: Flow;
  texts: Texts;
  responses: readonly StoredResponse[];
}

/** The value standing for "prefer not to say", counted as an answer of its own. */
export const SKIPPED = "skipped";

interface Category {
  value: string;
  label: string;
}

/**
 * Counts and percentages per answer for every question that can be tabulated. Free text is left
 * out: a comment is not a category, and a rare one can name its author.
 */
export function summarize(source: SummarySource): QuestionSummary[] {
  return tabulable(source).map((question) => summarizeQuestion(source, question));
}

function summarizeQuestion(source: SummarySource, question: StaffQuestion): QuestionSummary {
  const asked = source.responses.filter((response) => response.answers[question.id] !== undefined);
  const categories = categoriesOf(source, question, asked);
  const counts = categories.map(
    (category) =>
      asked.filter((response) => valuesOf(question, response.answers[question.id]).includes(category.value)).length,
  );
  // One line: the answers and the number of people asked, stored last.
  const totalAt = counts.length;
  const hidden = suppress([...counts, asked.length], [{ cells: counts.map((_, at) => at), total: totalAt }]);
  const total = publish(asked.length, hidden[totalAt] ?? null);
  return {
    ...refOf(question),
    total,
    answers: categories.map((category, at) => {
      const count = publish(counts[at] ?? 0, hidden[at] ?? null);
      return { ...category, ...count, percent: percent(count, total) };
    }),
  };
}

/**
 * One question broken down by another (rows by columns), among the people asked both. A multiple
 * choice on either side counts each ticked option, so a person can be in several cells; a row's or
 * column's total counts people.
 */
export function crossTab(source: SummarySource, rowQuestion: string, columnQuestion: string): CrossTab {
  const row = findQuestion(source, rowQuestion);
  const column = findQuestion(source, columnQuestion);
  const asked = source.responses.filter(
    (response) => response.answers[row.id] !== undefined && response.answers[column.id] !== undefined,
  );
  const rows = categoriesOf(source, row, asked);
  const columns = categoriesOf(source, column, asked);
  const grid = new CrossGrid(rows.length, columns.length);
  for (const response of asked) {
    grid.add(
      positions(rows, valuesOf(row, response.answers[row.id])),
      positions(columns, valuesOf(column, response.answers[column.id])),
    );
  }
  const hidden = suppress(grid.counts, grid.lines());
  const shown = (index: number) => publish(grid.counts[index] ?? 0, hidden[index] ?? null);
  return {
    row: refOf(row),
    column: refOf(column),
    total: shown(grid.grandAt),
    columns: columns.map((category, c) => ({ ...category, total: shown(grid.columnTotalAt(c)) })),
    rows: rows.map((category, r) => {
      const total = shown(grid.rowTotalAt(r));
      const cells = columns.map((_, c) => {
        const cell = shown(grid.cellAt(r, c));
        return { ...cell, percent: percent(cell, total) };
      });
      return { ...category, total, cells };
    }),
  };
}

/**
 * Counts of a cross table and its margins in one flat list, as suppression wants them: the cells
 * row by row, then the row totals, the column totals and the grand total.
 */
class CrossGrid {
  readonly counts: number[];

  constructor(
    readonly rowCount: number,
    readonly columnCount: number,
  ) {
    this.counts = new Array<number>(rowCount * columnCount + rowCount + columnCount + 1).fill(0);
  }

  cellAt(r: number, c: number): number {
    return r * this.columnCount + c;
  }
  rowTotalAt(r: number): number {
    return this.rowCount * this.columnCount + r;
  }
  columnTotalAt(c: number): number {
    return this.rowCount * this.columnCount + this.rowCount + c;
  }
  get grandAt(): number {
    return this.counts.length - 1;
  }

  /** One person: every (row, column) pair they fall in, and each of their rows and columns once. */
  add(rows: number[], columns: number[]): void {
    for (const r of new Set(rows)) {
      this.#increment(this.rowTotalAt(r));
      for (const c of new Set(columns)) this.#increment(this.cellAt(r, c));
    }
    for (const c of new Set(columns)) this.#increment(this.columnTotalAt(c));
    this.#increment(this.grandAt);
  }

  #increment(index: number): void {
    this.counts[index] = (this.counts[index] ?? 0) + 1;
  }

  lines(): Line[] {
    const range = (n: number) => Array.from({ length: n }, (_, at) => at);
    const rows = range(this.rowCount);
    const columns = range(this.columnCount);
    return [
      ...rows.map((r) => ({ cells: columns.map((c) => this.cellAt(r, c)), total: this.rowTotalAt(r) })),
      ...columns.map((c) => ({ cells: rows.map((r) => this.cellAt(r, c)), total: this.columnTotalAt(c) })),
      { cells: rows.map((r) => this.rowTotalAt(r)), total: this.grandAt },
      { cells: columns.map((c) => this.columnTotalAt(c)), total: this.grandAt },
    ];
  }
}

function tabulable(source: SummarySource): StaffQuestion[] {
  return staffQuestions(source.flow, source.texts, source.responses).filter((question) => question.kind !== "text");
}

function findQuestion(source: SummarySource, id: string): StaffQuestion {
  const question = staffQuestions(source.flow, source.texts, source.responses).find((q) => q.id === id);
  if (!question) throw new Error(`No question "${id}" in flow "${source.flow.id}" or its responses`);
  if (question.kind === "text") throw new Error(`"${id}" is free text, which is never tabulated`);
  return question;
}

function refOf(question: StaffQuestion): QuestionRef {
  return { question: question.id, label: question.label, kind: question.kind };
}

/**
 * The possible answers in a fixed order: options as the flow lists them, yes before no, numbers
 * ascending, "prefer not to say" last (only where it was offered or used).
 */
function categoriesOf(source: SummarySource, question: StaffQuestion, asked: readonly StoredResponse[]): Category[] {
  const words = answerWords(source.texts);
  const skipped = question.skippable ? [{ value: SKIPPED, label: words.skipped }] : [];
  if (question.kind === "yesno") {
    return [{ value: "yes", label: words.yes }, { value: "no", label: words.no }, ...skipped];
  }
  if (question.kind === "number") {
    const numbers = new Set(
      asked.map((response) => response.answers[question.id]).filter((v) => typeof v === "number"),
    );
    const sorted = [...numbers].sort((a, b) => a - b).map((n) => ({ value: String(n), label: String(n) }));
    return [...sorted, ...skipped];
  }
  return [
    ...question.options.map((option) => ({ value: option.id, label: optionLabel(question, option.id) })),
    ...skipped,
  ];
}

/** Where values sit among the categories; a value no category holds (a kind changed) is left out. */
function positions(categories: readonly Category[], values: readonly string[]): number[] {
  return values.map((value) => categories.findIndex((category) => category.value === value)).filter((at) => at >= 0);
}

/** The category values one stored answer falls in. */
function valuesOf(question: StaffQuestion, answer: Answer | undefined): string[] {
  if (answer === undefined) return [];
  if (answer === null) return [SKIPPED];
  if (typeof answer === "boolean") return [answer ? "yes" : "no"];
  if (typeof answer === "number") return [String(answer)];
  if (Array.isArray(answer)) return answer;
  return question.kind === "text" ? [] : [answer];
}

function publish(count: number, reason: HiddenReason | null): PublishedCount {
  return { count: reason === null ? count : null, display: display(count, reason) };
}

function percent(part: PublishedCount, whole: PublishedCount): number | null {
  if (part.count === null || whole.count === null || whole.count === 0) return null;
  return Math.round((part.count / whole.count) * 1000) / 10;
}
