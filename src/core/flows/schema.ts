import { z } from "zod";
import { caseKindSchema } from "../cases/kinds.js";

/**
 * The shape of a flow file (`flows/*.yaml`): what the office edits to change a question.
 * Texts are never written here: every text is an i18n key, by convention
 * `<flow id>:<step id>.text`, `<flow id>:<step id>.options.<option id>`, `<flow id>:<step id>.invalid`,
 * or an explicit key where a step sets one.
 */

const id = (what: string, max: number) =>
  z.string().regex(new RegExp(`^[a-z][a-z0-9_]{0,${max - 1}}$`), {
    message: `${what} must be 1-${max} lowercase letters, digits or _, starting with a letter`,
  });

export const flowIdSchema = id("a flow id", 16);
export const stepIdSchema = id("a step id", 24);
export const optionIdSchema = id("an option id", 16);
const i18nKey = z.string().regex(/^[a-z][a-z0-9_-]*:[A-Za-z0-9_.-]+$/, {
  message: 'must be an i18n key such as "consulta:age.text" (namespace:key), not a literal text',
});

/** Skip logic as structured data: a tree of comparisons on earlier answers, never code. */
export type Condition =
  | { step: string; equals: string | number | boolean }
  | { step: string; in: Array<string | number> }
  | { step: string; includes: string }
  | { step: string; gt: number }
  | { step: string; gte: number }
  | { step: string; lt: number }
  | { step: string; lte: number }
  | { step: string; answered: boolean }
  | { not: Condition }
  | { all: Condition[] }
  | { any: Condition[] };

const stepRef = { step: stepIdSchema };
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ ...stepRef, equals: z.union([z.string(), z.number(), z.boolean()]) }),
    z.strictObject({ ...stepRef, in: z.array(z.union([z.string(), z.number()])).min(1) }),
    z.strictObject({ ...stepRef, includes: optionIdSchema }),
    z.strictObject({ ...stepRef, gt: z.number() }),
    z.strictObject({ ...stepRef, gte: z.number() }),
    z.strictObject({ ...stepRef, lt: z.number() }),
    z.strictObject({ ...stepRef, lte: z.number() }),
    z.strictObject({ ...stepRef, answered: z.boolean() }),
    z.strictObject({ not: conditionSchema }),
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
  ]),
);

const optionSchema = z.strictObject({
  id: optionIdSchema,
  label: i18nKey.optional(),
});

const stepBase = {
  id: stepIdSchema,
  text: i18nKey.optional(),
  when: conditionSchema.optional(),
};
const questionBase = {
  ...stepBase,
  /** Offers "prefer not to say"; a skipped question is stored as `null`. */
  skippable: z.boolean().default(false),
  invalid: i18nKey.optional(),
  /** Short label for the review; defaults to `<flow>:<step>.short`, then to the question text. */
  short: i18nKey.optional(),
};

export const choiceStepSchema = z.strictObject({
  ...questionBase,
  kind: z.literal("choice"),
  options: z.array(optionSchema).min(2).max(30),
});
export const multiChoiceStepSchema = z.strictObject({
  ...questionBase,
  kind: z.literal("multichoice"),
  options: z.array(optionSchema).min(2).max(30),
  max: z.number().int().min(1),
});
export const yesNoStepSchema = z.strictObject({ ...questionBase, kind: z.literal("yesno") });
const bandEndsSchema = z
  .array(z.number().int())
  .min(1)
  .refine((ends) => ends.every((end, at) => at === 0 || end > (ends[at - 1] ?? end)), {
    message: "must go up: each end larger than the one before",
  });

export const numberStepSchema = z.strictObject({
  ...questionBase,
  kind: z.literal("number"),
  min: z.number().int(),
  max: z.number().int(),
  /**
   * Upper ends of the bands that row-level exports write instead of the number, so a large family
   * is not named by its exact size: [1, 2, 4, 6] gives 1, 2, 3-4, 5-6, 7+.
   */
  bands: bandEndsSchema.optional(),
});
export const textStepSchema = z.strictObject({
  ...questionBase,
  kind: z.literal("text"),
  maxLength: z.number().int().min(1).max(2000),
});
/** Text only, shown on the way to the next question. */
export const noteStepSchema = z.strictObject({ ...stepBase, kind: z.literal("note") });
/** Says goodbye and ends the flow without submitting anything (a "no" to consent, say). */
export const endStepSchema = z.strictObject({ ...stepBase, kind: z.literal("end") });

export const flowStepSchema = z.discriminatedUnion("kind", [
  choiceStepSchema,
  multiChoiceStepSchema,
  yesNoStepSchema,
  numberStepSchema,
  textStepSchema,
  noteStepSchema,
  endStepSchema,
]);

export const flowFileSchema = z.strictObject({
  id: flowIdSchema,
  version: z.number().int().min(1),
  /** Listed in the main menu. */
  menu: z.boolean().default(true),
  /** Where in the menu, lowest first (flows without one come after, by file name). */
  menu_order: z.number().int().min(1).max(99).optional(),
  /**
   * What happens to the answers on "submit": `none` (they are discarded: a demo), `anonymous`
   * (an anonymous response, one per person, free text scrubbed), or `case` (a hand-off case for
   * staff, opened only when the person said yes to the `case.consent` question).
   */
  submission: z.enum(["none", "anonymous", "case"]).default("none"),
  /** For `submission: case`: the kind of case, and the yes/no step that asks consent to be contacted. */
  case: z.strictObject({ kind: caseKindSchema, consent: stepIdSchema }).optional(),
  /**
   * After the person submits, offer "talk to a person" about it: a case of this kind whose summary
   * for staff is this flow's answers.
   */
  offer_handoff: caseKindSchema.optional(),
  /** Show the answers for a last check before submitting (default); false submits after the last step. */
  review: z.boolean().default(true),
  /**
   * For anonymous responses: one per person (a consultation, default), or as many as people like (a
   * screening someone may run again). Either way nothing links a response to the person.
   */
  one_per_person: z.boolean().default(true),
  /**
   * Keep every ending as an anonymous count of the answers (for a flow that opens a case: with the
   * consent or without it), so the office sees how many asked, and for what.
   */
  count_anonymously: z.boolean().default(false),
  /** What the person is shown once they submit: `eligibility`, the outcomes of the rules in rules/. */
  results: z.enum(["eligibility"]).optional(),
  /**
   * Bands for number questions only older versions asked, by question id (`min` and the bands'
   * upper ends, as a number step's `bands`): downloads write old answers in bands too.
   */
  retired_bands: z.record(z.string(), z.strictObject({ min: z.number().int(), bands: bandEndsSchema })).optional(),
  steps: z.array(flowStepSchema).min(1),
});

export type FlowStep = z.infer<typeof flowStepSchema>;
export type FlowFile = z.infer<typeof flowFileSchema>;
export type QuestionStep = Exclude<FlowStep, { kind: "note" | "end" }>;

export function isQuestion(step: FlowStep): step is QuestionStep {
  return step.kind !== "note" && step.kind !== "end";
}

/** An answer as stored: an option id, option ids, a number, a boolean, a text, or null for "prefer not to say". */
export const answerSchema = z.union([z.string(), z.array(z.string()), z.number(), z.boolean(), z.null()]);
export type Answer = z.infer<typeof answerSchema>;
export type Answers = Record<string, Answer>;
