import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileFlows, type Flow } from "../../src/core/flows/compile.js";
import type { Answers } from "../../src/core/flows/schema.js";
import { createTexts, readLocales } from "../../src/core/i18n/texts.js";
import type { StoredResponse } from "../../src/core/store/responses.js";
import { type CrossTab, crossTab, type PublishedCount, summarize } from "../../src/staff/report/summary.js";
import { suppress } from "../../src/staff/report/suppression.js";

/**
 * The report's numbers on made-up responses to the demo flow, 36 people in six groups, chosen so
 * that every suppression rule fires: small cells, a group under 5, and a small cell that the
 * totals alone would give away.
 */

const texts = createTexts(readLocales("locales"));
const flowsDir = mkdtempSync(join(tmpdir(), "puente-summary-flows-"));
writeFileSync(join(flowsDir, "demo.yaml"), readFileSync("flows/demo.yaml", "utf8"));
const flow = compileFlows(flowsDir, texts).get("demo") as Flow;

function people(count: number, answers: Answers): StoredResponse[] {
  return Array.from({ length: count }, () => ({
    id: randomUUID(),
    flow: "demo",
    version: 1,
    lng: "es" as const,
    channel: "web" as const,
    date: "2025-05-01",
    answers: { consent: true, ...answers },
  }));
}

const responses = [
  ...people(12, { country: "haiti", children: false, needs: ["health"] }),
  ...people(3, { country: "haiti", children: true, children_count: 2, needs: ["housing", "health"], age: 30 }),
  ...people(8, { country: "venezuela", children: false, needs: ["work"] }),
  ...people(6, { country: "venezuela", children: true, children_count: 1, needs: ["health", "work"] }),
  ...people(2, { country: "peru", children: false, needs: ["papers"] }),
  ...people(5, { country: null, children: false, needs: null }),
];
const source = { flow, texts, responses };
const summaries = summarize(source);

function summaryOf(question: string) {
  const summary = summaries.find((one) => one.question === question);
  if (!summary) throw new Error(`no summary for ${question}`);
  return summary;
}

/** Each answer as "label=display (percent)", the way a reader of the report sees it. */
function shown(question: string): string[] {
  return summaryOf(question).answers.map(
    (answer) => `${answer.label}=${answer.display}${answer.percent === null ? "" : ` (${answer.percent}%)`}`,
  );
}

const hidden = (count: PublishedCount) => count.count === null;

describe("summarize: counts and percentages per question", () => {
  it("counts every answer, skipped as its own row, with percentages of the people asked", () => {
    expect(summaryOf("children").total).toEqual({ count: 36, display: "36" });
    expect(shown("children")).toEqual(["Sí=9 (25%)", "No=27 (75%)"]);
    expect(summaries.map((one) => one.question)).toEqual([
      "consent",
      "country",
      "age",
      "children",
      "children_count",
      "needs",
    ]);
  });

  it("leaves free text out: a comment is no category", () => {
    expect(summaries.some((one) => one.kind === "text")).toBe(false);
  });

  it("multiple choice counts each ticked option; percentages are of the people asked", () => {
    expect(summaryOf("needs").total.count).toBe(36);
    expect(shown("needs")).toEqual([
      "Salud=21 (58.3%)",
      "Vivienda=<5",
      "Trabajo=14 (38.9%)",
      "Escuela=0 (0%)",
      "Documentos=<5",
      "Prefiero no decir=5 (13.9%)",
    ]);
  });

  it("shows 1 to 4 as <5 and, where a lone small cell could be recomputed from the total, hides another", () => {
    // Perú (2) is small; with the total 36 shown it would be 36 - 15 - 14 - 5, so the smallest
    // other non-zero answer ("prefer not to say", 5) is hidden too.
    expect(shown("country")).toEqual([
      "Haití=15 (41.7%)",
      "Venezuela=14 (38.9%)",
      "Perú=<5",
      "Colombia=0 (0%)",
      "Otro país=0 (0%)",
      "Prefiero no decir=x",
    ]);
    expect(summaryOf("country").total.display).toBe("36");
    expect(shown("children_count")).toEqual(["1=x", "2=<5"]);
    expect(summaryOf("children_count").total.count).toBe(9);
  });

  it("suppresses a question answered by fewer than 5 people whole", () => {
    expect(summaryOf("age").total).toEqual({ count: null, display: "<5" });
    expect(shown("age")).toEqual(["30=<5", "Prefiero no decir=<5"]);
  });

  it("never returns a hidden count", () => {
    for (const summary of summaries) {
      for (const answer of summary.answers) {
        if (answer.display === "<5" || answer.display === "x")
          expect(answer).toMatchObject({ count: null, percent: null });
        else expect(answer.count).toBe(Number(answer.display));
      }
    }
  });
});

/** What a reader could subtract: a line (cells and their total) with exactly one hidden entry. */
function recomputable(table: CrossTab): string[] {
  const lines: Array<[string, PublishedCount[], PublishedCount]> = [
    ...table.rows.map((row): [string, PublishedCount[], PublishedCount] => [`row ${row.value}`, row.cells, row.total]),
    ...table.columns.map((column, c): [string, PublishedCount[], PublishedCount] => [
      `column ${column.value}`,
      table.rows.map((row) => row.cells[c] as PublishedCount),
      column.total,
    ]),
    ["row totals", table.rows.map((row) => row.total), table.total],
    ["column totals", table.columns.map((column) => column.total), table.total],
  ];
  return lines.filter(([, cells, total]) => [...cells, total].filter(hidden).length === 1).map(([name]) => name);
}

function shownCounts(table: CrossTab): number[] {
  const all = [table.total, ...table.columns.map((c) => c.total), ...table.rows.flatMap((r) => [r.total, ...r.cells])];
  return all.flatMap((count) => (count.count === null ? [] : [count.count]));
}

function grid(table: CrossTab): string[][] {
  return table.rows.map((row) => [row.value, ...row.cells.map((cell) => cell.display), `= ${row.total.display}`]);
}

function transpose(rows: string[][]): string[][] {
  return (rows[0] ?? []).map((_, c) => rows.map((row) => row[c] ?? ""));
}

describe("crossTab: one question broken down by another", () => {
  const byChildren = crossTab(source, "country", "children");

  it("suppresses small cells, a group under 5 whole, and the cells that would give them away", () => {
    expect(grid(byChildren)).toEqual([
      // Haití: 3 with children is small; 12 would give it away from the row total 15, so it goes too.
      ["haiti", "<5", "x", "= 15"],
      ["venezuela", "6", "8", "= 14"],
      // Perú: 2 people, a group under 5: everything hidden, the zero too.
      ["peru", "<5", "<5", "= <5"],
      ["colombia", "0", "0", "= 0"],
      ["other", "0", "0", "= 0"],
      // Perú's total could be recomputed from the grand total, so the smallest other row total
      // goes; then its one cell would give it back, so that goes too (repeated until stable).
      ["skipped", "0", "x", "= x"],
    ]);
    expect(byChildren.columns.map((column) => [column.label, column.total.display])).toEqual([
      ["Sí", "9"],
      ["No", "27"],
    ]);
    expect(byChildren.total.display).toBe("36");
    expect(byChildren.rows[1]?.cells.map((cell) => cell.percent)).toEqual([42.9, 57.1]);
    expect(byChildren.rows[0]?.cells.map((cell) => cell.percent)).toEqual([null, null]);
  });

  it("gives the same table the other way round", () => {
    const byCountry = crossTab(source, "children", "country");
    expect(byCountry.rows.map((row) => row.cells.map((cell) => cell.display))).toEqual(
      transpose(byChildren.rows.map((row) => row.cells.map((cell) => cell.display))),
    );
    expect(byCountry.columns.map((column) => column.total.display)).toEqual(
      byChildren.rows.map((row) => row.total.display),
    );
    expect(byCountry.rows.map((row) => row.total.display)).toEqual(["9", "27"]);
  });

  it("counts each ticked option of a multiple choice, on either side", () => {
    const needsByCountry = crossTab(source, "needs", "country");
    expect(grid(needsByCountry)).toEqual([
      // 15 Haitians and 6 Venezuelans need health: 21 people, each counted once per option ticked.
      ["health", "15", "x", "<5", "0", "0", "0", "= 21"],
      ["housing", "<5", "<5", "<5", "0", "0", "<5", "= <5"],
      ["work", "0", "x", "<5", "0", "0", "0", "= 14"],
      // Nobody needs school: a line of zeros gives nothing away and stays shown, small groups too.
      ["school", "0", "0", "0", "0", "0", "0", "= 0"],
      ["papers", "<5", "<5", "<5", "0", "0", "<5", "= <5"],
      ["skipped", "0", "0", "<5", "0", "0", "x", "= 5"],
    ]);
    // A Haitian with two needs is one person in the Haití column, however many needs they tick.
    expect(needsByCountry.columns.map((column) => column.total.display)).toEqual(["15", "14", "<5", "0", "0", "x"]);

    const countryByNeeds = crossTab(source, "country", "needs");
    expect(countryByNeeds.rows.map((row) => row.cells.map((cell) => cell.display))).toEqual(
      transpose(needsByCountry.rows.map((row) => row.cells.map((cell) => cell.display))),
    );
  });

  it("leaves no table where a hidden count can be recomputed or a count from 1 to 4 is shown", () => {
    const pairs: Array<[string, string]> = [
      ["country", "children"],
      ["children", "country"],
      ["needs", "country"],
      ["country", "needs"],
      ["children_count", "needs"],
      ["age", "country"],
    ];
    for (const [row, column] of pairs) {
      const table = crossTab(source, row, column);
      expect(recomputable(table), `${row} by ${column}`).toEqual([]);
      expect(shownCounts(table).filter((count) => count > 0 && count < 5)).toEqual([]);
    }
  });

  it("refuses free text and unknown questions", () => {
    expect(() => crossTab(source, "comment", "country")).toThrow(/free text/);
    expect(() => crossTab(source, "nope", "country")).toThrow(/No question "nope"/);
  });
});

describe("suppress", () => {
  it("repeats complementary suppression until no line has a lone hidden entry", () => {
    // A 2×2 table [[3, 10], [7, 9]] with row totals 13, 16, column totals 10, 19 and the grand total 29.
    const counts = [3, 10, 7, 9, 13, 16, 10, 19, 29];
    const lines = [
      { cells: [0, 1], total: 4 },
      { cells: [2, 3], total: 5 },
      { cells: [0, 2], total: 6 },
      { cells: [1, 3], total: 7 },
      { cells: [4, 5], total: 8 },
      { cells: [6, 7], total: 8 },
    ];
    // 3 is small; its row hides 10, its column hides 7; then both the other row and column hide 9.
    expect(suppress(counts, lines)).toEqual([
      "small",
      "complementary",
      "complementary",
      "complementary",
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});
