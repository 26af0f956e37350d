import { z } from "zod";
import type { Flow } from "../../core/flows/compile.js";
import type { Answer } from "../../core/flows/schema.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { StoredResponse } from "../../core/store/responses.js";
import {
  type AnswerWords,
  answerWords,
  asList,
  optionLabel,
  type StaffQuestion,
  staffQuestions,
} from "../questions.js";
import type { ColumnRole, RoledTable } from "./privacy.js";

/**
 * Responses as a table staff can open: one row per response, fixed columns first, then one column
 * per question (one per option for multiple choice). Every format writes this same table, so CSV,
 * XLSX and JSON never disagree.
 */

/** A value in the table: null is "not asked" (an empty cell), never "prefer not to say". */
export const cellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type Cell = z.infer<typeof cellSchema>;

export const exportColumnSchema = z.object({ id: z.string(), header: z.string() });
export type ExportColumn = z.infer<typeof exportColumnSchema>;

export interface ExportTable {
  columns: ExportColumn[];
  /** Each row lists one cell per column, in column order. */
  rows: Cell[][];
}

/** Codes are for statistics software; labels for people reading the sheet. */
export const valueModeSchema = z.enum(["labels", "codes"]);
export type ValueMode = z.infer<typeof valueModeSchema>;

/** What `--codes` writes for "prefer not to say": the usual missing-value marker of R and Stata users. */
export const SKIPPED_CODE = "NA";

interface ColumnSpec extends ExportColumn {
  role: ColumnRole;
  /** A number's bands, written instead of the number in coarse rows. */
  bands?: StaffQuestion["bands"];
  /** For a multiple choice's option column: its question. */
  group?: { question: string; header: string };
  value(response: StoredResponse): Cell;
}

const META_COLUMNS: ColumnSpec[] = [
  { id: "id", header: "id", role: "id", value: (response) => response.id },
  { id: "date", header: "date", role: "day", value: (response) => response.date },
  { id: "version", header: "version", role: "version", value: (response) => response.version },
  { id: "language", header: "language", role: "category", value: (response) => response.lng },
  { id: "channel", header: "channel", role: "category", value: (response) => response.channel },
];

/**
 * `everything` names the columns: all stored responses, so that exports of different periods share
 * one layout and can be put together; `responses` fill the rows.
 */
export function buildTable(
  flow: Flow,
  texts: Texts,
  responses: readonly StoredResponse[],
  mode: ValueMode,
  everything: readonly StoredResponse[] = responses,
): RoledTable {
  const words = answerWords(texts);
  const specs = [
    ...META_COLUMNS,
    ...staffQuestions(flow, texts, everything).flatMap((question) => questionColumns(question, mode, words)),
    ...outcomeColumns(texts, everything, mode),
  ];
  const columns = withUniqueIds(specs);
  return {
    columns: columns.map(({ id, header }) => ({ id, header })),
    rows: responses.map((response) => columns.map((column) => column.value(response))),
    roles: columns.map((column) => column.role),
    bands: columns.map((column) => column.bands),
    groups: columns.map((column) => column.group),
  };
}

/** A screening's outcomes: one column per benefit that any response has, its outcome or empty. */
function outcomeColumns(texts: Texts, everything: readonly StoredResponse[], mode: ValueMode): ColumnSpec[] {
  const benefits = [...new Set(everything.flatMap((response) => Object.keys(response.outcomes ?? {})))].sort();
  return benefits.map((benefit) => ({
    id: `outcome.${benefit}`,
    header: `resultado: ${benefit}`,
    role: "category" as const,
    value: (response) => {
      const outcome = response.outcomes?.[benefit];
      if (!outcome) return null;
      return mode === "codes" ? outcome : texts.t("es", `rules:outcome.${outcome}`);
    },
  }));
}

function questionColumns(question: StaffQuestion, mode: ValueMode, words: AnswerWords): ColumnSpec[] {
  if (question.kind === "multichoice") {
    return question.options.map((option) => {
      const id = `${question.id}.${option.id}`;
      return {
        id,
        header: `${question.label}: ${option.label} (${id})`,
        role: "option" as const,
        group: { question: question.id, header: question.label },
        value: (response) => optionCell(response.answers[question.id], option.id, mode, words),
      };
    });
  }
  return [
    {
      id: question.id,
      header: question.label === question.id ? question.id : `${question.label} (${question.id})`,
      role: question.kind === "text" ? "text" : "category",
      value: (response) => answerCell(question, response.answers[question.id], mode, words),
      ...(question.bands ? { bands: question.bands } : {}),
    },
  ];
}

/** One option of a multiple choice: ticked or not, or the whole question skipped or not asked. */
function optionCell(answer: Answer | undefined, optionId: string, mode: ValueMode, words: AnswerWords): Cell {
  if (answer === undefined) return null;
  if (answer === null) return mode === "codes" ? SKIPPED_CODE : words.skipped;
  const ticked = asList(answer).includes(optionId);
  if (mode === "codes") return ticked ? 1 : 0;
  return ticked ? words.yes : "";
}

function answerCell(question: StaffQuestion, answer: Answer | undefined, mode: ValueMode, words: AnswerWords): Cell {
  if (answer === undefined) return null;
  if (answer === null) return mode === "codes" ? SKIPPED_CODE : words.skipped;
  if (typeof answer === "number") return answer;
  if (typeof answer === "boolean") return mode === "codes" ? answer : answer ? words.yes : words.no;
  // A list where the current flow asks one choice: the question changed kind between versions.
  if (Array.isArray(answer)) return answer.map((id) => optionCode(question, id, mode)).join(", ");
  return optionCode(question, answer, mode);
}

/** An option's Spanish label (or its id with codes); free text stays exactly as stored. */
function optionCode(question: StaffQuestion, value: string, mode: ValueMode): string {
  if (question.kind === "text" || mode === "codes") return value;
  return optionLabel(question, value);
}

/**
 * A question may share an id with a fixed column ("date", "language"); its column then takes a
 * suffix, so no JSON key or header silently overwrites another.
 */
function withUniqueIds(specs: ColumnSpec[]): ColumnSpec[] {
  const taken = new Set<string>();
  return specs.map((spec) => {
    let id = spec.id;
    for (let n = 2; taken.has(id); n++) id = `${spec.id}_${n}`;
    taken.add(id);
    return id === spec.id ? spec : { ...spec, id, header: spec.header.replace(`(${spec.id})`, `(${id})`) };
  });
}

/** A calendar day as written on the command line and in responses: YYYY-MM-DD, a real date. */
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "must be a date written YYYY-MM-DD" })
  .refine(isRealDay, { message: "is not a real date" });

/** Submission days to export, both included; either end may be open. */
export const dateRangeSchema = z.object({ from: isoDateSchema.optional(), to: isoDateSchema.optional() });
export type DateRange = z.infer<typeof dateRangeSchema>;

/** 2024-02-30 matches the pattern; only a day that survives a round trip through Date is real. */
function isRealDay(value: string): boolean {
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(value);
}

/** Responses submitted between the two days, both included; ISO dates compare as strings. */
export function withinDates(responses: readonly StoredResponse[], range: DateRange): StoredResponse[] {
  return responses.filter(
    (response) => (!range.from || response.date >= range.from) && (!range.to || response.date <= range.to),
  );
}
