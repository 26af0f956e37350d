import { describe, expect, it } from "vitest";
import type { InboundContent } from "../../src/core/engine/messages.js";
import type { Flow } from "../../src/core/flows/compile.js";
import type { FlowEvent } from "../../src/core/flows/machine.js";
import { isQuestion, type QuestionStep } from "../../src/core/flows/schema.js";
import { LANGUAGES, type Language } from "../../src/core/i18n/languages.js";
import { act, completePaths, stepOf } from "../support/drive.js";
import { engineOn, memoryStore, Person } from "../support/puente.js";

/**
 * Bad input at every question of the demo, in every language: the person gets one friendly line in
 * their language and the same question again, and the stored session does not change at all.
 */
const store = memoryStore();
const { engine, flows, texts } = engineOn(store);
const demo = flows.get("demo") as Flow;
const paths = completePaths(demo);
const questions = demo.steps.filter(isQuestion);
const LONG = "ñ".repeat(4096);

interface BadInput {
  what: string;
  content: InboundContent;
  /** The i18n key of the line that must come before the question again. */
  says: string;
}

function badInputs(step: QuestionStep): BadInput[] {
  const invalid = demo.texts.get(step.id)?.invalid ?? "";
  const text = (what: string, typed: string, says = invalid): BadInput => ({
    what,
    content: { kind: "text", text: typed },
    says,
  });
  const common: BadInput[] = [
    { what: "a sticker", content: { kind: "unsupported", what: "sticker" }, says: "common:unsupported" },
    { what: "a voice note", content: { kind: "unsupported", what: "voice" }, says: "common:voiceNote" },
    {
      what: "an option the question lacks",
      content: { kind: "choice", token: `a:demo:${step.id}:nothing` },
      says: "common:stale",
    },
    { what: "forged data", content: { kind: "choice", token: "'; DROP TABLE--" }, says: "common:stale" },
    {
      what: "a button of another question",
      content: { kind: "choice", token: "a:demo:intro:yes" },
      says: "common:stale",
    },
    {
      what: "a button of another flow",
      content: { kind: "choice", token: `a:consulta:${step.id}:yes` },
      says: "common:stale",
    },
    { what: "a menu button mid-flow", content: { kind: "choice", token: "m:demo" }, says: "common:stale" },
    text("an unknown command", "/foo", "common:command.unknown"),
  ];
  if (step.kind === "text")
    return [...common, text("a 4,096-character message", LONG, "common:invalid.tooLong"), text("only spaces", "   ")];
  const typed = [text("a 4,096-character message", LONG), text("emoji", "😀🎉"), text("nonsense", "qwerty")];
  switch (step.kind) {
    case "choice":
      return [...common, ...typed, text("a number out of range", "99"), text("zero", "0")];
    case "yesno":
      return [...common, ...typed, text("maybe", "3")];
    case "number":
      return [
        ...common,
        ...typed,
        text("below the minimum", String(step.min - 1)),
        text("above the maximum", String(step.max + 1)),
        text("a decimal", "12.5"),
        text("two numbers", "20 or 30"),
      ];
    case "multichoice":
      return [
        ...common,
        ...typed,
        text("more than the maximum", "1,2,3", "common:invalid.tooMany"),
        text("an option out of range", "1,9"),
        {
          what: "done with nothing ticked",
          content: { kind: "choice", token: `c:demo:${step.id}:done` },
          says: "common:invalid.noneChosen",
        },
      ];
  }
}

async function reach(person: Person, lng: Language, stepId: string): Promise<void> {
  const path = paths.find((p) => p.steps.some((s) => stepOf(s.state.value) === stepId));
  if (!path) throw new Error(`no path reaches ${stepId}`);
  await person.say("/start");
  await person.say("/start demo");
  for (const [at, step] of path.steps.entries()) {
    if (at === 0) continue;
    if (stepOf(path.steps[at - 1]?.state.value) === stepId) return;
    await act(person, demo, texts, lng, person.prompt(), step.event as FlowEvent, false);
  }
}

describe.each(LANGUAGES)("bad input in %s", (lng) => {
  it.each(questions.map((q) => [q.id, q] as const))("at %s: a re-prompt, nothing stored", async (stepId, step) => {
    const person = new Person(engine, `bad-${lng}-${stepId}`, lng);
    await reach(person, lng, stepId);
    expect(person.prompt().ref?.step).toBe(stepId);
    const key = engine.chatKey("test", person.chatId);
    const before = await store.read(key);
    for (const bad of badInputs(step)) {
      const reply = await person.send(bad.content);
      const limits = {
        min: "min" in step ? step.min : 0,
        max: "max" in step ? step.max : "maxLength" in step ? step.maxLength : 0,
      };
      expect(reply[0], bad.what).toEqual({ kind: "text", text: texts.t(lng, bad.says, limits) });
      expect(reply).toHaveLength(2);
      expect(person.prompt().ref?.step, bad.what).toBe(stepId);
      expect(await store.read(key), bad.what).toEqual(before);
    }
  });

  it("ticking more options than allowed is refused, and the ticks so far stay", async () => {
    const person = new Person(engine, `bad-${lng}-ticks`, lng);
    await reach(person, lng, "needs");
    const options = person.prompt().choices.filter((c) => c.role === "option");
    await person.tap(options[0]?.token ?? "");
    await person.tap(options[1]?.token ?? "");
    const reply = await person.tap(options[2]?.token ?? "");
    expect(reply[0]).toEqual({ kind: "text", text: texts.t(lng, "common:invalid.tooMany", { max: 2 }) });
    expect(
      person
        .prompt()
        .choices.filter((c) => c.selected)
        .map((c) => c.token),
    ).toEqual([options[0]?.token, options[1]?.token]);
  });

  it("a command mid-flow answers it and asks the same question again, with every answer kept", async () => {
    const person = new Person(engine, `bad-${lng}-commands`, lng);
    await reach(person, lng, "children");
    const key = engine.chatKey("test", person.chatId);
    const answers = JSON.parse((await store.read(key))?.value ?? "{}").mode.flow.context.answers;
    for (const command of ["/help", "/menu", "/start"]) {
      await person.say(command);
      expect(person.prompt().ref?.step, command).toBe("children");
    }
    expect(person.texts()[0]).toBe(texts.t(lng, "common:flow.inProgress", { title: texts.t(lng, "demo:title") }));
    expect(JSON.parse((await store.read(key))?.value ?? "{}").mode.flow.context.answers).toEqual(answers);
  });
});
