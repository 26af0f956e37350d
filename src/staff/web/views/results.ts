import { html, raw } from "hono/html";
import type { ExportFormat } from "../../export/export.js";
import type { DateRange } from "../../export/table.js";
import type { QuestionGroup, Report, ReportQuestion, SplitChoice } from "../../report/report.js";
import type { PublishedCount } from "../../report/summary.js";
import { barChart, type ChartBar, groupedBarChart } from "./charts.js";
import { type Frame, type Markup, notice, page } from "./layout.js";

/**
 * The results pages: choosing a flow, its report (tables with charts, split by a question), and
 * the A4 print view that the PDF is made from. Numbers come suppressed from the report; a hidden
 * one is printed as its mark and never drawn.
 */

/** A flow on the results index: what it is called, how many responded, what it can be split by. */
export interface FlowChoice {
  id: string;
  title: string;
  responses: PublishedCount;
  questions: SplitChoice[];
}

/** What the report's own form shows chosen. */
export interface ReportQuery extends DateRange {
  split?: string | undefined;
}

export interface PrintMeta {
  officeName: string;
  /** The office's day, YYYY-MM-DD. */
  printedOn: string;
  /** The stylesheet itself, for the PDF (rendered with no server to fetch it from). */
  stylesheet?: string;
}

const GROUPS: readonly QuestionGroup[] = ["flow", "person", "outcome"];
const NUMBER = new Intl.NumberFormat("es-CL", { maximumFractionDigits: 1 });

export function resultsIndexPage(frame: Frame, flows: readonly FlowChoice[]): Markup {
  const { say, base } = frame;
  const body =
    flows.length === 0
      ? html`<p>${say("results.none")}</p>`
      : flows.map(
          (flow) => html`<section class="result-flow">
<h2>${flow.title}</h2>
<p>${say("results.responses", { count: shown(flow.responses) })}</p>
<form method="get" action="${base}/results/${flow.id}" class="filters">
  ${dateFields(frame, flow.id, {})}
  ${splitField(frame, flow.id, flow.questions, undefined)}
  <button type="submit">${say("results.show")}</button>
</form>
</section>`,
        );
  return page(frame, say("results.title"), html`<p class="hint">${say("results.intro")}</p>${body}`, "results");
}

export function reportPage(frame: Frame, report: Report, choices: readonly SplitChoice[], query: ReportQuery): Markup {
  const { say, base } = frame;
  const flowPath = `${base}/results/${report.flow.id}`;
  const dates = { from: query.from, to: query.to };
  const form = html`<form method="get" action="${flowPath}" class="filters">
  ${dateFields(frame, report.flow.id, query)}
  ${splitField(frame, report.flow.id, choices, query.split)}
  <button type="submit">${say("results.show")}</button>
</form>`;
  const link = (path: string, label: string, params: Record<string, string | undefined>) =>
    html`<li><a href="${flowPath}/${path}${search(params)}">${label}</a></li>`;
  const download = (format: ExportFormat, label: string, codes = false) =>
    link("download", label, { format, ...dates, ...(codes ? { codes: "1" } : {}) });
  const downloads = html`<section class="downloads" aria-labelledby="downloads-title">
<h2 id="downloads-title">${say("results.downloads.title")}</h2>
<ul class="download-links">
  ${link("print", say("results.downloads.print"), { ...dates, split: query.split })}
  ${link("report.pdf", say("results.downloads.pdf"), { ...dates, split: query.split })}
  ${download("csv", say("results.downloads.csv"))}
  ${download("csv", say("results.downloads.csvCodes"), true)}
  ${download("xlsx", say("results.downloads.xlsx"))}
  ${download("json", say("results.downloads.json"))}
</ul>
<p class="hint">${say("results.downloads.hint")}</p>
</section>`;
  return page(
    frame,
    report.flow.title,
    html`<p><a href="${base}/results">${say("results.back")}</a></p>
${summaryLine(frame, report)}
${form}
${downloads}
${reportBody(frame, report)}`,
    "results",
  );
}

/** A standalone A4 document: no navigation, the office's name, what it covers and when it was printed. */
export function printPage(frame: Frame, report: Report, meta: PrintMeta, query: ReportQuery): Markup {
  const { say, base } = frame;
  const style = meta.stylesheet
    ? html`<style>${raw(meta.stylesheet)}</style>`
    : html`<link rel="stylesheet" href="${base}/staff.css">`;
  const back = `${base}/results/${report.flow.id}${search({ from: query.from, to: query.to, split: query.split })}`;
  return html`<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${report.flow.title} · ${meta.officeName}</title>
${style}
</head>
<body class="print-view">
<main id="main">
<p class="screen-only hint">${say("results.print.hint")} <a href="${back}">${say("results.print.back")}</a></p>
<header class="print-head">
<p class="office">${meta.officeName}</p>
<h1>${report.flow.title}</h1>
<p>${rangeText(frame, report.range)} · ${say("results.responses", { count: shown(report.responses) })}${
    report.split ? html` · ${say("results.splitBy", { question: report.split.label })}` : ""
  }</p>
<p class="hint">${say("results.print.printed", { date: meta.printedOn })}</p>
</header>
${reportBody(frame, report)}
</main>
</body>
</html>`;
}

/** A refusal or failure in words, with the way back; never a stack trace. */
export function problemPage(frame: Frame, title: string, text: string): Markup {
  const { say, base } = frame;
  return page(
    frame,
    title,
    html`${notice(text, "problem")}<p><a href="${base}/results">${say("results.back")}</a></p>`,
    "results",
  );
}

function summaryLine(frame: Frame, report: Report): Markup {
  const { say } = frame;
  const parts = [rangeText(frame, report.range), say("results.responses", { count: shown(report.responses) })];
  if (report.split) parts.push(say("results.splitBy", { question: report.split.label }));
  return html`<p class="report-summary">${parts.join(" · ")}</p>`;
}

function reportBody(frame: Frame, report: Report): Markup {
  const { say } = frame;
  if (report.responses.count === 0) return html`<p>${say("results.emptyRange")}</p>`;
  const sections = GROUPS.map((group) => {
    const questions = report.questions.filter((question) => question.group === group);
    if (questions.length === 0) return "";
    const body =
      group === "outcome" && !report.split
        ? outcomeOverview(frame, questions, `chart-${group}`)
        : questions.map((question, at) => questionSection(frame, question, `chart-${group}-${at}`));
    return html`<h2 class="group">${say(`results.groups.${group}`)}</h2>
${body}`;
  });
  const unreadable =
    report.unreadable > 0 ? notice(say("results.unreadable", { count: report.unreadable }), "problem") : "";
  return html`${unreadable}<p class="hint legend">${say("results.legend")}</p>
${sections}
${freeTextSection(frame, report)}`;
}

function questionSection(frame: Frame, question: ReportQuestion, chartId: string): Markup {
  const { say } = frame;
  const asked = html`<p class="hint">${say("results.table.asked", { count: shown(question.total) })}</p>`;
  return html`<section class="question">
<h3>${question.label}</h3>
${asked}
${chartOf(frame, question, chartId)}
<div class="table-wrap">${question.split ? splitTable(frame, question) : summaryTable(frame, question)}</div>
</section>`;
}

/** No chart for a question nobody was asked: a column of zeros says nothing a table does not. */
function chartOf(frame: Frame, question: ReportQuestion, chartId: string): Markup | string {
  if (question.total.count === 0) return "";
  if (question.split) return splitChart(frame, question, chartId);
  return barChart(chartId, question.label, summaryBars(frame, question));
}

/**
 * A screening's outcomes in one table, a benefit a row and an outcome a column, and a chart of
 * the first outcome ("you can ask for it") per benefit: twenty benefits as twenty tables would
 * fill pages with "no result".
 */
function outcomeOverview(frame: Frame, questions: readonly ReportQuestion[], chartId: string): Markup {
  const { say } = frame;
  const outcomes = questions[0]?.answers ?? [];
  const first = outcomes[0];
  const bars = questions.map((question): ChartBar => {
    const answer = question.answers[0];
    return {
      label: question.label,
      value: answer?.count ?? null,
      text: answer ? withPercent(frame, answer, answer.percent) : "",
    };
  });
  const caption = first ? say("results.outcomes.chart", { outcome: first.label }) : "";
  const chart = first ? html`<p class="hint">${caption}</p>${barChart(chartId, caption, bars)}` : "";
  return html`<section class="question">
<h3>${say("results.outcomes.title")}</h3>
${chart}
<div class="table-wrap"><table class="results">
<thead><tr><th scope="col">${say("results.outcomes.benefit")}</th>${outcomes.map(
    (outcome) => html`<th scope="col" class="number">${outcome.label}</th>`,
  )}<th scope="col" class="number">${say("results.table.total")}</th></tr></thead>
<tbody>${questions.map(
    (question) =>
      html`<tr><th scope="row">${question.label}</th>${question.answers.map(
        (answer) => html`<td class="number">${withPercent(frame, answer, answer.percent)}</td>`,
      )}<td class="number">${shown(question.total)}</td></tr>`,
  )}</tbody>
</table></div>
</section>`;
}

function summaryBars(frame: Frame, question: ReportQuestion): ChartBar[] {
  return question.answers.map((answer) => ({
    label: answer.label,
    value: answer.count,
    text: withPercent(frame, answer, answer.percent),
  }));
}

function summaryTable(frame: Frame, question: ReportQuestion): Markup {
  const { say } = frame;
  return html`<table class="results">
<thead><tr><th scope="col">${say("results.table.answer")}</th><th scope="col" class="number">${say("results.table.count")}</th><th scope="col" class="number">${say("results.table.percent")}</th></tr></thead>
<tbody>${question.answers.map(
    (answer) =>
      html`<tr><th scope="row">${answer.label}</th><td class="number">${shown(answer)}</td><td class="number">${percentText(frame, answer.percent)}</td></tr>`,
  )}</tbody>
<tfoot><tr><th scope="row">${say("results.table.total")}</th><td class="number">${shown(question.total)}</td><td></td></tr></tfoot>
</table>`;
}

/**
 * The question's answers down, the whole and then each split group across: each group's cells
 * with their share of the group's people asked.
 */
function splitTable(frame: Frame, question: ReportQuestion): Markup {
  const { say } = frame;
  const split = question.split;
  if (!split) return html``;
  const header = split.columns.map(
    (column) =>
      html`<th scope="col" class="number">${say("results.table.group", { label: column.label, count: shown(column.total) })}</th>`,
  );
  const rows = question.answers.map((answer, at) => {
    const cells = split.rows[at]?.cells ?? [];
    return html`<tr><th scope="row">${answer.label}</th><td class="number">${withPercent(frame, answer, answer.percent)}</td>${cells.map(
      (cell) => html`<td class="number">${withPercent(frame, cell, cell.percent)}</td>`,
    )}</tr>`;
  });
  return html`<p class="hint">${say("results.splitNote", { question: split.by.label })}</p>
<table class="results split">
<thead><tr><th scope="col">${say("results.table.answer")}</th><th scope="col" class="number">${say("results.table.group", { label: say("results.table.total"), count: shown(question.total) })}</th>${header}</tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

/**
 * Bars per answer, one per split group. Answers nobody gave and groups nobody is in are left to
 * the table: a wall of empty bars would only make the printout longer.
 */
function splitChart(frame: Frame, question: ReportQuestion, chartId: string): Markup {
  const split = question.split;
  if (!split) return html``;
  const columns = split.columns.map((column, at) => ({ column, at })).filter(({ column }) => column.total.count !== 0);
  const groups = question.answers.flatMap((answer, row) => {
    if (answer.count === 0) return [];
    const bars = columns.map(({ column, at }): ChartBar => {
      const cell = split.rows[row]?.cells[at];
      return {
        label: column.label,
        value: cell?.percent ?? null,
        text: cell ? withPercent(frame, cell, cell.percent) : "",
      };
    });
    return [{ label: answer.label, bars }];
  });
  return groupedBarChart(chartId, `${question.label} · ${split.by.label}`, groups);
}

function freeTextSection(frame: Frame, report: Report): Markup {
  const { say } = frame;
  if (report.freeText.questions.length === 0) return html``;
  const body = report.freeText.listed
    ? report.freeText.questions.map((question) => {
        const list =
          question.answers.length > 0
            ? html`<ul class="free-text">${question.answers.map((text) => html`<li>${text}</li>`)}</ul>`
            : "";
        const why =
          question.answers.length === 0
            ? html`<p class="hint">${say("results.freeText.fewAsked")}</p>`
            : question.truncated
              ? html`<p class="hint">${say("results.freeText.truncated", { count: question.answers.length })}</p>`
              : "";
        return html`<section class="question"><h3>${question.label}</h3>${why}${list}</section>`;
      })
    : html`<p class="hint">${say("results.freeText.hidden")}</p>`;
  return html`<h2 class="group">${say("results.freeText.title")}</h2>${body}`;
}

function dateFields(frame: Frame, flowId: string, range: DateRange): Markup {
  const { say } = frame;
  return html`<div><label for="from-${flowId}">${say("results.from")}</label>
  <input type="date" id="from-${flowId}" name="from" value="${range.from ?? ""}"></div>
  <div><label for="to-${flowId}">${say("results.to")}</label>
  <input type="date" id="to-${flowId}" name="to" value="${range.to ?? ""}"></div>`;
}

/** The questions to split by, in optgroups: the flow's, facts about the people, the outcomes. */
function splitField(frame: Frame, flowId: string, questions: readonly SplitChoice[], chosen: string | undefined) {
  const { say } = frame;
  const option = (value: string, label: string) =>
    html`<option value="${value}"${value === (chosen ?? "") ? html` selected` : ""}>${label}</option>`;
  const groups = GROUPS.map((group) => {
    const mine = questions.filter((question) => question.group === group);
    if (mine.length === 0) return "";
    return html`<optgroup label="${say(`results.groups.${group}`)}">${mine.map((question) =>
      option(question.question, question.label),
    )}</optgroup>`;
  });
  return html`<div><label for="split-${flowId}">${say("results.split")}</label>
  <select id="split-${flowId}" name="split">${option("", say("results.noSplit"))}${groups}</select></div>`;
}

function rangeText(frame: Frame, range: DateRange): string {
  const { say } = frame;
  if (range.from && range.to) return say("results.range", { from: range.from, to: range.to });
  if (range.from) return say("results.rangeFrom", { from: range.from });
  if (range.to) return say("results.rangeTo", { to: range.to });
  return say("results.allDates");
}

/** A published count as printed: the number, or its mark when hidden. */
function shown(count: PublishedCount): string {
  return count.count === null ? count.display : NUMBER.format(count.count);
}

function percentText(frame: Frame, percent: number | null): string {
  return percent === null ? "" : frame.say("results.percent", { value: NUMBER.format(percent) });
}

/** "12 (40 %)", or the count alone when no share can be given, or its mark when hidden. */
function withPercent(frame: Frame, count: PublishedCount, percent: number | null): string {
  const share = percentText(frame, percent);
  return share ? `${shown(count)} (${share})` : shown(count);
}

/** A query string of the values that are set. */
export function search(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "") query.set(key, value);
  const text = query.toString();
  return text ? `?${text}` : "";
}
