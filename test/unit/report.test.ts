import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFlows, type Flow } from "../../src/core/flows/compile.js";
import type { Answers } from "../../src/core/flows/schema.js";
import { createTexts, readLocales } from "../../src/core/i18n/texts.js";
import { loadRules } from "../../src/core/rules/rulebook.js";
import type { StoredResponse } from "../../src/core/store/responses.js";
import {
  buildReport,
  FREE_TEXT_CAP,
  type Report,
  type ReportQuestion,
  reportSchema,
  splitChoices,
  UnknownQuestionError,
} from "../../src/staff/report/report.js";
import type { PublishedCount } from "../../src/staff/report/summary.js";

/**
 * The report's data on made-up responses to the real flows (no store): suppression over the whole
 * page, splits, the pseudo-questions (language, channel, a screening's outcomes) and free text.
 */

const texts = createTexts(readLocales("locales"));
const flows = compileFlows("flows", texts);
const consulta = flows.get("consulta") as Flow;
const ayuda = flows.get("ayuda") as Flow;
const rules = loadRules("rules", flows, texts);

let day = 0;
function response(flow: Flow, answers: Answers, extra: Partial<StoredResponse> = {}): StoredResponse {
  day += 1;
  const date = `2026-0${1 + (Math.floor(day / 28) % 9)}-${String(1 + (day % 28)).padStart(2, "0")}`;
  return { id: randomUUID(), flow: flow.id, version: 1, lng: "es", channel: "telegram", date, answers, ...extra };
}
function many(count: number, flow: Flow, answers: Answers, extra: Partial<StoredResponse> = {}): StoredResponse[] {
  return Array.from({ length: count }, () => response(flow, answers, extra));
}

function question(report: Report, id: string): ReportQuestion {
  const found = report.questions.find((one) => one.question === id);
  if (!found) throw new Error(`no question ${id}`);
  return found;
}
const byValue = (q: ReportQuestion) => Object.fromEntries(q.answers.map((answer) => [answer.value, answer.display]));
/** Every published count of a report, for checks over all of them. */
function everyCount(report: Report): PublishedCount[] {
  return [
    report.responses,
    ...report.questions.flatMap((q) => [
      q.total,
      ...q.answers,
      ...(q.split
        ? [...q.split.columns.map((column) => column.total), ...q.split.rows.flatMap((row) => row.cells)]
        : []),
    ]),
  ];
}
/** A line whose entries add up exactly gives away its one hidden entry. */
function recomputable(entries: readonly PublishedCount[]): boolean {
  return entries.filter((entry) => entry.count === null).length === 1;
}

describe("a report over 3 responses", () => {
  const responses = [
    response(consulta, { consent: true, age_band: "a18_29", gender: "woman", needs: ["work"], comment: "gracias" }),
    response(consulta, { consent: true, age_band: "a18_29", gender: "man", needs: ["work", "food"] }),
    response(consulta, { consent: true, age_band: "a30_44", gender: "woman", needs: null }, { lng: "ht" }),
  ];
  const report = buildReport({ flow: consulta, texts, responses, range: {} });

  it("shows <5 for the responses and for every count that is not zero", () => {
    expect(reportSchema.parse(report)).toEqual(report);
    expect(report.responses).toEqual({ count: null, display: "<5" });
    for (const count of everyCount(report)) {
      if (count.count !== null) expect(count.count).toBe(0);
      else expect(["<5", "x"]).toContain(count.display);
    }
    expect(byValue(question(report, "gender"))).toEqual({ woman: "<5", man: "<5", other: "<5", skipped: "<5" });
    expect(byValue(question(report, "@lng"))).toMatchObject({ es: "<5", ht: "<5" });
  });

  it("gives no percentage and lists no free text", () => {
    expect(report.questions.flatMap((q) => q.answers).every((answer) => answer.percent === null)).toBe(true);
    expect(report.freeText.listed).toBe(false);
    expect(report.freeText.questions.every((q) => q.answers.length === 0)).toBe(true);
  });

  it("hides the same way when split", () => {
    const split = buildReport({ flow: consulta, texts, responses, range: {}, split: "gender" });
    for (const count of everyCount(split)) if (count.count !== null) expect(count.count).toBe(0);
  });
});

describe("a report over 64 responses", () => {
  const responses = [
    ...many(20, consulta, { consent: true, gender: "woman", time_in_chile: "under_1", discrimination: true }),
    ...many(12, consulta, { consent: true, gender: "woman", time_in_chile: "y1_2", discrimination: false }),
    ...many(15, consulta, { consent: true, gender: "man", time_in_chile: "under_1", discrimination: false }),
    ...many(10, consulta, { consent: true, gender: "man", time_in_chile: "y1_2", discrimination: true }, { lng: "ht" }),
    // Two small groups: small cells in every table they appear in.
    ...many(
      3,
      consulta,
      { consent: true, gender: "other", time_in_chile: "y6_plus", discrimination: null },
      {
        channel: "whatsapp",
      },
    ),
    ...many(4, consulta, { consent: true, gender: null, time_in_chile: "y3_5", discrimination: null }),
  ];
  const report = buildReport({ flow: consulta, texts, responses, range: {} });

  it("counts each answer with its share of the people asked", () => {
    expect(report.responses).toEqual({ count: 64, display: "64" });
    const gender = question(report, "gender");
    expect(gender.label).toBe("Género");
    expect(gender.total.count).toBe(64);
    const woman = gender.answers.find((answer) => answer.value === "woman");
    expect(woman).toMatchObject({ label: "Mujer", count: 32, display: "32", percent: 50 });
    expect(byValue(gender)).toEqual({ woman: "32", man: "25", other: "<5", skipped: "<5" });
    // One small cell alone would be the total less the others: its smallest neighbour goes too.
    expect(byValue(question(report, "discrimination"))).toEqual({ yes: "30", no: "27", skipped: "7" });
    expect(recomputable([...gender.answers, gender.total])).toBe(false);
  });

  it("tabulates the language and channel as questions of their own", () => {
    const lng = question(report, "@lng");
    expect(lng.group).toBe("person");
    expect(lng.label).toBe("Idioma de la persona");
    expect(lng.answers.map((answer) => answer.label)).toEqual([
      "español",
      "criollo haitiano",
      "francés",
      "inglés",
      "portugués",
    ]);
    expect(byValue(lng)).toEqual({ es: "54", ht: "10", fr: "0", en: "0", pt: "0" });
    const channel = question(report, "@channel");
    expect(channel.answers.map((answer) => answer.value)).toEqual(["web", "telegram", "whatsapp"]);
    // 3 on WhatsApp: hidden, and so is its partner, since the channels add up to 60.
    expect(byValue(channel)).toEqual({ web: "0", telegram: "x", whatsapp: "<5" });
  });

  it("splits every question by the answers to another, with shares of each group", () => {
    const split = buildReport({ flow: consulta, texts, responses, range: {}, split: "gender" });
    expect(split.split).toMatchObject({ question: "gender", label: "Género" });
    expect(question(split, "gender").split).toBeUndefined();
    const time = question(split, "time_in_chile");
    expect(time.split?.columns.map((column) => [column.value, column.total.display])).toEqual([
      ["woman", "32"],
      ["man", "25"],
      ["other", "<5"],
      ["skipped", "<5"],
    ]);
    const rows = Object.fromEntries(
      (time.split?.rows ?? []).map((row) => [row.value, row.cells.map((cell) => cell.display)]),
    );
    // A group of fewer than 5 hides all its cells, zeros too: "none of these 3" tells as much.
    expect(rows.under_1).toEqual(["20", "15", "<5", "<5"]);
    expect(rows.y1_2).toEqual(["12", "10", "<5", "<5"]);
    expect(rows.y6_plus).toEqual(["<5", "<5", "<5", "<5"]);
    const under1Women = time.split?.rows[0]?.cells[0];
    expect(under1Women).toMatchObject({ count: 20, percent: 62.5 });
    expect(byValue(time)).toEqual({ under_1: "35", y1_2: "22", y3_5: "<5", y6_plus: "<5", skipped: "0" });
  });

  it("splits by a pseudo-question, and refuses an unknown one", () => {
    const split = buildReport({ flow: consulta, texts, responses, range: {}, split: "@lng" });
    const discrimination = question(split, "discrimination");
    expect(discrimination.split?.columns.map((column) => column.total.display)).toEqual(["54", "10", "0", "0", "0"]);
    const yes = discrimination.split?.rows.find((row) => row.value === "yes");
    expect(yes?.cells.map((cell) => cell.display)).toEqual(["20", "10", "0", "0", "0"]);
    expect(splitChoices({ flow: consulta, texts, responses }).map((choice) => choice.question)).toEqual(
      expect.arrayContaining(["gender", "needs", "@lng", "@channel"]),
    );
    expect(splitChoices({ flow: consulta, texts, responses }).map((choice) => choice.question)).not.toContain(
      "comment",
    );
    expect(() => buildReport({ flow: consulta, texts, responses, range: {}, split: "comment" })).toThrow(
      UnknownQuestionError,
    );
  });

  it("applies the date range", () => {
    const dates = responses.map((one) => one.date).sort();
    const from = dates[10] as string;
    const to = dates[40] as string;
    const expected = responses.filter((one) => one.date >= from && one.date <= to).length;
    const ranged = buildReport({ flow: consulta, texts, responses, range: { from, to } });
    expect(ranged.range).toEqual({ from, to });
    expect(ranged.responses.count).toBe(expected);
  });
});

describe("a screening's outcomes", () => {
  const responses = [
    ...many(
      8,
      ayuda,
      { needs: ["health"], situation: "irregular", health: "none" },
      { outcomes: { fonasa_d67: "likely" } },
    ),
    ...many(6, ayuda, { needs: ["health"], run: "no", health: "none" }, { outcomes: { fonasa_d67: "maybe" } }),
    ...many(7, ayuda, { needs: ["work"], health: "fonasa" }, { outcomes: { omil: "likely" } }),
  ];
  const report = buildReport({ flow: ayuda, texts, responses, range: {}, rules });

  it("tabulates each benefit's outcome by its Spanish title, in the rules' order", () => {
    const outcomes = report.questions.filter((q) => q.group === "outcome");
    expect(outcomes.map((q) => q.question)).toEqual(rules.benefitIds().map((id) => `@outcome.${id}`));
    const d67 = question(report, "@outcome.fonasa_d67");
    expect(d67.label).toBe("Salud pública aunque no tengas papeles");
    expect(d67.answers.map((answer) => answer.label)).toEqual([
      "Puedes pedirlo",
      "La oficina lo revisa contigo",
      "Otro lugar te ayuda",
      "Sin resultado",
    ]);
    expect(byValue(d67)).toEqual({ likely: "8", maybe: "6", other_door: "0", none: "7" });
    expect(byValue(question(report, "@outcome.urgencias"))).toEqual({
      likely: "0",
      maybe: "0",
      other_door: "0",
      none: "21",
    });
  });

  it("splits a question by an outcome", () => {
    const split = buildReport({ flow: ayuda, texts, responses, range: {}, rules, split: "@outcome.fonasa_d67" });
    const health = question(split, "health");
    const none = health.split?.rows.find((row) => row.value === "none");
    expect(none?.cells.map((cell) => cell.display)).toEqual(["8", "6", "0", "0"]);
  });

  it("names a benefit by its id without the rules", () => {
    const bare = buildReport({ flow: ayuda, texts, responses, range: {} });
    expect(bare.questions.filter((q) => q.group === "outcome").map((q) => q.label)).toEqual(["fonasa_d67", "omil"]);
  });
});

describe("free text", () => {
  it("is not listed under 5 responses", () => {
    const responses = many(4, consulta, { consent: true, comment: "muy bien" });
    const report = buildReport({ flow: consulta, texts, responses, range: {} });
    expect(report.freeText.listed).toBe(false);
    expect(report.freeText.questions.find((q) => q.question === "comment")?.answers).toEqual([]);
  });

  it("is listed newest first from 5 responses, skipped and empty answers left out", () => {
    const responses = [
      response(consulta, { consent: true, comment: "primero" }, { date: "2026-01-01" }),
      response(consulta, { consent: true, comment: "tercero" }, { date: "2026-03-01" }),
      response(consulta, { consent: true, comment: "segundo" }, { date: "2026-02-01" }),
      response(consulta, { consent: true, comment: null }, { date: "2026-04-01" }),
      response(consulta, { consent: true, comment: "  " }, { date: "2026-04-01" }),
    ];
    const report = buildReport({ flow: consulta, texts, responses, range: {} });
    expect(report.freeText.listed).toBe(true);
    expect(report.freeText.questions.find((q) => q.question === "comment")).toEqual({
      question: "comment",
      label: expect.any(String),
      answers: ["tercero", "segundo", "primero"],
      truncated: false,
    });
    // Asked of nobody here: "other" nationality was never chosen.
    expect(report.freeText.questions.find((q) => q.question === "nationality_other")?.answers).toEqual([]);
  });

  it("is capped", () => {
    const responses = Array.from({ length: FREE_TEXT_CAP + 20 }, (_, at) =>
      response(consulta, { consent: true, comment: `texto ${at}` }, { date: "2026-05-01" }),
    );
    const comments = buildReport({ flow: consulta, texts, responses, range: {} }).freeText.questions.find(
      (q) => q.question === "comment",
    );
    expect(comments?.answers).toHaveLength(FREE_TEXT_CAP);
    expect(comments?.answers[0]).toBe(`texto ${FREE_TEXT_CAP + 19}`);
    expect(comments?.truncated).toBe(true);
  });
});

/**
 * Whatever the answers, no count the page hides can be worked out from what it shows: for two
 * single-choice questions asked of everyone, every line that adds up exactly (a question's
 * answers to its total, a split row to the answer's count, a split column to the group's size,
 * a group's size to the split question's own count of it) has no lone hidden entry.
 */
describe("suppression across the page", () => {
  const GENDERS = ["woman", "man", "other", null] as const;
  const TIMES = ["under_1", "y1_2", "y3_5", "y6_plus", null] as const;
  const combinations = GENDERS.flatMap((gender) => TIMES.map((time) => ({ gender, time })));

  it("leaves nothing recomputable", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 9 }), { minLength: combinations.length, maxLength: combinations.length }),
        (sizes) => {
          const responses = combinations.flatMap(({ gender, time }, at) =>
            many(sizes[at] ?? 0, consulta, { consent: true, gender, time_in_chile: time }),
          );
          const report = buildReport({ flow: consulta, texts, responses, range: {}, split: "gender" });
          const gender = question(report, "gender");
          const time = question(report, "time_in_chile");
          const split = time.split;
          if (!split) throw new Error("no split");
          const lines: PublishedCount[][] = [
            [...gender.answers, gender.total],
            [...time.answers, time.total],
            [gender.total, report.responses],
            [time.total, report.responses],
            ...split.rows.map((row, r) => [...row.cells, time.answers[r] as PublishedCount]),
            ...split.columns.map((column, c) => [
              ...split.rows.map((row) => row.cells[c] as PublishedCount),
              column.total,
            ]),
            ...split.columns.map((column, c) => [column.total, gender.answers[c] as PublishedCount]),
          ];
          for (const line of lines) expect(recomputable(line)).toBe(false);
          for (const count of everyCount(report)) {
            if (count.count !== null) expect(count.count === 0 || count.count >= 5).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
