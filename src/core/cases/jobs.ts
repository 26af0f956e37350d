import { z } from "zod";
import { caseEventSchema } from "../engine/events.js";
import { outboundMessageSchema } from "../engine/messages.js";
import { LANGUAGES } from "../i18n/languages.js";

/**
 * The jobs cases leave for the background, one schema per queue: checked again by the worker,
 * since a job may have been added by an older or newer version of the program. No job carries a
 * chat id (workers find the person through the case's sealed contact), nor what the person wrote
 * (workers read it from the case's transcript, which goes with the contact).
 */

/** For the staff Telegram group: a case's card (posted, or redrawn after a change), a message, a note. */
export const staffJobSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("card"), caseId: z.string() }),
  /** What the person wrote: read from the case's transcript, so no job ever holds a person's words. */
  z.object({ type: z.literal("relay"), caseId: z.string(), entryId: z.string() }),
  z.object({ type: z.literal("note"), caseId: z.string(), note: z.enum(["person-ended", "person-deleted"]) }),
  z.object({ type: z.literal("reminder"), caseIds: z.array(z.string()).min(1) }),
]);
export type StaffJob = z.infer<typeof staffJobSchema>;

/** For the office's own system: a signed POST naming the event; the case is read when it is sent. */
export const webhookJobSchema = z.object({
  event: z.enum(["case.opened", "case.claimed", "case.closed"]),
  caseId: z.string(),
  at: z.string().datetime(),
});
export type WebhookJob = z.infer<typeof webhookJobSchema>;

/** For the person: what happened to their case, told through the engine in their language. */
export const personJobSchema = z.object({ caseId: z.string(), event: caseEventSchema });
export type PersonJob = z.infer<typeof personJobSchema>;

/** For the replica that holds the WhatsApp number: messages to send there, media to copy to staff. */
export const whatsappJobSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("push"),
    caseId: z.string(),
    lng: z.enum(LANGUAGES),
    messages: z.array(outboundMessageSchema),
  }),
  z.object({ type: z.literal("media"), caseId: z.string(), ref: z.string(), what: z.string() }),
]);
export type WhatsAppJob = z.infer<typeof whatsappJobSchema>;

/** For upkeep, every few minutes: reminders about cases nobody took, and purging old contacts. */
export const upkeepJobSchema = z.object({ type: z.literal("sweep") });
