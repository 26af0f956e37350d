import { and, assign, createActor, not, setup } from "xstate";
import { fits } from "./answers.js";
import { holds } from "./condition.js";
import { type Answer, type Answers, type FlowFile, type FlowStep, isQuestion, type QuestionStep } from "./schema.js";

/**
 * Turns a flow file into an XState machine, once at start.
 *
 * One state per step, in file order, then `_review`, then the finals `_submitted` and `_ended`
 * (step ids start with a letter, so they cannot collide). Skip logic is an eventless transition
 * past a step whose condition does not hold. "Back" goes to the nearest earlier question that
 * applies and has an answer: exactly the questions that were asked, derived from the answers, so
 * the context needs no history that grows.
 */

export interface FlowContext {
  answers: Answers;
  /** While changing an answer from the review: the step being changed; answered steps after it are passed. */
  editing: string | null;
  /** Multiple-choice options ticked so far on the current question. */
  pending: string[];
}

export type FlowEvent =
  | { type: "ANSWER"; value: Answer }
  | { type: "SKIP" }
  | { type: "BACK" }
  | { type: "TOGGLE"; option: string }
  | { type: "CONFIRM" }
  | { type: "CHANGE" }
  | { type: "EDIT"; step: string };

export const REVIEW = "_review";
export const SUBMITTED = "_submitted";
export const ENDED = "_ended";

interface StepParams {
  step: string;
}

export function buildFlowMachine(flow: FlowFile) {
  const steps = new Map(flow.steps.map((step) => [step.id, step]));
  const question = (id: string) => steps.get(id) as QuestionStep;
  const applies = (id: string, answers: Answers) => {
    const when = steps.get(id)?.when;
    return when === undefined || holds(when, answers);
  };

  const flowSetup = setup({
    types: { context: {} as FlowContext, events: {} as FlowEvent },
    guards: {
      applies: ({ context }, params: StepParams) => applies(params.step, context.answers),
      isEditing: ({ context }) => context.editing !== null,
      passWhileEditing: ({ context }, params: StepParams) =>
        context.editing !== null && context.editing !== params.step && params.step in context.answers,
      wasAsked: ({ context }, params: StepParams) =>
        params.step in context.answers && applies(params.step, context.answers),
      isMissing: ({ context }, params: StepParams) =>
        !(params.step in context.answers) && applies(params.step, context.answers),
      fits: ({ event }, params: StepParams) => event.type === "ANSWER" && fits(question(params.step), event.value),
      canToggle: ({ context, event }, params: StepParams) => {
        const step = question(params.step);
        if (event.type !== "TOGGLE" || step.kind !== "multichoice") return false;
        if (!step.options.some((option) => option.id === event.option)) return false;
        return context.pending.includes(event.option) || context.pending.length < step.max;
      },
      isEditTarget: ({ context, event }, params: StepParams) =>
        event.type === "EDIT" &&
        event.step === params.step &&
        params.step in context.answers &&
        applies(params.step, context.answers),
    },
    actions: {
      record: assign(({ context, event }, params: StepParams) => ({
        answers: { ...context.answers, [params.step]: event.type === "ANSWER" ? event.value : null },
        pending: [],
      })),
      toggle: assign(({ context, event }) => {
        if (event.type !== "TOGGLE") return {};
        const on = context.pending.includes(event.option);
        return {
          pending: on ? context.pending.filter((id) => id !== event.option) : [...context.pending, event.option],
        };
      }),
      loadPending: assign(({ context }, params: StepParams) => {
        const current = context.answers[params.step];
        return { pending: Array.isArray(current) ? [...current] : [] };
      }),
      editAt: assign((_, params: StepParams) => ({ editing: params.step })),
      /** Going back while changing an answer makes the step gone back to the one being changed. */
      retarget: assign(({ context }, params: StepParams) => ({
        editing: context.editing === null ? null : params.step,
      })),
      /** On reaching the review nothing is being changed or ticked any more. */
      settle: assign({ editing: null, pending: [] }),
      /** Drops answers to questions that no longer apply after a change, in file order. */
      prune: assign(({ context }) => {
        const kept: Answers = {};
        for (const step of flow.steps) {
          const answer = context.answers[step.id];
          if (answer !== undefined && applies(step.id, kept)) kept[step.id] = answer;
        }
        return { answers: kept };
      }),
      /** Shows a note or an end step's text; the engine renders it from the returned action. */
      say: (_, _params: StepParams) => {},
    },
  });

  const target = (id: string) => `#${flow.id}.${id}`;
  const afterLast = flow.review ? REVIEW : SUBMITTED;
  const next = (index: number) => target(flow.steps[index + 1]?.id ?? afterLast);
  const questions = flow.steps.filter(isQuestion);
  const backTo = (before: FlowStep[]) =>
    before
      .filter(isQuestion)
      .reverse()
      .map((earlier) => ({
        guard: { type: "wasAsked" as const, params: { step: earlier.id } },
        target: target(earlier.id),
        actions: { type: "retarget" as const, params: { step: earlier.id } },
      }));

  const stepStates = Object.fromEntries(
    flow.steps.map((step, index) => {
      const params = { step: step.id };
      if (step.kind === "note") {
        return [
          step.id,
          {
            always: [
              {
                guard: and([{ type: "applies", params }, not("isEditing")]),
                target: next(index),
                actions: { type: "say", params },
              },
              { target: next(index) },
            ],
          },
        ];
      }
      if (step.kind === "end") {
        return [
          step.id,
          {
            always: [
              { guard: { type: "applies", params }, target: target(ENDED), actions: { type: "say", params } },
              { target: next(index) },
            ],
          },
        ];
      }
      return [
        step.id,
        {
          entry: step.kind === "multichoice" ? [{ type: "loadPending", params }] : [],
          always: [
            { guard: not({ type: "applies", params }), target: next(index) },
            { guard: { type: "passWhileEditing", params }, target: next(index) },
          ],
          on: {
            ANSWER: { guard: { type: "fits", params }, target: next(index), actions: { type: "record", params } },
            ...(step.skippable ? { SKIP: { target: next(index), actions: { type: "record", params } } } : {}),
            ...(step.kind === "multichoice"
              ? { TOGGLE: { guard: { type: "canToggle", params }, actions: { type: "toggle" } } }
              : {}),
            BACK: backTo(flow.steps.slice(0, index)),
          },
        },
      ];
    }),
  );

  return flowSetup.createMachine({
    id: flow.id,
    context: { answers: {}, editing: null, pending: [] },
    initial: flow.steps[0]?.id ?? REVIEW,
    states: {
      ...stepStates,
      [REVIEW]: {
        entry: ["prune", "settle"],
        always: questions.map((step) => ({
          guard: { type: "isMissing", params: { step: step.id } },
          target: target(step.id),
          actions: { type: "editAt", params: { step: step.id } },
        })),
        initial: "summary",
        states: {
          summary: {
            on: { CONFIRM: target(SUBMITTED), CHANGE: "choosing", BACK: backTo(flow.steps) },
          },
          choosing: {
            on: {
              EDIT: questions.map((step) => ({
                guard: { type: "isEditTarget", params: { step: step.id } },
                target: target(step.id),
                actions: { type: "editAt", params: { step: step.id } },
              })),
              BACK: "summary",
            },
          },
        },
      },
      [SUBMITTED]: { type: "final" },
      [ENDED]: { type: "final" },
    },
  });
}

export type FlowMachine = ReturnType<typeof buildFlowMachine>;

type FlowSnapshot = ReturnType<FlowMachine["resolveState"]>;

/** A transition's outcome: the next snapshot and the note/end steps to say on the way. */
export interface Step {
  snapshot: FlowSnapshot;
  says: string[];
}

/**
 * Runs a flow machine as a pure function on the hot path. XState's `transition()` builds a
 * throw-away actor (and its initial state) on every call; the machine has no children nor
 * delays, so one inert scope per machine, made at start, serves every message.
 */
export class FlowStepper {
  readonly #machine: FlowMachine;
  readonly #scope: Parameters<FlowMachine["transition"]>[2];
  #says: string[] = [];

  constructor(machine: FlowMachine) {
    this.#machine = machine;
    const self = createActor(machine);
    this.#scope = {
      self,
      id: "",
      sessionId: "",
      logger: () => {},
      defer: () => {},
      emit: () => {},
      system: self.system,
      stopChild: () => {},
      actionExecutor: (action) => {
        const step = (action.params as Partial<StepParams> | undefined)?.step;
        if (action.type === "say" && step) this.#says.push(step);
      },
    };
  }

  initial(): Step {
    return this.#run(() => this.#machine.getInitialSnapshot(this.#scope));
  }

  next(snapshot: FlowSnapshot, event: FlowEvent): Step {
    return this.#run(() => this.#machine.transition(snapshot, event, this.#scope));
  }

  #run(compute: () => FlowSnapshot): Step {
    this.#says = [];
    const snapshot = compute();
    return { snapshot, says: this.#says };
  }
}
