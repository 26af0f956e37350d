import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import type { Flow } from "../flows/compile.js";
import { holds, stepsReadBy } from "../flows/condition.js";
import { checkCondition } from "../flows/load.js";
import { type Answers, type Condition, isQuestion } from "../flows/schema.js";
import { LANGUAGES } from "../i18n/languages.js";
import type { Texts } from "../i18n/texts.js";
import { type AreaFile, areaFileSchema, type Benefit, type Catalog, catalogSchema, type Outcome } from "./schema.js";

/** A rule file the program refuses, naming the file, the rule and the problem. */
export class RuleFileError extends Error {
  override name = "RuleFileError";
  constructor(
    readonly file: string,
    readonly rule: string | undefined,
    readonly problem: string,
  ) {
    super(`${file}${rule ? `, rule "${rule}"` : ""}: ${problem}`);
  }
}

/** What one benefit says for one person on one day. */
export interface RuleResult {
  area: string;
  benefit: string;
  outcome: Outcome;
  title: string;
  reason: string;
  documents: string[];
  places: string[];
}

export type Area = Omit<AreaFile, "benefits">;

/**
 * The eligibility rules, loaded and checked once at start: for a person's answers and the day of
 * the screening, the outcome of every benefit whose rule is in force that day.
 */
export class RuleBook {
  readonly #benefits: Array<{ area: string; benefit: Benefit }>;

  constructor(
    readonly catalog: Catalog,
    readonly areas: Area[],
    benefits: Array<{ area: string; benefit: Benefit }>,
  ) {
    this.#benefits = benefits;
  }

  /** Every benefit in force on `date` (YYYY-MM-DD) with an outcome that holds, in file order. */
  evaluate(answers: Answers, date: string): RuleResult[] {
    const results: RuleResult[] = [];
    for (const { area, benefit } of this.#benefits) {
      if (date < benefit.valid_from || (benefit.valid_to !== undefined && date > benefit.valid_to)) continue;
      const outcome = benefit.outcomes.find((candidate) => !candidate.when || holds(candidate.when, answers));
      if (!outcome) continue;
      results.push({
        area,
        benefit: benefit.id,
        outcome: outcome.outcome,
        title: benefit.title,
        reason: outcome.reason,
        documents: outcome.documents,
        places: outcome.places,
      });
    }
    return results;
  }

  /** The ids of every benefit, once each (a benefit may have several dated versions). */
  benefitIds(): string[] {
    return [...new Set(this.#benefits.map(({ benefit }) => benefit.id))];
  }

  /** Every outcome each benefit can have, for tests that must cover them all. */
  outcomesOf(benefitId: string): Outcome[] {
    return [
      ...new Set(
        this.#benefits
          .filter(({ benefit }) => benefit.id === benefitId)
          .flatMap(({ benefit }) => benefit.outcomes.map((outcome) => outcome.outcome)),
      ),
    ];
  }
}

const CATALOG = "catalog.yaml";

/** Reads and checks every rule file of a folder against the screening flow and the texts. */
export function loadRules(dir: string, flows: ReadonlyMap<string, Flow>, texts: Texts): RuleBook {
  const catalogFile = join(dir, CATALOG);
  const catalog = parse(catalogFile, catalogSchema);
  const flow = flows.get(catalog.flow);
  if (!flow) throw new RuleFileError(catalogFile, undefined, `flow "${catalog.flow}" is not in flows/`);
  const needs = flow.step(catalog.needs);
  if (needs?.kind !== "multichoice")
    throw new RuleFileError(
      catalogFile,
      undefined,
      `"${catalog.needs}" must be a multiple-choice question of "${flow.id}"`,
    );
  const needOptions = new Set(needs.options.map((option) => option.id));
  for (const [id, document] of Object.entries(catalog.documents)) requireText(texts, document.plain, catalogFile, id);
  for (const [id, place] of Object.entries(catalog.places)) requireText(texts, place.name, catalogFile, id);

  const areas: Area[] = [];
  const benefits: Array<{ area: string; benefit: Benefit }> = [];
  const owner = new Map<string, string>();
  const files = readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name) && name !== CATALOG)
    .sort();
  for (const name of files) {
    const file = join(dir, name);
    const area = parse(file, areaFileSchema);
    if (areas.some((other) => other.area === area.area))
      throw new RuleFileError(file, undefined, `area "${area.area}" is already used by another file`);
    if (!needOptions.has(area.need))
      throw new RuleFileError(file, undefined, `need "${area.need}" is not an option of "${catalog.needs}"`);
    requireText(texts, area.title, file, undefined);
    const { benefits: areaBenefits, ...rest } = area;
    areas.push(rest);
    for (const benefit of areaBenefits) {
      const fail = (problem: string) => new RuleFileError(file, benefit.id, problem);
      const other = owner.get(benefit.id);
      if (other && other !== file) throw fail(`the id is already used in ${other}`);
      owner.set(benefit.id, file);
      requireText(texts, benefit.title, file, benefit.id);
      if (benefit.valid_to !== undefined && benefit.valid_to < benefit.valid_from)
        throw fail(`valid_to (${benefit.valid_to}) is before valid_from (${benefit.valid_from})`);
      for (const outcome of benefit.outcomes) {
        requireText(texts, outcome.reason, file, benefit.id);
        if (outcome.when) checkReads(outcome.when, flow, fail);
        for (const document of outcome.documents)
          if (!catalog.documents[document]) throw fail(`document "${document}" is not in ${CATALOG}`);
        for (const place of outcome.places)
          if (!catalog.places[place]) throw fail(`place "${place}" is not in ${CATALOG}`);
      }
      benefits.push({ area: area.area, benefit });
    }
    checkDates(file, areaBenefits);
  }
  return new RuleBook(catalog, areas, benefits);
}

/** A condition may read only the flow's questions, and compare them only with their options. */
function checkReads(condition: Condition, flow: Flow, fail: (problem: string) => Error): void {
  const steps = new Map(flow.steps.map((step) => [step.id, step]));
  for (const stepId of stepsReadBy(condition)) {
    const step = steps.get(stepId);
    if (!step || !isQuestion(step))
      throw fail(`its condition reads "${stepId}", which is not a question of "${flow.id}"`);
  }
  checkCondition(condition, steps, fail);
}

/**
 * The versions of one benefit follow each other without overlap or gap, so that on any day from
 * the first version on exactly one is in force; an open-ended version is the last.
 */
function checkDates(file: string, benefits: Benefit[]): void {
  const byId = new Map<string, Benefit[]>();
  for (const benefit of benefits) byId.set(benefit.id, [...(byId.get(benefit.id) ?? []), benefit]);
  for (const [id, versions] of byId) {
    const sorted = [...versions].sort((a, b) => (a.valid_from < b.valid_from ? -1 : 1));
    for (let at = 1; at < sorted.length; at++) {
      const before = sorted[at - 1] as Benefit;
      const after = sorted[at] as Benefit;
      if (before.valid_to === undefined || before.valid_to >= after.valid_from)
        throw new RuleFileError(
          file,
          id,
          `the version from ${before.valid_from} overlaps the one from ${after.valid_from}`,
        );
      if (nextDay(before.valid_to) !== after.valid_from)
        throw new RuleFileError(
          file,
          id,
          `no version covers the days between ${before.valid_to} and ${after.valid_from}: the dates leave a gap`,
        );
    }
  }
}

function nextDay(date: string): string {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

function parse<T>(file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new RuleFileError(file, undefined, missing ? "is missing" : "is not valid YAML");
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path ?? [];
  let rule: string | undefined;
  if (path[0] === "benefits" && typeof path[1] === "number") {
    const id = (raw as { benefits?: Array<{ id?: unknown }> }).benefits?.[path[1]]?.id;
    rule = typeof id === "string" ? id : `#${path[1] + 1}`;
  }
  const field = (rule ? path.slice(2) : path).join(".");
  return fail(new RuleFileError(file, rule, `${field ? `${field}: ` : ""}${issue?.message ?? "is not valid"}`));
}

function fail(error: Error): never {
  throw error;
}

/** A text every language must have: the office edits rules, translators the texts. */
function requireText(texts: Texts, key: string, file: string, rule: string | undefined): void {
  for (const lng of LANGUAGES)
    if (!texts.has(key, lng)) throw new RuleFileError(file, rule, `the text "${key}" is missing from locales/${lng}`);
}
