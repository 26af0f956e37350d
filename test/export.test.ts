import { execFile, execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFlows, type Flow } from "../src/core/flows/compile.js";
import type { Answers } from "../src/core/flows/schema.js";
import { createTexts, readLocales } from "../src/core/i18n/texts.js";
import { closeRedis, openRedis, type RedisClient } from "../src/core/store/redis/client.js";
import { RedisResponseStore } from "../src/core/store/redis/responses.js";
import type { StoredResponse } from "../src/core/store/responses.js";
import { csvCell } from "../src/staff/export/csv.js";
import { type ExportRequest, exportResponses } from "../src/staff/export/export.js";
import { buildTable } from "../src/staff/export/table.js";
import { unreadableLine } from "../src/staff/export/unreadable.js";
import { dropPrefix, REDIS_URL, TEST_SECRET, testPrefix } from "./support/puente.js";

/**
 * The export, end to end on a real Redis: responses of two versions of the demo flow are submitted
 * through the store, exported in every format, read back with independent readers and compared
 * with what was submitted. Version 1 asked "region" (gone in version 2); version 2 added "comment".
 */

const texts = createTexts(readLocales("locales"));
const es = JSON.parse(readFileSync("locales/es/demo.json", "utf8")) as {
  country: { options: Record<string, string> };
  needs: { options: Record<string, string> };
};
const SKIPPED_TEXT = "Prefiero no decir";
const NEEDS = ["health", "housing", "work", "school", "papers"];

/** The demo flow as version 2, in a folder of its own so no other flow file can break the test. */
const flowsDir = mkdtempSync(join(tmpdir(), "puente-export-flows-"));
writeFileSync(
  join(flowsDir, "demo.yaml"),
  readFileSync("flows/demo.yaml", "utf8").replace(/^version: \d+$/m, "version: 2"),
);
const flow = compileFlows(flowsDir, texts).get("demo") as Flow;

function response(date: string, version: number, answers: Answers, lng: StoredResponse["lng"] = "es"): StoredResponse {
  return { id: randomUUID(), flow: "demo", version, lng, channel: "telegram", date, answers };
}

const submitted: StoredResponse[] = [
  response("2025-03-01", 1, {
    consent: true,
    country: "peru",
    age: 34,
    children: false,
    needs: ["health", "work"],
    region: "norte",
  }),
  response(
    "2025-03-02",
    1,
    { consent: true, country: "haiti", age: null, children: true, children_count: 3, needs: null, region: "sur" },
    "ht",
  ),
  response("2025-03-10", 2, {
    consent: true,
    country: "other",
    country_other: "Bolivia",
    age: 52,
    children: false,
    needs: ["housing"],
    comment: 'Necesito ayuda con el carné; mi "arriendo" subió.\nGracias, señora Peña',
  }),
  response(
    "2025-03-15",
    2,
    { consent: true, country: null, age: 19, children: false, needs: ["papers", "school"], comment: null },
    "fr",
  ),
  response("2025-03-20", 2, {
    consent: true,
    country: "venezuela",
    age: 41,
    children: true,
    children_count: 1,
    needs: ["health"],
    comment: '=HYPERLINK("http://example.org")',
  }),
];

const prefix = testPrefix("export");
let redis: RedisClient;
let stored: StoredResponse[];

beforeAll(async () => {
  redis = openRedis(REDIS_URL);
  const store = new RedisResponseStore(redis, prefix);
  for (const one of submitted) expect(await store.submit(one, `participant-${randomUUID()}`)).toBe("stored");
  stored = (await store.list("demo")).responses;
});

afterAll(async () => {
  await closeRedis(redis);
  await dropPrefix(prefix);
});

function request(overrides: Partial<ExportRequest> = {}): ExportRequest {
  return {
    flow,
    texts,
    responses: stored,
    format: "csv",
    codes: false,
    delimiter: ";",
    range: {},
    exportedOn: "2025-04-01",
    // The writers are tested on exact values; what downloads do to them is test/export.privacy.test.ts.
    privacy: "exact",
    ...overrides,
  };
}

async function exportJson(overrides: Partial<ExportRequest> = {}): Promise<Array<Record<string, unknown>>> {
  const { body } = await exportResponses(request({ format: "json", ...overrides }));
  return JSON.parse(String(body));
}

const EXPECTED_HEADERS = [
  "id",
  "date",
  "version",
  "language",
  "channel",
  "Probar (consent)",
  "País (country)",
  "Otro país (country_other)",
  "Edad (age)",
  "Hijos (children)",
  "Cuántos hijos (children_count)",
  ...NEEDS.map((need) => `Necesidades: ${es.needs.options[need]} (needs.${need})`),
  "Comentario (comment)",
  "region",
];

/** What a response should read as with Spanish labels: the test's own reading of locales/es. */
function expectedLabels(one: StoredResponse): Record<string, string | number | null> {
  const a = one.answers;
  const label = (value: unknown, yesNo = false) => {
    if (value === undefined) return null;
    if (value === null) return SKIPPED_TEXT;
    if (yesNo) return value ? "Sí" : "No";
    return value as string | number;
  };
  const needs = Object.fromEntries(
    NEEDS.map((need) => [
      `needs.${need}`,
      a.needs === undefined ? null : a.needs === null ? SKIPPED_TEXT : (a.needs as string[]).includes(need) ? "Sí" : "",
    ]),
  );
  return {
    id: one.id,
    date: one.date,
    version: one.version,
    language: one.lng,
    channel: one.channel,
    consent: label(a.consent, true),
    country: typeof a.country === "string" ? (es.country.options[a.country] ?? null) : label(a.country),
    country_other: label(a.country_other),
    age: label(a.age),
    children: label(a.children, true),
    children_count: label(a.children_count),
    ...needs,
    comment: label(a.comment),
    region: label(a.region),
  };
}

describe("export: what was submitted comes back", () => {
  it("reads the responses back from Redis as they were submitted", () => {
    expect(stored).toEqual(submitted);
  });

  it("JSON: one object per response keyed by column id, Spanish labels, empty where not asked", async () => {
    const rows = await exportJson();
    expect(rows).toEqual(submitted.map(expectedLabels));
    expect(rows[0]).toMatchObject({
      comment: null,
      region: "norte",
      age: 34,
      "needs.health": "Sí",
      "needs.housing": "",
    });
    expect(rows[2]).toMatchObject({ region: null, country: "Otro país", country_other: "Bolivia" });
    expect(rows[1]).toMatchObject({ age: SKIPPED_TEXT, "needs.work": SKIPPED_TEXT, children_count: 3 });
  });

  it("CSV: UTF-8 with a BOM, ';' by default, accents, quotes and line breaks survive", async () => {
    const { body, count } = await exportResponses(request());
    expect(count).toBe(submitted.length);
    const bytes = Buffer.from(body);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parse(bytes, { bom: true, delimiter: ";" }) as string[][];
    expect(header).toEqual(EXPECTED_HEADERS);
    expect(rows).toEqual(submitted.map((one) => Object.values(expectedLabels(one)).map((value) => csvCell(value))));
    expect(rows[2]?.[EXPECTED_HEADERS.indexOf("Comentario (comment)")]).toBe(submitted[2]?.answers.comment);
    expect(rows[0]?.[EXPECTED_HEADERS.indexOf("País (country)")]).toBe("Perú");
  });

  it("CSV: a text Excel would run as a formula is defused, and only in CSV", async () => {
    const { body } = await exportResponses(request());
    const rows = parse(Buffer.from(body), { bom: true, delimiter: ";", from_line: 2 }) as string[][];
    const comment = EXPECTED_HEADERS.indexOf("Comentario (comment)");
    expect(rows[4]?.[comment]).toBe(`'${submitted[4]?.answers.comment}`);
    expect((await exportJson())[4]?.comment).toBe(submitted[4]?.answers.comment);
  });

  it("CSV: ',' when asked", async () => {
    const { body } = await exportResponses(request({ delimiter: "," }));
    const text = String(body);
    expect(text.split("\r\n")[0]).toBe(
      `\uFEFF${EXPECTED_HEADERS.map((h) => (h.includes(",") ? `"${h}"` : h)).join(",")}`,
    );
    const [header, ...rows] = parse(text, { bom: true, delimiter: "," }) as string[][];
    expect(header).toEqual(EXPECTED_HEADERS);
    expect(rows).toHaveLength(submitted.length);
  });

  it("--codes: option ids, true/false, NA for skipped, 1/0 per option", async () => {
    const rows = await exportJson({ codes: true });
    expect(rows[0]).toMatchObject({
      consent: true,
      country: "peru",
      age: 34,
      children: false,
      "needs.health": 1,
      "needs.housing": 0,
      "needs.work": 1,
      region: "norte",
      comment: null,
    });
    expect(rows[1]).toMatchObject({ age: "NA", "needs.health": "NA", "needs.papers": "NA", children_count: 3 });
    expect(rows[3]).toMatchObject({ country: "NA", comment: "NA", "needs.school": 1, "needs.papers": 1 });
    const { body } = await exportResponses(request({ codes: true }));
    const [, first] = parse(Buffer.from(body), { bom: true, delimiter: ";" }) as string[][];
    expect(first?.slice(5, 11)).toEqual(["true", "peru", "", "34", "false", ""]);
  });

  it("filters by submission date, both ends included", async () => {
    const dates = async (range: ExportRequest["range"]) => (await exportJson({ range })).map((row) => row.date);
    expect(await dates({ from: "2025-03-02", to: "2025-03-15" })).toEqual(["2025-03-02", "2025-03-10", "2025-03-15"]);
    expect(await dates({ from: "2025-03-15" })).toEqual(["2025-03-15", "2025-03-20"]);
    expect(await dates({ to: "2025-03-01" })).toEqual(["2025-03-01"]);
    expect(await dates({ from: "2025-04-01" })).toEqual([]);
  });

  it("XLSX: a real workbook with a bold frozen header, numbers as numbers and an 'Acerca de' sheet", async () => {
    const { body } = await exportResponses(request({ format: "xlsx", range: { from: "2025-03-01" } }));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(body) as unknown as ArrayBuffer);
    const [data, about] = workbook.worksheets;
    if (!data || !about) throw new Error("the workbook needs two sheets");
    expect(about.name).toBe("Acerca de");

    const values = (row: ExcelJS.Row) =>
      EXPECTED_HEADERS.map((_, at) => {
        const value = row.getCell(at + 1).value;
        return value === null || value === undefined ? null : value;
      });
    expect(values(data.getRow(1))).toEqual(EXPECTED_HEADERS);
    expect(data.getRow(1).font?.bold).toBe(true);
    expect(data.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    const expected = submitted.map((one) => Object.values(expectedLabels(one)));
    expect(submitted.map((_, at) => values(data.getRow(at + 2)))).toEqual(expected);
    expect(data.getRow(2).getCell(EXPECTED_HEADERS.indexOf("Edad (age)") + 1).type).toBe(ExcelJS.ValueType.Number);
    expect(data.getRow(6).getCell(EXPECTED_HEADERS.indexOf("Comentario (comment)") + 1).type).toBe(
      ExcelJS.ValueType.String,
    );

    const facts = Object.fromEntries(
      about.getSheetValues().flatMap((row) => (Array.isArray(row) ? [[String(row[1]), row[2]]] : [])),
    );
    expect(facts).toMatchObject({
      "Consulta (flujo)": "demo",
      "Versión actual del flujo": 2,
      "Versiones en los datos": "1, 2",
      "Fecha de exportación": "2025-04-01",
      Respuestas: 5,
      Desde: "2025-03-01",
    });
    expect(String(facts.Nota)).toMatch(/anónimos/);
  });
});

// Each case starts Node with tsx, a few seconds on a busy machine.
describe("export command", { timeout: 90_000 }, () => {
  const execFileAsync = promisify(execFile);
  const outDir = mkdtempSync(join(tmpdir(), "puente-export-out-"));
  const { REDIS_URL: _inherited, ...withoutRedis } = process.env;
  const baseEnv = { ...withoutRedis, FLOWS_DIR: flowsDir, LOCALES_DIR: "locales", LOG_LEVEL: "silent" };
  const env = { ...baseEnv, REDIS_URL, REDIS_PREFIX: prefix, ANON_SECRET: TEST_SECRET };

  async function run(args: string[], environment: NodeJS.ProcessEnv = env) {
    try {
      const { stdout, stderr } = await execFileAsync("node", ["--import", "tsx", "src/cli/export.ts", ...args], {
        env: environment,
        encoding: "buffer",
      });
      return { code: 0, stdout, stderr: stderr.toString() };
    } catch (error) {
      const failed = error as { code: number; stdout: Buffer; stderr: Buffer };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr.toString() };
    }
  }

  it("writes CSV to stdout and says on stderr, in one line, how many responses it exported", async () => {
    const { code, stdout, stderr } = await run(["demo", "--format", "csv", "--from", "2025-03-10", "--codes"]);
    expect(code).toBe(0);
    expect(stderr.trim().split("\n")).toEqual([`Exported 3 responses of "demo" as CSV.`]);
    const [header, ...rows] = parse(stdout, { bom: true, delimiter: ";" }) as string[][];
    // What staff download is coarse: the month, never the day; 3 rows, so every rare value merged.
    expect(header?.slice(0, 5)).toEqual(["id", "month", "version", "language", "channel"]);
    expect(rows.map((row) => row[0])).toEqual(submitted.slice(2).map((one) => one.id));
    expect(rows.map((row) => row[1])).toEqual(["2025-03", "2025-03", "2025-03"]);
    expect(stdout.toString()).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(rows.map((row) => row[3])).toEqual(["other", "other", "other"]);
  });

  it("writes XLSX to --out", async () => {
    const out = join(outDir, "demo.xlsx");
    const { code, stderr } = await run(["demo", "--format", "xlsx", "--out", out]);
    expect(code).toBe(0);
    expect(stderr).toContain(`Exported 5 responses of "demo" as XLSX to ${out}.`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    expect(workbook.getWorksheet("Acerca de")).toBeDefined();
    expect(workbook.worksheets[0]?.rowCount).toBe(6);
  });

  it("needs no ANON_SECRET: it reads anonymous responses and hashes nothing", async () => {
    const { ANON_SECRET: _secret, ...withoutSecret } = env;
    const { code, stdout, stderr } = await run(["demo", "--format", "json"], withoutSecret);
    expect(stderr.trim().split("\n")).toEqual([`Exported 5 responses of "demo" as JSON.`]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout.toString()).map((row: { id: string }) => row.id)).toEqual(submitted.map((one) => one.id));
  });

  it("leaves out entries it cannot read and names them by stream id in one line, never by content", async () => {
    const own = testPrefix("export-corrupt");
    try {
      const store = new RedisResponseStore(redis, own);
      const stream = `${own}:r:{demo}`;
      const good = [
        response("2025-03-01", 2, { consent: true, age: 30 }),
        response("2025-03-02", 2, { consent: true, age: 31 }),
        response("2025-03-03", 2, { consent: true, age: 32 }),
      ];
      const day = (date: string) => String(Date.parse(`${date}T00:00:00Z`));
      expect(await store.submit(good[0] as StoredResponse, "p0")).toBe("stored");
      const bad = [
        // Broken JSON, a missing field, and a response that does not fit the schema.
        await redis.xadd(stream, `${day("2025-03-01")}-7`, "response", '{"id": "SECRET-BROKEN", "answ'),
        await redis.xadd(stream, `${day("2025-03-01")}-8`, "other", JSON.stringify(good[1])),
        await redis.xadd(
          stream,
          `${day("2025-03-01")}-9`,
          "response",
          JSON.stringify({ ...good[1], id: randomUUID(), lng: "de", answers: { comment: "SECRET-CONTENT" } }),
        ),
      ];
      expect(await store.submit(good[1] as StoredResponse, "p1")).toBe("stored");
      expect(await store.submit(good[2] as StoredResponse, "p2")).toBe("stored");

      const { ANON_SECRET: _secret, ...withoutSecret } = env;
      const { code, stdout, stderr } = await run(["demo", "--format", "json"], { ...withoutSecret, REDIS_PREFIX: own });
      expect(code).toBe(0);
      expect(JSON.parse(stdout.toString()).map((row: { id: string }) => row.id)).toEqual(good.map((one) => one.id));
      expect(stderr.trim().split("\n")).toEqual([
        `Exported 3 responses of "demo" as JSON.`,
        `3 entries could not be read and were left out: ${bad.join(", ")}`,
      ]);
      expect(stderr).not.toContain("SECRET");
    } finally {
      await dropPrefix(own);
    }
  });

  it("names at most 20 unreadable entries, and counts the rest", () => {
    expect(unreadableLine([])).toBeUndefined();
    expect(unreadableLine(["1-0"])).toBe("1 entry could not be read and was left out: 1-0");
    const ids = Array.from({ length: 25 }, (_, at) => `1700000000000-${at}`);
    expect(unreadableLine(ids)).toBe(
      `25 entries could not be read and were left out: ${ids.slice(0, 20).join(", ")} and 5 more`,
    );
  });

  it.concurrent.each(["redis://127.0.0.1:6379/99", "redis://127.0.0.1:6379/abc", "redis://127.0.0.1:6379/-1"])(
    "refuses REDIS_URL=%s in one line naming REDIS_URL, as the bot does",
    async (url) => {
      const { code, stdout, stderr } = await run(["demo", "--format", "csv"], { ...env, REDIS_URL: url });
      expect(code).toBe(1);
      expect(stdout.length).toBe(0);
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).toMatch(/^Configuration error: REDIS_URL .*0 to 15/);
    },
  );

  // Concurrent: each case starts a Node process, and they share nothing.
  it.concurrent.each([
    [[], "without REDIS_URL", "The export reads the responses from Redis"],
    [["demo", "--format", "pdf"], "with REDIS_URL", "--format must be csv, xlsx or json."],
    [["demo", "--format", "xlsx"], "with REDIS_URL", "--out is required for XLSX"],
    [["demo", "--format", "csv", "--from", "2025-02-30"], "with REDIS_URL", "--from is not a real date."],
    [["demo", "--format", "csv", "--wat"], "with REDIS_URL", "Unknown option '--wat'."],
    [["nope", "--format", "csv"], "with REDIS_URL", 'No flow "nope"'],
  ])("refuses %j %s with one line and exit 1", async (args, setting, message) => {
    const environment = setting === "without REDIS_URL" ? baseEnv : env;
    const { code, stdout, stderr } = await run(args.length ? args : ["demo", "--format", "csv"], environment);
    expect(code).toBe(1);
    expect(stdout.length).toBe(0);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

/**
 * Free text is typed by anonymous strangers: whatever they type must stay inside its cell, and no
 * line of it may reach a spreadsheet as a formula. The CSV is read back by Python's csv module in
 * strict mode, a parser that shares no code with the writer.
 */
describe("export: hostile free text", () => {
  /** Each text and how it must read in the CSV: an apostrophe before every line that starts like a formula. */
  const HOSTILE: Array<[string, string]> = [
    ["a\nb", "a\nb"],
    ["a\r\nb", "a\r\nb"],
    ['\n=HYPERLINK("http://x")', `\n'=HYPERLINK("http://x")`],
    ["x\r=1+1", "x\r'=1+1"],
    ["\r", "'\r"],
    ["\r=1", "'\r'=1"],
    ["a\n", "a\n"],
    ["=1+1", "'=1+1"],
    ["ok\n+1\n-1\n@SUM(A1)\n\tx", "ok\n'+1\n'-1\n'@SUM(A1)\n'\tx"],
    ["a\r\n\r\n=1", "a\r\n\r\n'=1"],
    ["a\n\r=1", "a\n\r'=1"],
    ["\uFF1DHYPERLINK()\n\uFF20x", "'\uFF1DHYPERLINK()\n'\uFF20x"],
    ['dijo "hola"; y, luego', 'dijo "hola"; y, luego'],
    ['"', '"'],
    [";", ";"],
    [",", ","],
    ['Perú, 3 años; sin "papeles"\r\n-no sé', 'Perú, 3 años; sin "papeles"\r\n\'-no sé'],
  ];
  const hostile: StoredResponse[] = HOSTILE.map(([text], at) =>
    response("2025-03-10", 2, {
      consent: true,
      country: "other",
      country_other: HOSTILE[(at + 1) % HOSTILE.length]?.[0] ?? "",
      age: -1 - at,
      comment: text,
    }),
  );
  const COMMENT = EXPECTED_HEADERS.indexOf("Comentario (comment)");
  const COUNTRY_OTHER = EXPECTED_HEADERS.indexOf("Otro país (country_other)");
  const AGE = EXPECTED_HEADERS.indexOf("Edad (age)");
  /** A line a spreadsheet would run: one that starts like a formula (full-width forms included). */
  const FORMULA_LINE = /^[=+\-@\t\uFF1D\uFF0B\uFF0D\uFF20]/;

  /** Python's csv module, strict: a stray quote is an error, and a bare line break ends the row. */
  function pythonCsv(body: string | Buffer, delimiter: string): string[][] {
    const script = [
      "import csv, io, json, sys",
      "text = sys.stdin.buffer.read().decode('utf-8')",
      "assert text.startswith('\\ufeff'), 'no BOM'",
      "rows = list(csv.reader(io.StringIO(text[1:], newline=''), delimiter=sys.argv[1], strict=True))",
      "sys.stdout.write(json.dumps(rows))",
    ].join("\n");
    return JSON.parse(
      execFileSync("python3", ["-c", script, delimiter], { input: Buffer.from(body), encoding: "utf8" }),
    );
  }

  it.each([";", ","] as const)(
    "CSV with %j: every row and field comes back exactly, and no line of any field starts a formula",
    async (delimiter) => {
      const { body } = await exportResponses(request({ responses: hostile, delimiter }));
      const [header, ...rows] = pythonCsv(body, delimiter);
      // No hostile response answered "region" (version 1 only), so it has no column here.
      expect(header).toEqual(EXPECTED_HEADERS.filter((h) => h !== "region"));
      expect(rows).toHaveLength(hostile.length);
      for (const row of rows) expect(row).toHaveLength(EXPECTED_HEADERS.length - 1);
      expect(rows.map((row) => row[0])).toEqual(hostile.map((one) => one.id));
      expect(rows.map((row) => row[COMMENT])).toEqual(HOSTILE.map(([, defused]) => defused));
      expect(rows.map((row) => row[COUNTRY_OTHER])).toEqual(
        HOSTILE.map((_, at) => HOSTILE[(at + 1) % HOSTILE.length]?.[1]),
      );
      // Numbers are not text: a negative number stays a number.
      expect(rows.map((row) => row[AGE])).toEqual(hostile.map((one) => String(one.answers.age)));
      for (const row of rows) {
        for (const [at, field] of row.entries()) {
          if (at === AGE) continue;
          for (const line of field.split(/\r\n|\r|\n/)) expect(line).not.toMatch(FORMULA_LINE);
        }
      }
    },
  );

  it("XLSX: every hostile text is a plain string cell, never a formula, and reads back as typed", async () => {
    const { body } = await exportResponses(request({ format: "xlsx", responses: hostile }));
    // The sheet's own XML, read with Python's zipfile: no cell carries a formula (<f>).
    const script = [
      "import sys, zipfile, io",
      "book = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))",
      "sys.stdout.write(book.read('xl/worksheets/sheet1.xml').decode('utf-8'))",
    ].join("\n");
    const xml = execFileSync("python3", ["-c", script], { input: Buffer.from(body), encoding: "utf8" });
    expect(xml).toContain("<sheetData>");
    expect(xml).not.toMatch(/<f[\s>/]/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(body) as unknown as ArrayBuffer);
    const data = workbook.worksheets[0];
    if (!data) throw new Error("no data sheet");
    for (const [at, [text]] of HOSTILE.entries()) {
      const cell = data.getRow(at + 2).getCell(COMMENT + 1);
      expect(cell.type).toBe(ExcelJS.ValueType.String);
      expect(cell.formula).toBeUndefined();
      // XML turns every CR and CRLF into LF when read (XML 1.0, 2.11); the text is otherwise exact.
      expect(cell.value).toBe(text.replace(/\r\n?/g, "\n"));
    }
  });
});

describe("export of a screening", () => {
  it("adds a column per benefit with its outcome, Spanish words or codes, empty where it did not show", () => {
    const screening = compileFlows("flows", texts).get("ayuda") as Flow;
    const base = { flow: "ayuda", version: 1, lng: "ht" as const, channel: "whatsapp" as const, date: "2026-06-15" };
    const responses: StoredResponse[] = [
      {
        ...base,
        id: randomUUID(),
        answers: {
          needs: ["health"],
          situation: "irregular",
          household: ["alone"],
          housing: "rent",
          work: "informal",
          health: "none",
        },
        outcomes: { fonasa_d67: "likely", programa_oficina: "other_door" },
      },
      {
        ...base,
        id: randomUUID(),
        answers: {
          needs: ["social"],
          situation: "temporary",
          run: "yes",
          household: ["alone"],
          rsh: "t40",
          housing: "rent",
          work: "contract",
          health: "fonasa",
        },
        outcomes: { programa_oficina: "likely" },
      },
    ];
    const labels = buildTable(screening, texts, responses, "labels");
    const at = (table: typeof labels, row: number, id: string) =>
      table.rows[row]?.[table.columns.findIndex((c) => c.id === id)];
    expect(labels.columns.map((column) => column.id).filter((id) => id.startsWith("outcome."))).toEqual([
      "outcome.fonasa_d67",
      "outcome.programa_oficina",
    ]);
    expect(at(labels, 0, "outcome.fonasa_d67")).toBe("Puedes pedirlo");
    expect(at(labels, 0, "outcome.programa_oficina")).toBe("Otro lugar te ayuda");
    expect(at(labels, 1, "outcome.fonasa_d67")).toBeNull();
    const codes = buildTable(screening, texts, responses, "codes");
    expect(at(codes, 1, "outcome.programa_oficina")).toBe("likely");
  });
});
