import { z } from "zod";
import { caseKindSchema, summaryLineSchema } from "../cases/kinds.js";
import { answerSchema } from "../flows/schema.js";
import { LANGUAGES } from "../i18n/languages.js";
import { type Address, channelKindSchema, outboundMessageSchema } from "./messages.js";

/**
 * What a turn asks the world to do, as data. The engine writes a turn's effects together with the
 * session (the outbox) and carries them out only after that write succeeded; a crash in between
 * leaves them in the outbox for another try. So every effect is idempotent: it names what it
 * creates (a response id, a case id, a message id), and doing it twice does it once.
 */
const language = z.enum(LANGUAGES);
const id = z.string().min(1).max(80);
const instant = z.string().datetime();

/** What a person sent to staff: text, or media the channel can fetch again by its handle. */
export const relayedSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("text"), text: z.string().max(8192) }),
  z.object({ kind: z.literal("media"), what: z.string().max(40), ref: z.string().max(200).optional() }),
]);
export type Relayed = z.infer<typeof relayedSchema>;

export const effectSchema = z.discriminatedUnion("kind", [
  /** A flow submitted anonymously: one response, counted once per participant (a keyed hash). */
  z.object({
    kind: z.literal("record-response"),
    id,
    flow: z.string(),
    version: z.number().int(),
    lng: language,
    channel: channelKindSchema,
    answers: z.record(z.string(), answerSchema),
    outcomes: z.record(z.string(), z.enum(["likely", "maybe", "other_door"])).optional(),
    participant: z.string(),
  }),
  /** A hand-off the person consented to; `contact` is the chat's address, sealed with the contact key. */
  z.object({
    kind: z.literal("open-case"),
    caseId: id,
    caseKind: caseKindSchema,
    lng: language,
    channel: channelKindSchema,
    summary: z.array(summaryLineSchema),
    openedAt: instant,
    contact: z.string(),
  }),
  /** Something the person wrote to staff while their case is live. */
  z.object({ kind: z.literal("relay"), id, caseId: id, at: instant, content: relayedSchema }),
  /** The person ended the conversation with staff (`ended`) or deleted their data (`deleted`). */
  z.object({ kind: z.literal("leave-case"), caseId: id, why: z.enum(["ended", "deleted"]), at: instant }),
  /** The person deleted their data: forget that they took part in anything (keyed hashes, per flow). */
  z.object({
    kind: z.literal("forget"),
    participants: z.array(z.object({ flow: z.string(), participant: z.string() })),
  }),
  /** Messages for the person that nobody asked for just now (staff wrote, a case changed). */
  z.object({ kind: z.literal("push"), id, caseId: id, lng: language, messages: z.array(outboundMessageSchema) }),
]);
export type Effect = z.infer<typeof effectSchema>;
export const effectListSchema = z.array(effectSchema);

type EffectOf<K extends Effect["kind"]> = Extract<Effect, { kind: K }>;

/**
 * An effect as a turn states it, before the engine adds what only the sender's address gives: the
 * kind of channel, keyed hashes, the sealed contact. The conversation never sees an address.
 */
export type Intent =
  | Omit<EffectOf<"record-response">, "participant" | "channel">
  | Omit<EffectOf<"open-case">, "contact" | "channel">
  | Omit<EffectOf<"forget">, "participants">
  | EffectOf<"relay">
  | EffectOf<"leave-case">
  | EffectOf<"push">;

/**
 * Carries effects out. `prepare` runs before the write (no I/O: hashes and sealing only);
 * `perform` after it, possibly more than once, so it must be idempotent.
 */
export interface EffectRunner {
  prepare(intent: Intent, sender: Address): Effect;
  perform(effect: Effect): Promise<void>;
}
