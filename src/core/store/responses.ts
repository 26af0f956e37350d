import { z } from "zod";
import { channelKindSchema } from "../engine/messages.js";
import { answerSchema } from "../flows/schema.js";
import { LANGUAGES } from "../i18n/languages.js";

/**
 * An anonymous response as it is kept: a random id, the flow and its version, the language, the
 * kind of channel, the submission date (never a time) and the answers, free text scrubbed.
 * Nothing in it names, or is derived from, the person.
 */
export const storedResponseSchema = z.strictObject({
  id: z.string().uuid(),
  flow: z.string(),
  version: z.number().int(),
  lng: z.enum(LANGUAGES),
  channel: channelKindSchema,
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  answers: z.record(z.string(), answerSchema),
  /** For a screening: the outcome of each rule that applied (`likely`, `maybe`, `other_door`). */
  outcomes: z.record(z.string(), z.enum(["likely", "maybe", "other_door"])).optional(),
});
export type StoredResponse = z.infer<typeof storedResponseSchema>;

export type SubmitOutcome = "stored" | "duplicate";

/**
 * Where anonymous responses go. Participation is kept apart from the responses, as a keyed hash
 * in a set, so "one response per person" holds without anything linking a response to anyone.
 */
export interface ResponseStore {
  /** Marks the participant and appends the response in one step; "duplicate" if they took part. */
  submit(response: StoredResponse, participant: string): Promise<SubmitOutcome>;
  hasTakenPart(flow: string, participant: string): Promise<boolean>;
  /** Removes a participation mark (the person asked to delete their data); responses stay anonymous. */
  forget(flow: string, participant: string): Promise<void>;
  /**
   * Every response of a flow, oldest first. An entry that cannot be read as a response (damaged
   * by hand, written by a foreign tool) is left out and named by its id, never by its content.
   */
  list(flow: string): Promise<ResponseListing>;
}

export interface ResponseListing {
  responses: StoredResponse[];
  /** Ids of entries left out (`1700000000000-0` in Redis). */
  unreadable: string[];
}
