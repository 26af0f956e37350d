import { describe, expect, it } from "vitest";
import { ENDED, type FlowEvent, SUBMITTED } from "../src/core/flows/machine.js";
import { isQuestion } from "../src/core/flows/schema.js";
import { LANGUAGES, type Language } from "../src/core/i18n/languages.js";
import { act, completePaths, stepOf } from "./support/drive.js";
import { CASES_ON, engineOn, memoryStore, type OpenedCase, Person, type RecordedResponse } from "./support/puente.js";

/**
 * Every route through every flow in flows/, generated from its machine with xstate/graph, driven
 * through the real engine as a person would — alternately by tapping and by typing — in every
 * language. Back and changing an answer at the review are in conversation.test.ts.
 */
const submissions: RecordedResponse[] = [];
const opened: OpenedCase[] = [];
const { engine, flows, texts, rules, office } = engineOn(memoryStore(), CASES_ON, {
  recordInto: submissions,
  openInto: opened,
});
const today = () => office.local(new Date()).date;

describe.each([...flows.keys()])("every path through the %s flow", (flowId) => {
  const flow = flows.get(flowId);
  if (!flow) throw new Error(flowId);
  const paths = completePaths(flow);

  it("reaches every question and every end, and submits on some route", () => {
    const visited = new Set(paths.flatMap((path) => path.steps.map((step) => stepOf(step.state.value))));
    for (const step of flow.steps.filter(isQuestion)) expect(visited, step.id).toContain(step.id);
    const ends = paths.map((path): unknown => path.state.value);
    expect(ends).toContain(SUBMITTED);
    const endSteps = flow.steps.filter((step) => step.kind === "end");
    expect(ends.filter((value) => value === ENDED).length).toBeGreaterThanOrEqual(endSteps.length);
  });

  it.each(LANGUAGES)(
    "in %s: asks each question of the route in order and submits exactly its answers",
    async (lng: Language) => {
      for (const [index, path] of paths.entries()) {
        submissions.length = 0;
        opened.length = 0;
        const person = new Person(engine, `${flowId}-${lng}-${index}`, lng);
        await person.say(`/start ${flowId}`);
        for (const [at, step] of path.steps.entries()) {
          if (at === 0) continue;
          const asked = person.prompt();
          expect(asked.ref?.step).toBe(stepOf(path.steps[at - 1]?.state.value));
          await act(person, flow, texts, lng, asked, step.event as FlowEvent, index % 2 === 1);
        }
        const answers = path.state.context.answers;
        if ((path.state.value as unknown) === SUBMITTED && flow.case) {
          // A case for staff: its kind, and a summary line for each answer but the consent itself.
          expect(submissions).toEqual([]);
          expect(opened).toEqual([expect.objectContaining({ caseKind: flow.case.kind, lng, channel: "test" })]);
          expect(opened[0]?.summary).toHaveLength(Object.keys(answers).length - 1);
          expect(person.texts()).toContain(texts.t(lng, flow.doneKey));
          continue;
        }
        if ((path.state.value as unknown) === SUBMITTED) {
          const results = flow.results === "eligibility" ? (rules?.evaluate(answers, today()) ?? []) : [];
          const outcomes = Object.fromEntries(results.map((result) => [result.benefit, result.outcome]));
          expect(submissions).toEqual([
            { flow: flowId, version: flow.version, lng, answers, ...(results.length ? { outcomes } : {}) },
          ]);
          expect(person.texts()).toContain(texts.t(lng, flow.doneKey));
          // Every outcome of the rules shows, titled in the person's language; nothing else does.
          const said = person.texts().join("\n");
          for (const result of results) expect(said).toContain(texts.t(lng, result.title));
          if (flow.offerHandoff) {
            expect(person.prompt().expects).toBe("offer");
            continue;
          }
        } else {
          expect(submissions).toEqual([]);
          expect(opened).toEqual([]);
          const said = flow.steps
            .filter((step) => step.kind === "end")
            .map((step) => texts.t(lng, flow.texts.get(step.id)?.text ?? ""));
          expect(person.texts().some((text) => said.includes(text))).toBe(true);
        }
        expect(person.prompt().expects).toBe("menu");
      }
    },
  );
});

describe("the demo's routes", () => {
  it("are the declined one and every combination of the answers that branch", () => {
    const demo = flows.get("demo");
    if (!demo) throw new Error("demo");
    const ends = completePaths(demo).map((path): unknown => path.state.value);
    expect(ends.filter((value) => value === ENDED)).toHaveLength(1);
    // country (5 options + skip) × children (yes, no); the other questions take one answer per route.
    expect(ends.filter((value) => value === SUBMITTED)).toHaveLength(6 * 2);
  });
});
