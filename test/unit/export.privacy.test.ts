import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFlows, type Flow } from "../../src/core/flows/compile.js";
import type { Answers } from "../../src/core/flows/schema.js";
import { createTexts, readLocales } from "../../src/core/i18n/texts.js";
import type { StoredResponse } from "../../src/core/store/responses.js";
import { exportResponses } from "../../src/staff/export/export.js";
import { SMALLEST_GROUP } from "../../src/staff/export/privacy.js";
import { buildReport } from "../../src/staff/report/report.js";

/**
 * What staff download cannot point at one family: the month, never the day; counts in bands; any
 * value fewer than five rows hold merged into "other"; and what it still shows by name agrees with
 * the suppressed summary of the same responses.
 */
const texts = createTexts(readLocales("locales"));
const demo = compileFlows("flows", texts).get("demo") as Flow;
const OTHER = texts.t("es", "staff:export.other");
const YES = texts.t("es", "common:answer.yes");

function response(date: string, answers: Answers, lng: StoredResponse["lng"] = "es"): StoredResponse {
  return { id: randomUUID(), flow: "demo", version: 1, lng, channel: "telegram", date, answers };
}

/**
 * 14 people: a large group from Venezuela, one family of seven from Haiti who answered in Kreyòl,
 * three from Peru, two from Colombia.
 */
const people: StoredResponse[] = [
  ...Array.from({ length: 8 }, (_, at) =>
    response(`2026-03-${String(at + 1).padStart(2, "0")}`, {
      consent: true,
      country: "venezuela",
      age: 30,
      children: true,
      children_count: at % 2 === 0 ? 1 : 2,
      needs: ["health", "work"],
      comment: null,
    }),
  ),
  response(
    "2026-03-14",
    { consent: true, country: "haiti", age: 41, children: true, children_count: 7, needs: ["housing", "papers"] },
    "ht",
  ),
  ...Array.from({ length: 3 }, () =>
    response("2026-04-02", { consent: true, country: "peru", age: 30, children: false, needs: ["health"] }),
  ),
  ...Array.from({ length: 2 }, () =>
    response("2026-04-09", {
      consent: true,
      country: "colombia",
      age: 30,
      children: true,
      children_count: 3,
      needs: ["housing", "school"],
    }),
  ),
];

async function rows(responses: readonly StoredResponse[], codes = false): Promise<Array<Record<string, unknown>>> {
  const { body } = await exportResponses({
    flow: demo,
    texts,
    responses,
    format: "json",
    codes,
    delimiter: ";",
    range: {},
    exportedOn: "2026-05-01",
    privacy: "coarse",
  });
  return JSON.parse(String(body));
}

describe("row-level exports", () => {
  it("keep the month, never the day", async () => {
    const exported = await rows(people);
    expect(exported.map((row) => row.month)).toEqual([...Array(9).fill("2026-03"), ...Array(5).fill("2026-04")]);
    expect(JSON.stringify(exported)).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(exported[0]).not.toHaveProperty("date");
  });

  it("write counts in their bands, and merge a band fewer than five hold", async () => {
    const exported = await rows(people);
    const counts = exported.map((row) => row.children_count);
    // Every band is held by fewer than five (4, 4, 2 and the one family of seven): all merged.
    expect(new Set(counts)).toEqual(new Set([OTHER, null]));
    const more = [...people, ...people.slice(0, 8).map((one) => ({ ...one, id: randomUUID() }))];
    const banded = (await rows(more)).map((row) => row.children_count);
    // Now 8 and 8 with one child and with two; "7+" and "3-4" (3 rows) are merged, and since that
    // "other" would hold only 3, the next rarest band joins it: one of the two large bands stays.
    expect(banded.filter((count) => count === "1" || count === "2")).toHaveLength(8);
    expect(banded.filter((count) => count === OTHER)).toHaveLength(11);
    expect(banded).not.toContain(7);
    expect(banded).not.toContain("7+");
    expect(banded).not.toContain("3-4");
  });

  it("merge a nationality, a language or an answer fewer than five share into 'other'", async () => {
    const exported = await rows(people);
    const country = exported.map((row) => row.country);
    expect(country.filter((value) => value === texts.t("es", "demo:country.options.venezuela"))).toHaveLength(8);
    // Haiti (1), Colombia (2) and Peru (3) are rare: merged into an "other" of 6.
    expect(country.filter((value) => value === OTHER)).toHaveLength(6);
    expect(country).not.toContain(texts.t("es", "demo:country.options.colombia"));
    expect(country).not.toContain(texts.t("es", "demo:country.options.haiti"));
    expect(country).not.toContain(texts.t("es", "demo:country.options.peru"));
    // One in Kreyòl: alone in "other" it would be named, so Spanish joins it and the column says nothing.
    expect(new Set(exported.map((row) => row.language))).toEqual(new Set([OTHER]));
    const codes = await rows(people, true);
    expect(codes.map((row) => row.language)).toContain("other");
    expect(codes.map((row) => row.country)).not.toContain("haiti");
  });

  it("merge a multiple choice's rare options into one column, ticked where any was", async () => {
    const exported = await rows(people);
    expect(exported[0]).toHaveProperty("needs.health");
    expect(exported[0]).not.toHaveProperty("needs.housing");
    expect(exported[0]).not.toHaveProperty("needs.papers");
    expect(exported[0]).not.toHaveProperty("needs.school");
    expect(exported[0]).toHaveProperty("needs.work");
    const haitian = exported[8] as Record<string, unknown>;
    expect(haitian["needs._other"]).toBe(YES);
    expect(exported[0]?.["needs._other"]).toBe("");
  });

  it("never show by name a value fewer than five rows hold (any responses)", async () => {
    const countries = ["haiti", "venezuela", "peru", "colombia", "other"];
    const person = fc.record({
      country: fc.option(fc.constantFrom(...countries), { nil: null }),
      age: fc.option(fc.integer({ min: 18, max: 90 }), { nil: null }),
      children_count: fc.integer({ min: 1, max: 15 }),
      needs: fc.subarray(["health", "housing", "work", "school", "papers"], { maxLength: 2 }),
      lng: fc.constantFrom("es", "ht", "fr", "en", "pt"),
      day: fc.integer({ min: 1, max: 28 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(person, { minLength: 1, maxLength: 40 }), async (drawn) => {
        const responses = drawn.map((one) =>
          response(
            `2026-02-${String(one.day).padStart(2, "0")}`,
            {
              consent: true,
              country: one.country,
              age: one.age,
              children: true,
              children_count: one.children_count,
              needs: one.needs,
              comment: null,
            },
            one.lng as StoredResponse["lng"],
          ),
        );
        const exported = await rows(responses, true);
        for (const column of ["language", "country", "age", "children_count"]) {
          const tally = new Map<unknown, number>();
          for (const row of exported)
            if (row[column] !== null) tally.set(row[column], (tally.get(row[column]) ?? 0) + 1);
          for (const [value, count] of tally) {
            if (count >= SMALLEST_GROUP) continue;
            // Only "other" may be rare, and only when everything is in it.
            expect(value, column).toBe("other");
            expect(tally.size, column).toBe(1);
          }
        }
        for (const [key, value] of Object.entries(exported[0] ?? {})) {
          if (!key.startsWith("needs.")) continue;
          const ticked = exported.filter((row) => row[key] === 1).length;
          if (ticked > 0 && ticked < SMALLEST_GROUP) expect(key).toBe("needs._other");
          void value;
        }
      }),
      { numRuns: 60 },
    );
  });

  it("agree with the suppressed summary: a value shown by name has the summary's count, one it hides is never named", async () => {
    const exported = await rows(people);
    const report = buildReport({ flow: demo, texts, responses: people, range: {} });
    const country = report.questions.find((question) => question.question === "country");
    for (const answer of country?.answers ?? []) {
      const named = exported.filter((row) => row.country === answer.label).length;
      if (answer.count === null) expect(named, answer.label).toBe(0);
      else if (named > 0) expect(named, answer.label).toBe(answer.count);
    }
  });

  it("write a number only older versions asked in the bands the flow keeps for it", async () => {
    const consulta = compileFlows("flows", texts).get("consulta") as Flow;
    const old = (household_size: number) =>
      ({ ...response("2026-01-10", { consent: true, household_size }), flow: "consulta" }) as StoredResponse;
    const responses = [...Array.from({ length: 6 }, () => old(4)), ...Array.from({ length: 5 }, () => old(3))];
    const { body } = await exportResponses({
      flow: consulta,
      texts,
      responses,
      format: "json",
      codes: true,
      delimiter: ";",
      range: {},
      exportedOn: "2026-05-01",
      privacy: "coarse",
    });
    const exported = JSON.parse(String(body)) as Array<Record<string, unknown>>;
    expect(exported.map((row) => row.household_size)).toEqual(Array(11).fill("3-4"));
  });
});
