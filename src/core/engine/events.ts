import { z } from "zod";
import { LANGUAGES } from "../i18n/languages.js";

/**
 * What happens to a person's case on the staff side, told to the engine so the person hears of it
 * in their language, in order with their own messages. Each event has an id: delivered twice, it
 * is applied once.
 */
const base = {
  id: z.string().min(1).max(100),
  caseId: z.string().min(1).max(80),
  /** The person's language when the case was opened, for a session that has expired since. */
  lng: z.enum(LANGUAGES),
};

export const caseEventSchema = z.discriminatedUnion("kind", [
  z.object({ ...base, kind: z.literal("case-opened"), code: z.string().max(20) }),
  /** A staff member took the case; their first name only if they chose to share it. */
  z.object({ ...base, kind: z.literal("case-claimed"), staffName: z.string().max(64).optional() }),
  z.object({ ...base, kind: z.literal("staff-message"), text: z.string().min(1).max(4000) }),
  z.object({ ...base, kind: z.literal("case-closed") }),
]);
export type CaseEvent = z.infer<typeof caseEventSchema>;
