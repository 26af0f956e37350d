import { z } from "zod";
import { answerSchema } from "../flows/schema.js";
import { LANGUAGES } from "../i18n/languages.js";

/**
 * What the bot remembers of one chat between messages: the language, whether it is waiting for
 * a language choice, and the flow in progress as the machine's state and context. Answers in
 * progress live here and nowhere else until the person submits.
 */
const stateValueSchema = z.union([z.string(), z.record(z.string(), z.string())]);

export const activeFlowSchema = z.object({
  id: z.string(),
  version: z.number(),
  state: stateValueSchema,
  context: z.object({
    answers: z.record(z.string(), answerSchema),
    editing: z.string().nullable(),
    pending: z.array(z.string()),
  }),
});

export const sessionSchema = z.object({
  lng: z.enum(LANGUAGES).optional(),
  picking: z.boolean().optional(),
  /** The language the channel suggested at first contact, offered first until one is chosen. */
  suggested: z.enum(LANGUAGES).optional(),
  flow: activeFlowSchema.optional(),
});

export type Session = z.infer<typeof sessionSchema>;
export type ActiveFlow = z.infer<typeof activeFlowSchema>;
