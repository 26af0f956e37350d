import { z } from "zod";
import { answerSchema, conditionSchema, optionIdSchema, stepIdSchema } from "../flows/schema.js";

/**
 * The eligibility rules as the office edits them (`rules/*.yaml`): one file per area of help, each
 * benefit with its texts (i18n keys), its dates, its source, and the outcomes it can have, each under
 * a condition on the screening's answers (the flow condition language: data, never code). A shared
 * catalogue (`rules/catalog.yaml`) names the documents to bring and the places to go.
 */
const i18nKey = z.string().regex(/^[a-z][a-z0-9_-]*:[A-Za-z0-9_.-]+$/, {
  message: 'must be an i18n key such as "rules:salud.fonasa.title", not a literal text',
});
/** YAML may read an unquoted date as a date: either way it is kept as YYYY-MM-DD. */
const day = z.preprocess(
  (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : value),
  z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: "must be a date YYYY-MM-DD" }),
);
const ruleId = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, {
  message: "must be 1-32 lowercase letters, digits or _, starting with a letter",
});

export const OUTCOMES = ["likely", "maybe", "other_door"] as const;
export const outcomeSchema = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof outcomeSchema>;

export const ruleOutcomeSchema = z.strictObject({
  outcome: outcomeSchema,
  /** When this outcome holds; the first outcome that holds is the benefit's. None: it always holds. */
  when: conditionSchema.optional(),
  /** Why, in one line, in plain words. */
  reason: i18nKey,
  documents: z.array(ruleId).default([]),
  places: z.array(ruleId).default([]),
});

export const benefitSchema = z.strictObject({
  id: ruleId,
  title: i18nKey,
  /** The law, decree, resolution or official page the rule comes from. */
  source: z.string().min(3),
  /** When the source was last checked against the rule. */
  checked: day,
  /** False where the source could not be confirmed: said in the file, for the office to check. */
  confirmed: z.boolean().default(true),
  note: z.string().optional(),
  valid_from: day,
  /** The last day the rule holds; none: until a newer version of the benefit says otherwise. */
  valid_to: day.optional(),
  outcomes: z.array(ruleOutcomeSchema).min(1),
});

export const areaFileSchema = z.strictObject({
  area: ruleId,
  title: i18nKey,
  /** Shown before the area's title in results. */
  icon: z.string().min(1).max(8),
  /** Which answer of the screening's "what do you need help with" this area answers. */
  need: optionIdSchema,
  benefits: z.array(benefitSchema).min(1),
});

export const catalogSchema = z.strictObject({
  /** The flow whose answers the rules read. */
  flow: z.string(),
  /** The question that says what the person needs help with (a multiple choice). */
  needs: stepIdSchema,
  documents: z.record(
    ruleId,
    z.strictObject({
      /** The document's official name, in Spanish, as offices call it (never translated). */
      official: z.string().min(2),
      /** What it is, in plain words. */
      plain: i18nKey,
    }),
  ),
  places: z.record(ruleId, z.strictObject({ name: i18nKey })),
});

/** A rule test as data: answers and a date, and the outcome of every benefit that must show. */
export const ruleCaseSchema = z.strictObject({
  name: z.string().min(3),
  date: day,
  answers: z.record(stepIdSchema, answerSchema),
  /** Every benefit shown, with its outcome; any benefit not listed must not show. */
  expect: z.record(ruleId, outcomeSchema),
});

export type AreaFile = z.infer<typeof areaFileSchema>;
export type Benefit = z.infer<typeof benefitSchema>;
export type Catalog = z.infer<typeof catalogSchema>;
export type RuleCase = z.infer<typeof ruleCaseSchema>;
