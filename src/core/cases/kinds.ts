import { z } from "zod";

/** Why a person asked for staff: to talk, for a mediator, or to follow up a screening. */
export const caseKindSchema = z.enum(["talk", "mediation", "screening"]);
export type CaseKind = z.infer<typeof caseKindSchema>;

/** One line of a case's summary for staff, in Spanish: a question's short label and the answer given. */
export const summaryLineSchema = z.object({ question: z.string().max(300), answer: z.string().max(2100) });
export type SummaryLine = z.infer<typeof summaryLineSchema>;
