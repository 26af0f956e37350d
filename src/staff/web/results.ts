import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Context, Hono } from "hono";
import type { Logger } from "pino";
import { type ZodError, z } from "zod";
import type { Flow } from "../../core/flows/compile.js";
import type { RuleBook } from "../../core/rules/rulebook.js";
import type { StaffAudit } from "../audit.js";
import { exportFormatSchema, officeDay } from "../export/export.js";
import { type DateRange, isoDateSchema } from "../export/table.js";
import { buildReport, flowTitle, publishCount, type Report, type SplitChoice, splitChoices } from "../report/report.js";
import type { StaffService } from "../service.js";
import type { StaffEnv } from "./app.js";
import type { Frame } from "./views/layout.js";
import { printPage, problemPage, type ReportQuery, reportPage, resultsIndexPage } from "./views/results.js";

/**
 * Results on the dashboard: choose a flow, dates and a question to split by; read its report
 * (tables and charts); print it on A4 or get it as a PDF made by Chromium from the same page; or
 * download the responses (CSV for Excel, XLSX, JSON). Every view, print and download is in the
 * staff audit log. Query parameters are checked before anything is read: a bad one gets a page
 * that says which, with status 400.
 */
export interface ResultsOptions {
  service: StaffService;
  audit: StaffAudit;
  /** Chromium for the PDF; without it the PDF route says so and the print view still works. */
  chromiumPath: string;
  officeName: string;
  logger: Logger;
  /** The eligibility rules: a screening's benefits by their Spanish titles, in the rules' order. */
  rules?: RuleBook | undefined;
  now?: () => Date;
}

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);
const optionalDate = z.preprocess(emptyAsUndefined, isoDateSchema.optional());
/** A split is a question id or a pseudo-question ("@lng", "@outcome.fonasa"); which ones exist is checked later. */
const splitSchema = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .regex(/^@?[a-z][a-z0-9_.]{0,63}$/)
    .optional(),
);
const inOrder = (range: DateRange) => !range.from || !range.to || range.from <= range.to;
const ORDER_ISSUE = "order";

const reportQuerySchema = z
  .strictObject({ from: optionalDate, to: optionalDate, split: splitSchema })
  .refine(inOrder, { path: ["from"], message: ORDER_ISSUE });
const downloadQuerySchema = z
  .strictObject({
    format: exportFormatSchema,
    from: optionalDate,
    to: optionalDate,
    /** "1": answer codes instead of Spanish labels (for R, Stata, SPSS). */
    codes: z.preprocess(emptyAsUndefined, z.enum(["0", "1"]).optional()),
  })
  .refine(inOrder, { path: ["from"], message: ORDER_ISSUE });

const CONTENT_TYPES = {
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  json: "application/json; charset=utf-8",
} as const;
/** Excel in Chile reads ";" (the decimal separator is a comma); the CSV writer adds the BOM. */
const CSV_DELIMITER = ";";

const stylesheet = readFileSync(fileURLToPath(new URL("./views/staff.css", import.meta.url)), "utf8");

export function resultsRoutes(options: ResultsOptions): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  const { service, audit } = options;
  const today = () => officeDay(options.now?.() ?? new Date());

  app.get("/", async (c) => {
    const choices = await Promise.all(
      service.resultFlows().map(async (flow) => {
        const { responses } = await service.responses(flow.id);
        return {
          id: flow.id,
          title: flowTitle(flow, service.texts),
          responses: publishCount(responses.length),
          questions: splitChoices({ flow, texts: service.texts, responses, rules: options.rules }),
        };
      }),
    );
    return c.html(resultsIndexPage(c.get("frame"), choices));
  });

  app.get("/:flow/download", async (c) => {
    const frame = c.get("frame");
    const flow = resultFlow(service, c.req.param("flow"));
    if (!flow) return notFound(c, frame);
    const parsed = downloadQuerySchema.safeParse(c.req.query());
    if (!parsed.success) return badQuery(c, frame, parsed.error);
    const { format, from, to, codes } = parsed.data;
    // The service records the download in the audit log, under the signed-in name.
    const download = await service.download(
      flow,
      { format, codes: codes === "1", delimiter: CSV_DELIMITER, range: { from, to } },
      c.get("staff").name,
    );
    const body = typeof download.body === "string" ? download.body : new Uint8Array(download.body);
    return c.body(body, 200, {
      "Content-Type": CONTENT_TYPES[format],
      "Content-Disposition": `attachment; filename="${flow.id}-${today()}.${format}"`,
    });
  });

  app.get("/:flow/print", async (c) => {
    const loaded = await loadReport(c, options);
    if (loaded instanceof Response) return loaded;
    await audit.record(c.get("staff").name, "report-printed", auditTarget(loaded.report, "print"));
    return c.html(
      printPage(loaded.frame, loaded.report, { officeName: options.officeName, printedOn: today() }, loaded.query),
    );
  });

  app.get("/:flow/report.pdf", async (c) => {
    const loaded = await loadReport(c, options);
    if (loaded instanceof Response) return loaded;
    const document = await printPage(
      loaded.frame,
      loaded.report,
      { officeName: options.officeName, printedOn: today(), stylesheet },
      loaded.query,
    );
    let pdf: Uint8Array;
    try {
      pdf = await pdfTurns.run(() => renderPdf(options.chromiumPath, String(document)));
    } catch (error) {
      options.logger.error({ err: error, chromium: options.chromiumPath }, "results: the PDF could not be made");
      const { say } = loaded.frame;
      const text = say("results.problems.pdf", { path: options.chromiumPath });
      return c.html(problemPage(loaded.frame, say("results.problems.pdfTitle"), text), 503);
    }
    await audit.record(c.get("staff").name, "report-printed", auditTarget(loaded.report, "pdf"));
    return c.body(new Uint8Array(pdf), 200, {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="${loaded.report.flow.id}-${today()}.pdf"`,
    });
  });

  app.get("/:flow", async (c) => {
    const loaded = await loadReport(c, options);
    if (loaded instanceof Response) return loaded;
    await audit.record(c.get("staff").name, "results-viewed", auditTarget(loaded.report));
    return c.html(reportPage(loaded.frame, loaded.report, loaded.choices, loaded.query));
  });

  return app;
}

interface LoadedReport {
  frame: Frame;
  report: Report;
  choices: SplitChoice[];
  query: ReportQuery;
}

/** The flow of the path and the report its query asks for, or the 404 or 400 page. */
async function loadReport(c: Context<StaffEnv>, options: ResultsOptions): Promise<LoadedReport | Response> {
  const frame = c.get("frame");
  const { service } = options;
  const flow = resultFlow(service, c.req.param("flow") ?? "");
  if (!flow) return notFound(c, frame);
  const parsed = reportQuerySchema.safeParse(c.req.query());
  if (!parsed.success) return badQuery(c, frame, parsed.error);
  const query = parsed.data;
  const { responses, unreadable } = await service.responses(flow.id);
  const input = { flow, texts: service.texts, responses, rules: options.rules };
  const choices = splitChoices(input);
  if (query.split !== undefined && !choices.some((choice) => choice.question === query.split)) {
    return badQuery(c, frame, undefined, ["split"]);
  }
  const report = buildReport({
    ...input,
    range: { from: query.from, to: query.to },
    split: query.split,
    unreadable: unreadable.length,
  });
  return { frame, report, choices, query };
}

/** Only flows with results: a flow that keeps no responses has no report, whatever its id. */
function resultFlow(service: StaffService, id: string): Flow | undefined {
  return service.resultFlows().find((flow) => flow.id === id);
}

function notFound(c: Context<StaffEnv>, frame: Frame) {
  const { say } = frame;
  return c.html(problemPage(frame, say("results.problems.notFoundTitle"), say("results.problems.notFound")), 404);
}

const KNOWN_FIELDS = new Set(["from", "to", "split", "format", "codes"]);

/** Names the parameters that did not fit, in Spanish where they are ours. */
function badQuery(c: Context<StaffEnv>, frame: Frame, error: ZodError | undefined, fields: string[] = []) {
  const { say } = frame;
  const issues = error?.issues ?? [];
  if (issues.some((issue) => issue.message === ORDER_ISSUE)) {
    return c.html(problemPage(frame, say("results.problems.badTitle"), say("results.problems.order")), 400);
  }
  const named = new Set(fields);
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") for (const key of issue.keys) named.add(key);
    else if (typeof issue.path[0] === "string") named.add(issue.path[0]);
  }
  const list = [...named].map((field) => (KNOWN_FIELDS.has(field) ? say(`results.fields.${field}`) : field)).join(", ");
  return c.html(
    problemPage(frame, say("results.problems.badTitle"), say("results.problems.badQuery", { fields: list })),
    400,
  );
}

/** What the audit log says was looked at: the flow, the dates and the split, never any answer. */
function auditTarget(report: Report, what?: "print" | "pdf"): string {
  const { from, to } = report.range;
  return [
    report.flow.id,
    what,
    from || to ? `${from ?? ""}..${to ?? ""}` : undefined,
    report.split ? `split=${report.split.question}` : undefined,
  ]
    .filter(Boolean)
    .join(" ")
    .slice(0, 200);
}

/** Runs one task at a time: a Chromium per PDF is heavy, and a PDF is a rare request. */
class OneAtATime {
  #last: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#last.then(task, task);
    this.#last = next.catch(() => undefined);
    return next;
  }
}

const pdfTurns = new OneAtATime();

/**
 * The print view as an A4 PDF. The page is set as content (it needs nothing from the network: the
 * stylesheet is inline and the charts are SVG), with scripts off and every request refused.
 * playwright-core is loaded only when a PDF is asked for.
 */
async function renderPdf(chromiumPath: string, document: string): Promise<Uint8Array> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.route("**/*", (route) => route.abort());
    await page.setContent(document, { waitUntil: "load" });
    return await page.pdf({ format: "A4", printBackground: true });
  } finally {
    await browser.close();
  }
}
