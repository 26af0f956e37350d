import { z } from "zod";
import { channelKindSchema } from "../engine/messages.js";
import { LANGUAGES } from "../i18n/languages.js";
import { caseKindSchema, summaryLineSchema } from "./kinds.js";

/**
 * A hand-off case: a person asked for staff and consented to be contacted. It carries what staff
 * need and nothing more: a short code to say on the phone, the kind, the status, the person's
 * language and kind of channel, a summary in Spanish, who took and closed it, when — and, sealed
 * with the contact key, the one way to reach the person, until the case is closed (plus a grace
 * period) or the person deletes their data.
 */
const instant = z.string().datetime();

/** A staff member as the staff side knows them: an id of the surface they act from, and a first name. */
export const staffRefSchema = z.object({ id: z.string().max(64), name: z.string().max(64) });
export type StaffRef = z.infer<typeof staffRefSchema>;

export const caseStatusSchema = z.enum(["open", "claimed", "closed"]);
export type CaseStatus = z.infer<typeof caseStatusSchema>;

export const CASE_CODE = /^K-\d{4,6}$/;

export const caseSchema = z.object({
  id: z.string().min(1).max(80),
  code: z.string().regex(CASE_CODE),
  kind: caseKindSchema,
  status: caseStatusSchema,
  lng: z.enum(LANGUAGES),
  channel: channelKindSchema,
  summary: z.array(summaryLineSchema),
  openedAt: instant,
  claimedAt: instant.optional(),
  claimedBy: staffRefSchema.optional(),
  closedAt: instant.optional(),
  /** Staff who closed it, or the person: ended the conversation, or deleted their data. */
  closedBy: z.union([staffRefSchema, z.enum(["person", "deleted"])]).optional(),
  /** The person's address, sealed (AES-GCM); gone once purged. */
  contact: z.string().optional(),
  /** When the contact is to be deleted: the close plus the grace period. */
  purgeAt: instant.optional(),
  /** The case's message in the staff Telegram group: replies to it reach the person. */
  staffMessage: z.number().int().optional(),
  /** The last reminder to staff about this case while nobody took it. */
  remindedAt: instant.optional(),
});
export type Case = z.infer<typeof caseSchema>;

/** One line of a case's audit trail: who did what, when. Kept apart from the case, append-only. */
export const auditEntrySchema = z.object({
  id: z.string(),
  at: instant,
  by: z.union([staffRefSchema, z.enum(["person", "system"])]),
  action: z.enum(["opened", "claimed", "replied", "closed", "person-ended", "person-deleted", "contact-purged"]),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** One message of the conversation between the person and staff, for the case's transcript. */
export const transcriptEntrySchema = z.object({
  id: z.string(),
  at: instant,
  from: z.union([z.literal("person"), staffRefSchema]),
  text: z.string().max(8192).optional(),
  media: z.string().max(40).optional(),
  /** The channel's handle to the media, to copy it to staff. */
  ref: z.string().max(200).optional(),
});
export type TranscriptEntry = z.infer<typeof transcriptEntrySchema>;

/** Why a staff action on a case was refused: said back to the staff member in their own words. */
export type Refusal = "closed" | "claimed-by-other" | "not-found";

export type Transition = { ok: true; next: Case } | { ok: false; why: Refusal };

/** Taking a case: an open case, or one another staff member holds (taking it over). */
export function claim(current: Case, by: StaffRef, at: Date): Transition {
  if (current.status === "closed") return { ok: false, why: "closed" };
  if (current.status === "claimed" && current.claimedBy?.id === by.id) return { ok: true, next: current };
  return { ok: true, next: { ...current, status: "claimed", claimedBy: by, claimedAt: at.toISOString() } };
}

/**
 * Closing a case, by staff or by the person. The contact stays for the grace period (staff may need
 * to write once more), except when the person deleted their data: then it goes at once.
 */
export function close(current: Case, by: StaffRef | "person" | "deleted", at: Date, graceMs: number): Transition {
  if (current.status === "closed") {
    // Deleting after a close still removes the contact at once.
    if (by === "deleted" && current.contact) return { ok: true, next: purged(current) };
    return { ok: false, why: "closed" };
  }
  const closed: Case = { ...current, status: "closed", closedBy: by, closedAt: at.toISOString() };
  if (by === "deleted" || graceMs <= 0) return { ok: true, next: purged(closed) };
  return { ok: true, next: { ...closed, purgeAt: new Date(at.getTime() + graceMs).toISOString() } };
}

/** The case without the way to reach the person. */
export function purged(current: Case): Case {
  const { contact: _contact, purgeAt: _purgeAt, ...rest } = current;
  return rest;
}

/** A code staff can say on the phone: K- and four digits (more once many are taken). */
export function caseCode(attempt: number, random: () => number = Math.random): string {
  const digits = attempt < 20 ? 4 : attempt < 40 ? 5 : 6;
  const low = 10 ** (digits - 1);
  return `K-${low + Math.floor(random() * (9 * low))}`;
}
