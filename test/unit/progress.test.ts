import { describe, expect, it } from "vitest";
import { mayHold } from "../../src/core/flows/condition.js";
import type { FlowEvent } from "../../src/core/flows/machine.js";
import { isQuestion, type QuestionStep } from "../../src/core/flows/schema.js";
import { LANGUAGES } from "../../src/core/i18n/languages.js";
import { fold } from "../../src/core/i18n/words.js";
import { contactsText } from "../../src/core/office/render.js";
import { engineOn, memoryStore, Person } from "../support/puente.js";

/**
 * What a person sees of where they are and what they can send: progress that counts the questions
 * that may still apply (its total never grows as they answer), the review's own words typed, and a
 * kind answer to a voice note.
 */
const { engine, flows, texts, office } = engineOn(memoryStore());

describe("progress", () => {
  it("reads a condition on a question not answered yet as undecided, and decides it once answered", () => {
    const open = (step: string) => step === "a";
    expect(mayHold({ step: "a", equals: true }, {}, open)).toBeUndefined();
    expect(mayHold({ not: { step: "a", equals: true } }, {}, open)).toBeUndefined();
    expect(
      mayHold(
        {
          all: [
            { step: "a", equals: true },
            { step: "b", equals: 1 },
          ],
        },
        {},
        open,
      ),
    ).toBe(false);
    expect(
      mayHold(
        {
          any: [
            { step: "a", equals: true },
            { step: "b", answered: false },
          ],
        },
        {},
        open,
      ),
    ).toBe(true);
    expect(
      mayHold(
        {
          any: [
            { step: "a", equals: true },
            { step: "b", equals: 1 },
          ],
        },
        {},
        open,
      ),
    ).toBeUndefined();
    expect(mayHold({ step: "a", equals: true }, { a: true }, open)).toBe(true);
    expect(mayHold({ step: "a", equals: true }, { a: null }, open)).toBe(false);
    // A question that will never be asked stays unanswered: a condition on it is decided.
    expect(mayHold({ step: "c", equals: true }, {}, open)).toBe(false);
  });

  it.each([...flows.keys()])(
    "in %s, never grows as the person answers: the index rises, the total only shrinks",
    (id) => {
      const flow = flows.get(id);
      if (!flow) throw new Error(id);
      // Many walks through the flow with answers picked at random (seeded), each to its end or its review.
      let seed = 7;
      const pick = <T>(items: readonly T[]): T => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return items[seed % items.length] as T;
      };
      const answerOf = (step: QuestionStep): FlowEvent => {
        if (step.skippable && pick([true, false, false, false])) return { type: "SKIP" };
        switch (step.kind) {
          case "choice":
            return { type: "ANSWER", value: pick(step.options).id };
          case "multichoice":
            return { type: "ANSWER", value: [...new Set([pick(step.options).id, pick(step.options).id])] };
          case "yesno":
            return { type: "ANSWER", value: pick([true, false]) };
          case "number":
            return { type: "ANSWER", value: pick([step.min, step.max, Math.round((step.min + step.max) / 2)]) };
          case "text":
            return { type: "ANSWER", value: "texto" };
        }
      };
      for (let walk = 0; walk < 300; walk++) {
        let { snapshot } = flow.stepper.initial();
        let last = { index: 0, total: Number.POSITIVE_INFINITY };
        for (;;) {
          const at = snapshot.value;
          const step = typeof at === "string" ? flow.step(at) : undefined;
          if (snapshot.status !== "active" || !step || !isQuestion(step)) break;
          const answers = snapshot.context.answers;
          const counted = flow.possibleQuestions(answers);
          const now = { index: counted.findIndex((q) => q.id === step.id) + 1, total: counted.length };
          expect(now.index, `${id} ${at}`).toBeGreaterThan(last.index);
          expect(now.total, `${id} ${at}`).toBeLessThanOrEqual(last.total);
          expect(now.total).toBeGreaterThanOrEqual(flow.applicableQuestions(answers).length);
          last = now;
          snapshot = flow.stepper.next(snapshot, answerOf(step)).snapshot;
        }
      }
    },
  );

  it("shows the demo's follow-ups as possible until the answer that rules them out", async () => {
    const person = new Person(engine, undefined, "es");
    await person.say("/start demo");
    expect(person.prompt().progress).toEqual({ index: 1, total: 8 });
    await person.choose("Sí");
    await person.choose("Venezuela");
    expect(person.prompt().progress).toEqual({ index: 3, total: 7 });
    await person.say("40");
    await person.choose("No");
    expect(person.prompt()).toMatchObject({ ref: { step: "needs" }, progress: { index: 5, total: 6 } });
  });
});

describe("the review, typed", () => {
  it.each(LANGUAGES)(
    "in %s, the submit button's own word submits, and the change button's words change",
    async (lng) => {
      const word = fold(texts.t(lng, "common:review.confirm"));
      expect(word.length).toBeGreaterThan(0);
      const person = new Person(engine, undefined, lng);
      await person.say("/start demo");
      await person.say("1");
      await person.say("1");
      await person.say("40");
      await person.say("2");
      await person.say("1");
      await person.choose("skip");
      expect(person.prompt().ref?.step).toBe("_review");
      await person.say(fold(texts.t(lng, "common:review.change")));
      expect(person.prompt().ref?.step).toBe("_review_choose");
      await person.choose("back");
      expect(person.prompt().ref?.step).toBe("_review");
      // Typed as people type it: capitalised, with a full stop.
      await person.say(`${word.charAt(0).toUpperCase()}${word.slice(1)}.`);
      expect(person.texts()).toContain(texts.t(lng, "demo:done"));
      expect(person.prompt().expects).toBe("menu");
    },
  );
});

describe("voice notes", () => {
  it.each(["voice", "audio", "ptt"])(
    "a %s gets a kind line with the office's contacts, then the question again",
    async (what) => {
      const person = new Person(engine, undefined, "es");
      await person.say("/start demo");
      const reply = await person.send({ kind: "unsupported", what });
      expect(reply[0]).toEqual({ kind: "text", text: texts.t("es", "common:voiceNote") });
      expect(person.prompt().ref?.step).toBe("consent");
      // At the menu too.
      await person.say("/menu");
      expect((await person.send({ kind: "unsupported", what }))[0]?.text).toBe(texts.t("es", "common:voiceNote"));
    },
  );

  it.each(LANGUAGES)(
    "in %s, names the office and how to reach it; a sticker still gets the short line",
    async (lng) => {
      const line = texts.t(lng, "common:voiceNote");
      expect(line).not.toContain("{{");
      expect(line.endsWith(`\n${contactsText(office, texts, lng)}`)).toBe(true);
      const person = new Person(engine, undefined, "es");
      await person.say("/start demo");
      expect((await person.send({ kind: "unsupported", what: "sticker" }))[0]?.text).toBe(
        texts.t("es", "common:unsupported"),
      );
    },
  );
});
