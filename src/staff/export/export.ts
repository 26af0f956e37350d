import { z } from "zod";
import type { Flow } from "../../core/flows/compile.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { StoredResponse } from "../../core/store/responses.js";
import { answerWords } from "../questions.js";
import { type CsvDelimiter, toCsv } from "./csv.js";
import { toJson } from "./json.js";
import { type CoarseWords, coarsen, type RowPrivacy } from "./privacy.js";
import { buildTable, type DateRange, type ValueMode, withinDates } from "./table.js";

export const exportFormatSchema = z.enum(["csv", "xlsx", "json"]);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

export interface ExportRequest {
  flow: Flow;
  texts: Texts;
  /** Every stored response of the flow, all versions; the date range is applied here. */
  responses: readonly StoredResponse[];
  format: ExportFormat;
  codes: boolean;
  delimiter: CsvDelimiter;
  range: DateRange;
  /** The export's own date, YYYY-MM-DD, for the XLSX "Acerca de" sheet. */
  exportedOn: string;
  /** `coarse` for every download staff make (see privacy.ts); `exact` only to test the writers. */
  privacy: RowPrivacy;
}

export interface ExportResult {
  body: string | Buffer;
  count: number;
}

/** Filters, tabulates and writes the responses in one format. */
export async function exportResponses(request: ExportRequest): Promise<ExportResult> {
  const { flow, texts, format, range } = request;
  const responses = withinDates(request.responses, range);
  const mode = request.codes ? "codes" : "labels";
  const built = buildTable(flow, texts, responses, mode, request.responses);
  const table = request.privacy === "coarse" ? coarsen(built, coarseWords(texts, mode)) : built;
  const count = responses.length;
  if (format === "csv") return { body: toCsv(table, request.delimiter), count };
  if (format === "json") return { body: toJson(table), count };
  const versions = [...new Set(responses.map((response) => response.version))].sort((a, b) => a - b);
  const about = {
    flow: flow.id,
    currentVersion: flow.version,
    versions,
    exportedOn: request.exportedOn,
    count,
    from: range.from,
    to: range.to,
    codes: request.codes,
  };
  // exceljs is large: loaded only when a workbook is asked for, so CSV and JSON start quickly.
  const { toXlsx } = await import("./xlsx.js");
  return { body: await toXlsx(table, about), count };
}

/** Today in the office's time zone, the same calendar responses are dated in. */
const OFFICE_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Santiago" });

export function officeDay(at: Date = new Date()): string {
  return OFFICE_DAY.format(at);
}

/** How merged rare values are written: Spanish words for people, plain codes for software. */
function coarseWords(texts: Texts, mode: ValueMode): CoarseWords {
  const staff = (key: string, values?: Record<string, string>) => texts.t("es", `staff:export.${key}`, values);
  if (mode === "codes")
    return { other: "other", otherOptions: (question) => `${question}: other`, ticked: 1, unticked: 0 };
  return {
    other: staff("other"),
    otherOptions: (question) => staff("otherOptions", { question }),
    ticked: answerWords(texts).yes,
    unticked: "",
  };
}
