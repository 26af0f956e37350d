import { z } from "zod";
import { caseKindSchema, summaryLineSchema } from "../cases/kinds.js";
import { answerSchema } from "../flows/schema.js";
import { LANGUAGES } from "../i18n/languages.js";

/**
 * What the bot remembers of one chat between messages: the language, the mode the conversation is
 * in, and the last few message ids (a message that comes twice is applied once). Answers in
 * progress live here and nowhere else until the person submits.
 *
 * The mode says what a message means: at the **menu** a digit picks an item; in a **flow** it
 * answers the question; with **staff** it goes to the office; while choosing a **language** it picks
 * one, then the conversation goes back to where it was (`resume`).
 */
const languageSchema = z.enum(LANGUAGES);
const stateValueSchema = z.union([z.string(), z.record(z.string(), z.string())]);

export const activeFlowSchema = z.object({
  id: z.string(),
  version: z.number(),
  state: stateValueSchema,
  context: z.object({
    answers: z.record(z.string(), answerSchema),
    /** Stored only when set (see `encodeSession`): most sessions are not changing an answer. */
    editing: z.string().nullable().default(null),
    pending: z.array(z.string()).default([]),
  }),
});

/**
 * A hand-off the person may still ask for: what staff would read, taken from a flow just finished,
 * and that flow, to start it again.
 */
export const handoffOfferSchema = z.object({
  kind: caseKindSchema,
  summary: z.array(summaryLineSchema).max(80),
  again: z.string().optional(),
});

export const menuModeSchema = z.object({ kind: z.literal("menu"), offer: handoffOfferSchema.optional() });
export const flowModeSchema = z.object({
  kind: z.literal("flow"),
  flow: activeFlowSchema,
  /** Carried into the case this flow opens: the summary of the flow that offered the hand-off. */
  carry: handoffOfferSchema.optional(),
});
export const staffModeSchema = z.object({
  kind: z.literal("staff"),
  caseId: z.string(),
  /** The case's short code, once the case exists. */
  code: z.string().optional(),
  /** Waiting for someone to take the case, or talking with them. */
  status: z.enum(["waiting", "live"]),
  /** Lines said once per case: that the first message reached the office; not to send identity documents. */
  told: z.array(z.enum(["relayed", "media"])).default([]),
});
const resumableModeSchema = z.discriminatedUnion("kind", [menuModeSchema, flowModeSchema, staffModeSchema]);
export const languageModeSchema = z.object({
  kind: z.literal("language"),
  /**
   * The language offered first until one is chosen: the one the person's first words are in, else
   * the one the channel guesses (a phone's country code, an app's interface language).
   */
  suggested: languageSchema.optional(),
  /** Where the conversation goes back to once a language is chosen. */
  resume: resumableModeSchema.optional(),
  /** The flow a link opened before any language was chosen (/start consulta): started once one is. */
  start: z.string().max(64).optional(),
});

export const modeSchema = z.discriminatedUnion("kind", [
  menuModeSchema,
  flowModeSchema,
  staffModeSchema,
  languageModeSchema,
]);

/** How many recent message ids a session keeps to recognise a repeat. */
export const SEEN_IDS = 6;

export const sessionSchema = z.preprocess(
  upgradeLegacy,
  z.object({
    lng: languageSchema.optional(),
    mode: modeSchema,
    seen: z.array(z.string()).max(SEEN_IDS).default([]),
  }),
);

export type Session = z.infer<typeof sessionSchema>;
export type Mode = z.infer<typeof modeSchema>;
export type ModeKind = Mode["kind"];
export type ResumableMode = z.infer<typeof resumableModeSchema>;
export type ActiveFlow = z.infer<typeof activeFlowSchema>;
export type HandoffOffer = z.infer<typeof handoffOfferSchema>;
export type StaffMode = z.infer<typeof staffModeSchema>;

export const freshSession = (): Session => ({ mode: { kind: "menu" }, seen: [] });

/**
 * The session as stored: what the schema fills in when absent (no answer being changed, none
 * pending) is left out. Every live chat holds one, so its bytes count.
 */
export function encodeSession(session: Session): string {
  const { mode } = session;
  if (mode.kind === "flow") return JSON.stringify({ ...session, mode: { ...mode, flow: compactFlow(mode.flow) } });
  if (mode.kind === "language" && mode.resume?.kind === "flow") {
    const resume = { ...mode.resume, flow: compactFlow(mode.resume.flow) };
    return JSON.stringify({ ...session, mode: { ...mode, resume } });
  }
  return JSON.stringify(session);
}

function compactFlow(flow: ActiveFlow): object {
  const { editing, pending, ...context } = flow.context;
  return {
    ...flow,
    context: { ...context, ...(editing === null ? {} : { editing }), ...(pending.length === 0 ? {} : { pending }) },
  };
}

/**
 * Sessions stored before modes existed (`{ lng, picking, suggested, flow }`) are read into the
 * shape above, so people in the middle of a flow carry on across the upgrade.
 */
function upgradeLegacy(stored: unknown): unknown {
  if (typeof stored !== "object" || stored === null || "mode" in stored) return stored;
  const legacy = stored as { lng?: unknown; picking?: unknown; suggested?: unknown; flow?: unknown };
  const resumed = legacy.flow ? { kind: "flow", flow: legacy.flow } : { kind: "menu" };
  const mode = legacy.picking ? { kind: "language", suggested: legacy.suggested, resume: resumed } : resumed;
  return { lng: legacy.lng, mode, seen: [] };
}
