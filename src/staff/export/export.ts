import { z } from "zod";
import type { Flow } from "../../core/flows/compile.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { StoredResponse } from "../../core/store/responses.js";
import { type CsvDelimiter, toCsv } from "./csv.js";
import { toJson } from "./json.js";
import { buildTable, type DateRange, withinDates } from "./table.js";

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
}

export interface ExportResult {
  body: string | Buffer;
  count: number;
}

/** Filters, tabulates and writes the responses in one format. */
export async function exportResponses(request: ExportRequest): Promise<ExportResult> {
  const { flow, texts, format, range } = request;
  const responses = withinDates(request.responses, range);
  const table = buildTable(flow, texts, responses, request.codes ? "codes" : "labels", request.responses);
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
