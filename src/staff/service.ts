import type { Flow } from "../core/flows/compile.js";
import type { Texts } from "../core/i18n/texts.js";
import type { ResponseListing, ResponseStore } from "../core/store/responses.js";
import type { StaffAudit } from "./audit.js";
import type { CsvDelimiter } from "./export/csv.js";
import { type ExportFormat, type ExportResult, exportResponses, officeDay } from "./export/export.js";
import type { DateRange } from "./export/table.js";

/**
 * The staff side's one way to the anonymous results, used by `npm run export` and the dashboard
 * alike: which flows have results, their responses, and downloads in every format (recorded in
 * the staff audit log when someone is named).
 */
export interface StaffServiceOptions {
  flows: ReadonlyMap<string, Flow>;
  texts: Texts;
  responses: ResponseStore;
  /** Where downloads are recorded; the command line has none (the shell's history is its record). */
  audit?: StaffAudit;
  now?: () => Date;
}

export interface DownloadRequest {
  format: ExportFormat;
  /** Answer codes instead of Spanish labels. */
  codes: boolean;
  delimiter: CsvDelimiter;
  range: DateRange;
}

export interface Download extends ExportResult {
  /** Ids of stored entries that could not be read and were left out. */
  unreadable: string[];
}

export class StaffService {
  constructor(private readonly options: StaffServiceOptions) {}

  /** Flows whose responses are kept anonymously: the ones with results, in menu order. */
  resultFlows(): Flow[] {
    return [...this.options.flows.values()]
      .filter((flow) => flow.submission === "anonymous" || flow.countAnonymously)
      .sort((a, b) => a.menuOrder - b.menuOrder);
  }

  flow(id: string): Flow | undefined {
    return this.options.flows.get(id);
  }

  get texts(): Texts {
    return this.options.texts;
  }

  responses(flowId: string): Promise<ResponseListing> {
    return this.options.responses.list(flowId);
  }

  /** A flow's responses in one format; `by` names who downloaded it, for the audit log. */
  async download(flow: Flow, request: DownloadRequest, by?: string): Promise<Download> {
    const { responses, unreadable } = await this.responses(flow.id);
    const result = await exportResponses({
      flow,
      texts: this.options.texts,
      responses,
      format: request.format,
      codes: request.codes,
      delimiter: request.delimiter,
      range: request.range,
      exportedOn: officeDay(this.options.now?.() ?? new Date()),
      // Rows that cannot point at one family: there is no way to ask for exact ones.
      privacy: "coarse",
    });
    if (by && this.options.audit) {
      const dates = [request.range.from, request.range.to].filter(Boolean).join("..");
      await this.options.audit.record(
        by,
        "results-downloaded",
        `${flow.id} ${request.format}${dates ? ` ${dates}` : ""}`,
      );
    }
    return { ...result, unreadable };
  }
}
