import { getAdjacencyMap } from "xstate/graph";
import type { Flow } from "../../src/core/flows/compile.js";
import { stepsReadBy } from "../../src/core/flows/condition.js";
import { type FlowEvent, REVIEW } from "../../src/core/flows/machine.js";
import { type Answers, isQuestion } from "../../src/core/flows/schema.js";
import type { Language } from "../../src/core/i18n/languages.js";
import type { Texts } from "../../src/core/i18n/texts.js";
import type { Person, Prompt } from "./puente.js";

/** Every answer a question can take that may matter: each option, both bounds, "prefer not to say". */
function answersOf(flow: Flow, stepId: string): FlowEvent[] {
  const step = flow.step(stepId);
  if (!step || !isQuestion(step)) return [];
  const skip: FlowEvent[] = step.skippable ? [{ type: "SKIP" }] : [];
  switch (step.kind) {
    case "choice":
      return [...skip, ...step.options.map((o) => ({ type: "ANSWER" as const, value: o.id }))];
    case "multichoice":
      return [
        ...skip,
        { type: "ANSWER", value: [step.options[0]?.id ?? ""] },
        { type: "ANSWER", value: step.options.slice(-step.max).map((o) => o.id) },
      ];
    case "yesno":
      return [...skip, { type: "ANSWER", value: true }, { type: "ANSWER", value: false }];
    case "number":
      return [...skip, { type: "ANSWER", value: step.min }, { type: "ANSWER", value: step.max }];
    case "text":
      return [...skip, { type: "ANSWER", value: "Bolivia 🇧🇴 àé, llegué en 2019" }];
  }
}

/**
 * The events that make the routes of a flow: every answer of a question that a condition reads
 * (it changes where the flow goes), and one answer of any other question — a different one from
 * path to path, chosen from the answers so far, so that across the routes every answer is used.
 */
export function routeEvents(
  flow: Flow,
  branching: ReadonlySet<string>,
  snapshot: { value: unknown; context: { answers: Answers } },
): FlowEvent[] {
  const value = snapshot.value;
  if (typeof value !== "string")
    return (value as Record<string, string> | null)?.[REVIEW] === "summary" ? [{ type: "CONFIRM" }] : [];
  const all = answersOf(flow, value);
  if (branching.has(value) || all.length === 0) return all;
  const seed = [...JSON.stringify(snapshot.context.answers)].reduce((sum, char) => sum + char.charCodeAt(0), 0);
  return [all[seed % all.length] as FlowEvent];
}

type FlowSnapshot = ReturnType<Flow["machine"]["getInitialSnapshot"]>;
interface RouteStep {
  state: FlowSnapshot;
  event: FlowEvent | { type: "xstate.init" };
}
export interface Route {
  state: FlowSnapshot;
  steps: RouteStep[];
  weight: number;
}

/**
 * Every route of a flow: each simple path from the start to one of its ends, in the shape and
 * order xstate/graph's getSimplePaths gives them (each step: a state and the event that led into
 * it). getSimplePaths searches the whole graph once per state it holds, which grows with the
 * square of a long flow's states; one search from the start to the ends finds the same routes.
 */
export function completePaths(flow: Flow): Route[] {
  const branching = new Set(flow.steps.flatMap((step) => (step.when ? stepsReadBy(step.when) : [])));
  const serialize = (snapshot: FlowSnapshot) => JSON.stringify([snapshot.value, snapshot.context.answers]);
  // Breadth-first from the start: the first state is the start, and the ends come in the order
  // getSimplePaths lists its routes.
  const nodes = new Map(
    Object.entries(
      getAdjacencyMap(flow.machine, {
        events: (snapshot) => routeEvents(flow, branching, snapshot),
        serializeState: serialize,
      }),
    ),
  );
  const found = new Map<string, Route[]>();
  const taken: Array<{ state: FlowSnapshot; event: FlowEvent }> = [];
  const onRoute = new Set<string>();
  const walk = (serial: string) => {
    const node = nodes.get(serial);
    if (!node) return;
    if (node.state.status === "done") {
      const steps: RouteStep[] = taken.map(({ state }, at) => ({
        state,
        event: at === 0 ? { type: "xstate.init" as const } : (taken[at - 1]?.event as FlowEvent),
      }));
      const last = taken.at(-1)?.event;
      steps.push({ state: node.state, event: last ?? { type: "xstate.init" } });
      found.set(serial, [...(found.get(serial) ?? []), { state: node.state, steps, weight: taken.length }]);
      return;
    }
    onRoute.add(serial);
    const transitions = Object.values(node.transitions) as Array<{ event: FlowEvent; state: FlowSnapshot }>;
    for (const { event, state } of transitions) {
      const next = serialize(state);
      if (onRoute.has(next)) continue;
      taken.push({ state: node.state, event });
      walk(next);
      taken.pop();
    }
    onRoute.delete(serial);
  };
  walk([...nodes.keys()][0] ?? "");
  return [...nodes.keys()].flatMap((serial) => found.get(serial) ?? []);
}

/** The step a state value asks: a question id, or "_review". */
export function stepOf(value: unknown): string {
  return typeof value === "string" ? value : REVIEW;
}

/**
 * Gives a machine event to the engine as a person would: by tapping the prompt's button, or by
 * typing (the option's label in capitals, a number, a word of the person's language).
 */
export async function act(
  person: Person,
  flow: Flow,
  texts: Texts,
  lng: Language,
  prompt: Prompt,
  event: FlowEvent,
  typing: boolean,
): Promise<void> {
  const stepId = prompt.ref?.step ?? "";
  const tap = (role: string, option?: string) => {
    const choice = prompt.choices.find(
      (c) => c.role === role && (option === undefined || c.token.endsWith(`:${option}`)),
    );
    if (!choice) throw new Error(`no ${role} ${option ?? ""} at ${stepId}`);
    return person.tap(choice.token);
  };
  const word = (key: string) => texts.list(lng, `common:words.${key}`)[0] ?? "";
  if (event.type === "CONFIRM") {
    await (typing ? person.say("1") : tap("confirm"));
    return;
  }
  if (event.type === "SKIP") {
    await (typing ? person.say(word("skip")) : tap("skip"));
    return;
  }
  if (event.type !== "ANSWER") throw new Error(`cannot act ${event.type}`);
  const value = event.value;
  const step = flow.step(stepId);
  if (!step || !isQuestion(step)) throw new Error(`expected a question, got ${stepId}`);
  if (typeof value === "boolean") {
    await (typing ? person.say(word(value ? "yes" : "no")) : tap("option", value ? "yes" : "no"));
  } else if (typeof value === "number") {
    await person.say(typing ? String(value) : `${value} 👍`);
  } else if (Array.isArray(value) && step.kind === "multichoice") {
    if (typing) {
      await person.say(value.map((id) => step.options.findIndex((o) => o.id === id) + 1).join(", "));
      return;
    }
    for (const id of value) await tap("option", id);
    await person.choose("done");
  } else if (typeof value === "string" && step.kind === "choice") {
    const label = prompt.choices.find((c) => c.token.endsWith(`:${value}`))?.label ?? "";
    await (typing ? person.say(label.toUpperCase()) : tap("option", value));
  } else {
    await person.say(String(value));
  }
}
