import { describe, expect, it } from "vitest";
import type { Effect } from "../src/core/engine/conversation.js";
import type { Flow } from "../src/core/flows/compile.js";
import { ENDED, type FlowEvent, SUBMITTED } from "../src/core/flows/machine.js";
import { LANGUAGES, type Language } from "../src/core/i18n/languages.js";
import { act, completePaths, stepOf } from "./support/drive.js";
import { engineOn, memoryStore, Person } from "./support/puente.js";

/**
 * Every route through the demo flow, generated from its machine with xstate/graph, driven through
 * the real engine as a person would — alternately by tapping and by typing — in every language.
 * Back and changing an answer at the review are in conversation.test.ts: here they would only
 * multiply the same routes.
 */
describe("every path through the demo flow", () => {
  const submissions: Array<Extract<Effect, { kind: "submitted" }>> = [];
  const { engine, flows, texts } = engineOn(memoryStore(), {}, { onSubmitted: async (s) => void submissions.push(s) });
  const demo = flows.get("demo") as Flow;
  const paths = completePaths(demo);

  it("finds the routes: declined, and every combination of the answers that branch", () => {
    const ends = paths.map((path): unknown => path.state.value);
    expect(ends.filter((value) => value === ENDED)).toHaveLength(1);
    // country (5 options + skip) × age (2 bounds + skip) × children (no, yes × 2 counts) × needs (2 + skip) × comment (text, skip)
    expect(ends.filter((value) => value === SUBMITTED)).toHaveLength(6 * 3 * 3 * 3 * 2);
  });

  it.each(LANGUAGES)(
    "in %s: asks each question of the route in order and submits exactly its answers",
    async (lng: Language) => {
      for (const [index, path] of paths.entries()) {
        submissions.length = 0;
        const person = new Person(engine, `${lng}-${index}`, lng);
        await person.say("/start");
        await person.choose("flow");
        for (const [at, step] of path.steps.entries()) {
          if (at === 0) continue;
          const asked = person.prompt();
          expect(asked.ref?.step).toBe(stepOf(path.steps[at - 1]?.state.value));
          await act(person, demo, texts, lng, asked, step.event as FlowEvent, index % 2 === 1);
        }
        if ((path.state.value as unknown) === SUBMITTED) {
          expect(submissions).toEqual([
            { kind: "submitted", flow: "demo", version: 1, lng, answers: path.state.context.answers },
          ]);
          expect(person.texts()).toContain(texts.t(lng, "demo:done"));
        } else {
          expect(submissions).toEqual([]);
          expect(person.texts()).toContain(texts.t(lng, "demo:declined.text"));
        }
        expect(person.prompt().expects).toBe("menu");
      }
    },
  );
});
