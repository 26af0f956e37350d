import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { z } from "zod";
import { stepsReadBy } from "./condition.js";
import { type Condition, type FlowFile, type FlowStep, flowFileSchema, isQuestion } from "./schema.js";

/** A flow file the program refuses, naming the file, the step and the problem. */
export class FlowFileError extends Error {
  override name = "FlowFileError";
  constructor(
    readonly file: string,
    readonly step: string | undefined,
    readonly problem: string,
  ) {
    super(`${file}${step ? `, step "${step}"` : ""}: ${problem}`);
  }
}

const FLOW_EXTENSIONS = /\.(ya?ml|json)$/;

/** Reads and checks every flow file of a folder; the first bad one stops the start. */
export function loadFlowFiles(dir: string): Array<{ file: string; flow: FlowFile }> {
  const files = readdirSync(dir)
    .filter((name) => FLOW_EXTENSIONS.test(name))
    .sort();
  const loaded = files.map((name) => {
    const file = join(dir, name);
    return { file, flow: parseFlowFile(file, readFileSync(file, "utf8")) };
  });
  const seen = new Map<string, string>();
  for (const { file, flow } of loaded) {
    const other = seen.get(flow.id);
    if (other) throw new FlowFileError(file, undefined, `flow id "${flow.id}" is already used by ${other}`);
    seen.set(flow.id, file);
  }
  return loaded;
}

/** Parses one flow file's text and checks its shape and its logic. */
export function parseFlowFile(file: string, source: string): FlowFile {
  let raw: unknown;
  try {
    raw = file.endsWith(".json") ? JSON.parse(source) : parseYaml(source);
  } catch (error) {
    const where = error instanceof YAMLParseError ? ` (line ${error.linePos?.[0]?.line ?? "?"})` : "";
    throw new FlowFileError(file, undefined, `is not valid ${file.endsWith(".json") ? "JSON" : "YAML"}${where}`);
  }
  const result = flowFileSchema.safeParse(raw);
  if (!result.success) throw shapeError(file, raw, result.error);
  checkLogic(file, result.data);
  return result.data;
}

function shapeError(file: string, raw: unknown, error: z.ZodError): FlowFileError {
  const issue = error.issues[0];
  const path = issue?.path ?? [];
  let step: string | undefined;
  if (path[0] === "steps" && typeof path[1] === "number") {
    const steps = (raw as { steps?: Array<{ id?: unknown }> } | null)?.steps;
    const stepId = steps?.[path[1]]?.id;
    step = typeof stepId === "string" ? stepId : `#${path[1] + 1}`;
  }
  const field = (step ? path.slice(2) : path).join(".");
  return new FlowFileError(file, step, `${field ? `${field}: ` : ""}${issue?.message ?? "is not a valid flow"}`);
}

function checkLogic(file: string, flow: FlowFile): void {
  const earlier = new Map<string, FlowStep>();
  flow.steps.forEach((step, index) => {
    const fail = (problem: string) => new FlowFileError(file, step.id, problem);
    if (earlier.has(step.id)) throw fail("the step id is used twice");
    if (step.when) checkCondition(step.when, earlier, fail);
    if (step.kind === "number" && step.min > step.max)
      throw fail(`min (${step.min}) is greater than max (${step.max})`);
    if (step.kind === "choice" || step.kind === "multichoice") {
      const ids = step.options.map((option) => option.id);
      const twice = ids.find((optionId, at) => ids.indexOf(optionId) !== at);
      if (twice) throw fail(`option "${twice}" is listed twice`);
      if (step.kind === "multichoice" && step.max > step.options.length)
        throw fail(`max (${step.max}) is more than the ${step.options.length} options`);
    }
    if (step.kind === "end" && !step.when && index < flow.steps.length - 1)
      throw fail("an end step without a condition makes every later step unreachable");
    earlier.set(step.id, step);
  });
  if (!flow.steps.some(isQuestion)) throw new FlowFileError(file, undefined, "a flow needs at least one question");
  checkCase(file, flow, earlier);
}

/**
 * A flow that opens a case must ask consent with a yes/no question, and a "no" must end it: a case
 * keeps a way to reach the person, which is never kept without their yes.
 */
function checkCase(file: string, flow: FlowFile, steps: Map<string, FlowStep>): void {
  const fail = (problem: string) => new FlowFileError(file, undefined, problem);
  if (flow.submission !== "case") {
    if (flow.case) throw fail('"case" only applies to a flow with submission: case');
    return;
  }
  if (!flow.case) throw fail('submission: case needs "case: { kind, consent }" naming the consent question');
  const consent = steps.get(flow.case.consent);
  if (consent?.kind !== "yesno")
    throw fail(`case.consent names "${flow.case.consent}", which must be a yes/no question of this flow`);
  const endsOnNo = flow.steps.some(
    (step) =>
      step.kind === "end" &&
      step.when !== undefined &&
      "step" in step.when &&
      step.when.step === consent.id &&
      "equals" in step.when &&
      step.when.equals === false,
  );
  if (!endsOnNo)
    throw fail(
      `a "no" to "${consent.id}" must end the flow: add an end step with when: { step: ${consent.id}, equals: false }`,
    );
  if (flow.offer_handoff) throw fail("a flow that opens a case cannot also offer one");
}

export function checkCondition(
  condition: Condition,
  earlier: ReadonlyMap<string, FlowStep>,
  fail: (problem: string) => Error,
): void {
  for (const stepId of stepsReadBy(condition)) {
    const target = earlier.get(stepId);
    if (!target) throw fail(`its condition reads "${stepId}", which is not an earlier step`);
    if (!isQuestion(target)) throw fail(`its condition reads "${stepId}", which is a ${target.kind}, not a question`);
  }
  if ("not" in condition) {
    checkCondition(condition.not, earlier, fail);
    return;
  }
  if ("all" in condition || "any" in condition) {
    for (const part of "all" in condition ? condition.all : condition.any) checkCondition(part, earlier, fail);
    return;
  }
  const target = earlier.get(condition.step) as FlowStep;
  const optionIds = "options" in target ? target.options.map((option) => option.id) : undefined;
  const compared: unknown[] =
    "equals" in condition
      ? [condition.equals]
      : "in" in condition
        ? condition.in
        : "includes" in condition
          ? [condition.includes]
          : [];
  for (const value of compared) {
    if (target.kind === "choice" || target.kind === "multichoice") {
      if (typeof value !== "string" || !optionIds?.includes(value))
        throw fail(
          `its condition compares "${condition.step}" with "${String(value)}", which is not one of its options`,
        );
    } else if (target.kind === "yesno" && typeof value !== "boolean") {
      throw fail(
        `its condition compares the yes/no question "${condition.step}" with ${JSON.stringify(value)}; use true or false`,
      );
    } else if (target.kind === "number" && typeof value !== "number") {
      throw fail(`its condition compares the number question "${condition.step}" with ${JSON.stringify(value)}`);
    }
  }
  if ("includes" in condition && target.kind !== "multichoice")
    throw fail(`"includes" only applies to a multiple-choice question, and "${condition.step}" is a ${target.kind}`);
  if (("gt" in condition || "gte" in condition || "lt" in condition || "lte" in condition) && target.kind !== "number")
    throw fail(`a comparison (gt, gte, lt, lte) needs a number question, and "${condition.step}" is a ${target.kind}`);
}
