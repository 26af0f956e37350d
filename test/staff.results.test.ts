import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { Hono } from "hono";
import { extractText, getDocumentProxy } from "unpdf";
import { beforeAll, describe, expect, it } from "vitest";
import { compileFlows } from "../src/core/flows/compile.js";
import type { Answers } from "../src/core/flows/schema.js";
import { createTexts, readLocales } from "../src/core/i18n/texts.js";
import { loadRules } from "../src/core/rules/rulebook.js";
import { MemoryAuditLog } from "../src/core/store/memory/audit.js";
import { MemoryResponseStore } from "../src/core/store/memory/responses.js";
import type { StoredResponse } from "../src/core/store/responses.js";
import { StaffAudit } from "../src/staff/audit.js";
import { officeDay } from "../src/staff/export/export.js";
import { StaffService } from "../src/staff/service.js";
import type { StaffEnv } from "../src/staff/web/app.js";
import { type ResultsOptions, resultsRoutes } from "../src/staff/web/results.js";
import type { Say } from "../src/staff/web/views/layout.js";
import { capturingLogger, quiet } from "./support/puente.js";

/**
 * Results on the dashboard, mounted alone in a bare Hono app with a signed-in "ana": real flows,
 * texts and rules, responses submitted to the memory store, downloads read back with independent
 * readers (csv-parse, exceljs, JSON.parse), and the PDF made by the real Chromium and read with
 * unpdf.
 */

const CHROMIUM = "/usr/bin/chromium";
const OFFICE = "Oficina de Migrantes y Refugiados de Prueba";
const texts = createTexts(readLocales("locales"));
const flows = compileFlows("flows", texts);
const rules = loadRules("rules", flows, texts);
const say: Say = (key, values) => texts.t("es", `staff:web.${key}`, values);
const term: Say = (key, values) => texts.t("es", `staff:${key}`, values);
const consultaTitle = texts.t("es", "consulta:title");
/** The report's own title: the flow's, without the emoji the chat shows before it. */
const REPORT_TITLE = "Encuesta para personas migrantes";

function response(flow: string, date: string, answers: Answers, extra: Partial<StoredResponse> = {}): StoredResponse {
  return { id: randomUUID(), flow, version: 1, lng: "es", channel: "telegram", date, answers, ...extra };
}

/** 40 consultation responses over two months, and 3 mediation requests (a small flow). */
const consulta: StoredResponse[] = [
  ...Array.from({ length: 18 }, (_, at) =>
    response("consulta", `2026-10-${String(1 + (at % 28)).padStart(2, "0")}`, {
      consent: true,
      age_band: "a18_29",
      nationality: "venezuela",
      gender: "woman",
      household_size: 3,
      household_minors: 1,
      needs: ["work", "papers"],
      discrimination: false,
      comment: at === 0 ? 'Necesito ayuda con =HYPERLINK("x")' : null,
    }),
  ),
  ...Array.from({ length: 15 }, (_, at) =>
    response(
      "consulta",
      `2026-11-${String(1 + (at % 28)).padStart(2, "0")}`,
      { consent: true, age_band: "a30_44", nationality: "haiti", gender: "man", household_size: 1, needs: ["work"] },
      { lng: "ht", channel: "whatsapp" },
    ),
  ),
  ...Array.from({ length: 7 }, (_, at) =>
    response("consulta", `2026-11-${String(10 + at).padStart(2, "0")}`, {
      consent: true,
      age_band: "a45_59",
      nationality: null,
      gender: null,
      household_size: null,
      needs: null,
      discrimination: true,
      comment: `Comentario ${at}; con "comillas" y ñ`,
    }),
  ),
];
const mediacion: StoredResponse[] = Array.from({ length: 3 }, () =>
  response("mediacion", "2026-11-20", {
    danger: false,
    about: "neighbours",
    language: "ht",
    workshop: true,
    consent: false,
  }),
);

/** 12 screenings: 7 told they can ask for FONASA, 5 with no result for it. */
const ayuda: StoredResponse[] = Array.from({ length: 12 }, (_, at) =>
  response(
    "ayuda",
    "2026-11-05",
    {
      needs: ["health"],
      situation: "temporary",
      run: "yes",
      household: ["alone"],
      rsh: "t40",
      health: at < 7 ? "none" : "fonasa",
    },
    at < 7 ? { outcomes: { fonasa: "likely" } } : {},
  ),
);

let store: MemoryResponseStore;
let auditLog: StaffAudit;
let app: Hono;

function mount(overrides: Partial<ResultsOptions> = {}): Hono {
  const service = new StaffService({ flows, texts, responses: store, audit: auditLog });
  const root = new Hono<StaffEnv>();
  root.use("*", async (c, next) => {
    const staff = { name: "ana", csrf: "t" };
    c.set("staff", staff);
    c.set("frame", { say, term, base: "/staff", staff });
    await next();
  });
  root.route(
    "/staff/results",
    resultsRoutes({
      service,
      audit: auditLog,
      chromiumPath: CHROMIUM,
      officeName: OFFICE,
      logger: quiet,
      rules,
      ...overrides,
    }),
  );
  return root as unknown as Hono;
}

beforeAll(async () => {
  store = new MemoryResponseStore();
  for (const one of [...consulta, ...mediacion, ...ayuda]) await store.submit(one, randomUUID());
  auditLog = new StaffAudit(new MemoryAuditLog());
  app = mount();
});

const get = (path: string) => app.request(`/staff/results${path}`);
async function page(path: string, status = 200): Promise<string> {
  const res = await get(path);
  const body = await res.text();
  expect(res.status, body.slice(0, 2000)).toBe(status);
  return body;
}
/** Markup the dashboard's CSP would block: it must have none. */
function expectNoInlineCode(body: string) {
  expect(body).not.toMatch(/<script/i);
  expect(body).not.toMatch(/\sstyle=/i);
}
/** Text as Hono's html helper writes it into a page. */
const escaped = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const lastAudit = async () => (await auditLog.latest(1))[0];

describe("the results pages", () => {
  it("lists the flows with results, each with dates and a split to choose", async () => {
    const body = await page("");
    expect(body).toContain(`<h2>${REPORT_TITLE}</h2>`);
    expect(body).toContain("<h2>Pedir un mediador o mediadora</h2>");
    expect(body).not.toContain("Demostración");
    expect(body).not.toContain("Hablar con una persona");
    expect(body).toContain('action="/staff/results/consulta"');
    expect(body).toContain('type="date" id="from-consulta" name="from"');
    expect(body).toContain('<option value="gender">Género</option>');
    expect(body).toContain('<option value="@lng">Idioma de la persona</option>');
    expect(body).toContain(say("results.responses", { count: 40 }));
    // Three mediation requests: their number is not published.
    expect(body).toContain(escaped(say("results.responses", { count: "<5" })));
    expectNoInlineCode(body);
  });

  it("shows a flow's counts, percentages and charts, and logs the view", async () => {
    const body = await page("/consulta");
    expect(body).toContain(`<h1>${REPORT_TITLE}</h1>`);
    expect(body).toContain(say("results.responses", { count: 40 }));
    // Gender: 18 women (45 %), 15 men (37,5 %), 7 who preferred not to say.
    expect(body).toMatch(/<th scope="row">Mujer<\/th><td class="number">18<\/td><td class="number">45 %<\/td>/);
    expect(body).toMatch(/<th scope="row">Hombre<\/th><td class="number">15<\/td><td class="number">37,5 %<\/td>/);
    expect(body).toContain('<svg class="chart" role="img"');
    expect(body).toMatch(/<desc id="[^"]+">Mujer: 18 \(45 %\); Hombre: 15 \(37,5 %\); Otro \/ diverso: 0 \(0 %\); /);
    expect(body).toContain("Idioma de la persona");
    expect(body).toContain("Necesito ayuda con =HYPERLINK(&quot;x&quot;)");
    expect(body).toContain('href="/staff/results/consulta/download?format=csv"');
    expect(body).toContain('href="/staff/results/consulta/report.pdf"');
    expectNoInlineCode(body);
    expect(await lastAudit()).toMatchObject({ by: "ana", action: "results-viewed", target: "consulta" });
  });

  it("splits every question by the chosen one", async () => {
    const body = await page("/consulta?from=2026-10-01&to=2026-11-30&split=gender");
    expect(body).toContain(say("results.splitBy", { question: "Género" }));
    expect(body).toContain('<option value="gender" selected>Género</option>');
    expect(body).toContain("Mujer (n = 18)");
    expect(body).toContain("Hombre (n = 15)");
    // Nationality by gender: every woman is Venezuelan, every man Haitian.
    expect(body).toMatch(
      /<th scope="row">Venezuela<\/th><td class="number">18 \(45 %\)<\/td><td class="number">18 \(100 %\)<\/td><td class="number">0 \(0 %\)<\/td>/,
    );
    expect(await lastAudit()).toMatchObject({
      action: "results-viewed",
      target: "consulta 2026-10-01..2026-11-30 split=gender",
    });
  });

  it("shows a screening's outcomes in one table, and splits by one", async () => {
    const body = await page("/ayuda");
    expect(body).toContain(`<h2 class="group">${say("results.groups.outcome")}</h2>`);
    expect(body).toContain(say("results.outcomes.title"));
    expect(body).toMatch(
      /<th scope="row">Inscripción en FONASA<\/th><td class="number">7 \(58,3 %\)<\/td><td class="number">0 \(0 %\)<\/td><td class="number">0 \(0 %\)<\/td><td class="number">5 \(41,7 %\)<\/td><td class="number">12<\/td>/,
    );
    expect(body).toContain(`<optgroup label="${say("results.groups.outcome")}"><option value="@outcome.`);
    const split = await page("/ayuda?split=%40outcome.fonasa");
    expect(split).toContain(say("results.splitBy", { question: "Inscripción en FONASA" }));
    expect(split).toContain("Puedes pedirlo (n = 7)");
    // Health by the FONASA outcome: the 7 without health insurance are the 7 told they can ask.
    expect(split).toMatch(
      /<th scope="row">No tengo<\/th><td class="number">7 \(58,3 %\)<\/td><td class="number">7 \(100 %\)<\/td>/,
    );
  });

  it("applies the date range", async () => {
    const body = await page("/consulta?from=2026-11-01");
    expect(body).toContain(say("results.rangeFrom", { from: "2026-11-01" }));
    expect(body).toContain(say("results.responses", { count: 22 }));
  });

  it("shows <5 and nothing to recompute for a flow with 3 responses", async () => {
    const body = await page("/mediacion");
    expect(body).toContain(escaped(say("results.responses", { count: "<5" })));
    const cells = [...body.matchAll(/<td class="number">([^<]*)<\/td>/g)].map((match) => match[1]);
    expect(cells.length).toBeGreaterThan(0);
    for (const cell of cells) expect(["&lt;5", "x", "0", ""]).toContain(cell);
    expect(body).not.toMatch(/>\s*3\s*</);
  });

  it("has an A4 print view with the office, the flow, the dates and the day printed", async () => {
    const body = await page("/consulta/print?from=2026-10-01&split=%40lng");
    expect(body).toContain(`<p class="office">${OFFICE}</p>`);
    expect(body).toContain(`<h1>${REPORT_TITLE}</h1>`);
    expect(body).toContain(say("results.rangeFrom", { from: "2026-10-01" }));
    expect(body).toContain(say("results.print.printed", { date: officeDay() }));
    expect(body).toContain('<link rel="stylesheet" href="/staff/staff.css">');
    expect(body).not.toContain('class="top"');
    expectNoInlineCode(body);
    const css = readFileSync("src/staff/web/views/staff.css", "utf8");
    expect(css).toMatch(/@page\s*\{[^}]*size:\s*A4/);
    expect(await lastAudit()).toMatchObject({
      action: "report-printed",
      target: "consulta print 2026-10-01.. split=@lng",
    });
  });
});

describe("downloads", () => {
  const stored = [...consulta].sort((a, b) => a.id.localeCompare(b.id));

  async function download(query: string) {
    const res = await get(`/consulta/download?${query}`);
    expect(res.status).toBe(200);
    return res;
  }

  it("gives a CSV for Excel that reads back as the stored responses", async () => {
    const res = await download("format=csv&codes=1");
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="consulta-${officeDay()}.csv"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(Buffer.from(bytes), { bom: true, delimiter: ";", columns: true }) as Record<string, string>[];
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect([...byId.keys()].sort()).toEqual(stored.map((one) => one.id));
    // Downloads are coarse: the month, and a value fewer than five rows hold as "other".
    const held = (column: string, value: string) => rows.filter((row) => row[column] === value).length;
    const sameOrOther = (column: string, value: string, given: string | undefined) => {
      if (given === "other") return;
      expect(given, column).toBe(value);
      expect(held(column, value), column).toBeGreaterThanOrEqual(5);
    };
    expect(Object.keys(rows[0] ?? {})).not.toContain("date");
    for (const one of stored) {
      const row = byId.get(one.id) ?? {};
      expect(row.month).toBe(one.date.slice(0, 7));
      sameOrOther("language", one.lng, row.language);
      sameOrOther("channel", one.channel, row.channel);
      const gender = Object.keys(row).find((header) => header.endsWith("(gender)")) ?? "gender";
      sameOrOther(gender, one.answers.gender === null ? "NA" : String(one.answers.gender), row[gender]);
      const work = Object.keys(row).find((header) => header.endsWith("(needs.work)")) ?? "needs.work";
      const needs = one.answers.needs;
      expect(row[work]).toBe(needs === null ? "NA" : Array.isArray(needs) && needs.includes("work") ? "1" : "0");
      const comment = Object.keys(row).find((header) => header.endsWith("(comment)")) ?? "comment";
      const expected = one.answers.comment;
      // A text starting like a formula gets an apostrophe; the rest is as typed.
      expect(row[comment]).toBe(typeof expected === "string" ? expected : expected === null ? "NA" : "");
    }
    expect(await lastAudit()).toMatchObject({ by: "ana", action: "results-downloaded", target: "consulta csv" });
  });

  it("gives JSON that reads back as the stored responses", async () => {
    const res = await download("format=json&codes=1&from=2026-11-01&to=2026-11-30");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="consulta-${officeDay()}.json"`);
    const records = JSON.parse(await res.text()) as Record<string, unknown>[];
    const expected = consulta.filter((one) => one.date >= "2026-11-01" && one.date <= "2026-11-30");
    expect(records.map((record) => record.id).sort()).toEqual(expected.map((one) => one.id).sort());
    // Coarse rows: a value is itself only where at least five rows hold it, else "other"; a rare
    // option is in "<question>._other".
    const held = (key: string, value: unknown) => records.filter((record) => record[key] === value).length;
    for (const one of expected) {
      const record = records.find((candidate) => candidate.id === one.id) ?? {};
      expect(record).toMatchObject({ month: one.date.slice(0, 7), version: 1 });
      expect(record).not.toHaveProperty("date");
      for (const [question, answer] of Object.entries(one.answers)) {
        const options = Object.keys(record).filter((key) => key.startsWith(`${question}.`));
        if (Array.isArray(answer))
          for (const option of answer) expect(record[`${question}.${option}`] ?? record[`${question}._other`]).toBe(1);
        // A skipped multiple choice: every option's column says so.
        else if (answer === null && options.length > 0) for (const key of options) expect(record[key]).toBe("NA");
        else if (typeof answer === "string" && question === "comment") expect(record[question]).toBe(answer);
        // A household count of version 1 is written in its band ("1", "3-4"), never as the number.
        else if (typeof answer === "number") expect(typeof record[question]).toBe("string");
        else if (record[question] !== "other") {
          expect(record[question]).toEqual(answer === null ? "NA" : answer);
          expect(held(question, record[question])).toBeGreaterThanOrEqual(5);
        }
      }
    }
    expect(await lastAudit()).toMatchObject({
      action: "results-downloaded",
      target: "consulta json 2026-11-01..2026-11-30",
    });
  });

  it("gives an XLSX workbook with every response, in Spanish labels", async () => {
    const res = await download("format=xlsx");
    expect(res.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await res.arrayBuffer());
    const sheet = workbook.getWorksheet("Respuestas");
    if (!sheet) throw new Error("no data sheet");
    const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    const idAt = header.indexOf("id") + 1;
    const genderAt = header.findIndex((name) => name.endsWith("(gender)")) + 1;
    const rows = Array.from({ length: sheet.rowCount - 1 }, (_, at) => sheet.getRow(at + 2));
    expect(rows.map((row) => String(row.getCell(idAt).value)).sort()).toEqual(stored.map((one) => one.id));
    const labels: Record<string, string> = { woman: "Mujer", man: "Hombre" };
    for (const row of rows) {
      const one = consulta.find((candidate) => candidate.id === String(row.getCell(idAt).value));
      const gender = one?.answers.gender;
      expect(row.getCell(genderAt).value).toBe(typeof gender === "string" ? labels[gender] : "Prefiero no decir");
    }
  });
});

describe("the PDF", () => {
  it("is the print view made by Chromium, with its text", async () => {
    const started = performance.now();
    const res = await get("/consulta/report.pdf?split=gender");
    const took = Math.round(performance.now() - started);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="consulta-${officeDay()}.pdf"`);
    const pdf = new Uint8Array(await res.arrayBuffer());
    const size = pdf.length;
    expect(new TextDecoder().decode(pdf.slice(0, 5))).toBe("%PDF-");
    // pdf.js takes the bytes over: the size is read before.
    const document = await getDocumentProxy(pdf);
    const { text, totalPages } = await extractText(document, { mergePages: true });
    const flat = text.replace(/\s+/g, " ");
    console.info(`PDF: ${size} bytes, ${totalPages} pages, ${took} ms`);
    expect(flat).toContain(OFFICE);
    expect(flat).toContain(REPORT_TITLE);
    expect(consultaTitle).toContain(REPORT_TITLE);
    expect(flat).toContain(say("results.print.printed", { date: officeDay() }));
    expect(flat).toContain(say("results.splitBy", { question: "Género" }));
    expect(flat).toContain("Mujer (n = 18)");
    expect(flat).toContain("Idioma de la persona");
    expect(flat).toContain('Comentario 6; con "comillas" y ñ');
    // The hint to press Ctrl+P is for the screen only.
    expect(flat).not.toContain(say("results.print.hint"));
    expect(await lastAudit()).toMatchObject({ action: "report-printed", target: "consulta pdf split=gender" });
  });

  it("says so in Spanish when Chromium is missing, and logs it", async () => {
    const { logger, lines } = capturingLogger();
    const broken = mount({ chromiumPath: "/nonexistent/chromium", logger });
    const res = await broken.request("/staff/results/consulta/report.pdf");
    const body = await res.text();
    expect(res.status).toBe(503);
    expect(body).toContain(say("results.problems.pdfTitle"));
    expect(body).toContain("/nonexistent/chromium");
    expect(body).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(lines.some((line) => line.includes("the PDF could not be made"))).toBe(true);
  });
});

describe("bad requests", () => {
  it.each([
    ["/consulta?from=2026-13-01", "Desde"],
    ["/consulta?to=yesterday", "Hasta"],
    ["/consulta?split=nope", "Desglosar por"],
    ["/consulta?split=comment", "Desglosar por"],
    ["/consulta?split=%3Cscript%3E", "Desglosar por"],
    ["/consulta?colour=red", "colour"],
    ["/consulta/print?from=2026-02-30", "Desde"],
    ["/consulta/download?format=pdf", "formato"],
    ["/consulta/download", "formato"],
    ["/consulta/download?format=csv&codes=yes", "códigos"],
  ])("%s gets a 400 page naming the parameter", async (path, field) => {
    const body = await page(path, 400);
    expect(body).toContain(say("results.problems.badTitle"));
    expect(body).toContain(field);
    expect(body).not.toMatch(/ZodError|\bat .*\.(ts|js):\d+/);
    expect(body).not.toContain("<script>");
  });

  it("refuses dates in the wrong order", async () => {
    const body = await page("/consulta?from=2026-11-30&to=2026-10-01", 400);
    expect(body).toContain(say("results.problems.order"));
  });

  it.each(["/nope", "/demo", "/demo/download?format=csv", "/nope/report.pdf"])("%s is not found", async (path) => {
    const body = await page(path, 404);
    expect(body).toContain(say("results.problems.notFound"));
  });
});
