import { z } from "zod";
import type { KeyValueStore } from "../../core/store/keyvalue.js";

/**
 * Why the number is not linked, told by what someone can do about it: the office (link again,
 * scan a new code) or whoever runs the server (Chromium, the network, a second copy running).
 */
export const LINK_FAILURES = [
  "auth",
  "logged-out",
  "disconnected",
  "browser",
  "busy",
  "network",
  "timeout",
  "other",
] as const;
export type LinkFailure = (typeof LINK_FAILURES)[number];

const moment = z.iso.datetime();

const startingSchema = z.object({ state: z.literal("starting"), at: moment });
/** A QR to scan, or a code to type when pairing by phone number; neither for the moment before the first. */
const waitingSchema = z.object({
  state: z.literal("waiting"),
  at: moment,
  qr: z.string().min(1).max(4096).optional(),
  code: z
    .string()
    .regex(/^[A-Z0-9]{4,16}$/i)
    .optional(),
});
/** At most the last four digits of the number: enough to tell which phone, not a number to keep. */
const linkedSchema = z.object({
  state: z.literal("linked"),
  since: moment,
  lastDigits: z
    .string()
    .regex(/^\d{1,4}$/)
    .optional(),
});
const failedSchema = z.object({ state: z.literal("failed"), at: moment, reason: z.enum(LINK_FAILURES) });
/** Nobody said anything lately: no replica holds the number (all down, or one taking over). */
const unheldSchema = z.object({ state: z.literal("unheld") });

/** What the replica holding the number says about it. */
export const heldLinkStateSchema = z.discriminatedUnion("state", [
  startingSchema,
  waitingSchema,
  linkedSchema,
  failedSchema,
]);
export type HeldLinkState = z.infer<typeof heldLinkStateSchema>;

/** What the staff dashboard reads: the holder's word, or `unheld`. */
export const whatsappLinkStateSchema = z.discriminatedUnion("state", [
  startingSchema,
  waitingSchema,
  linkedSchema,
  failedSchema,
  unheldSchema,
]);
export type WhatsAppLinkState = z.infer<typeof whatsappLinkStateSchema>;

/** The holder (its lease identity) beside its state: only the holder that wrote it takes it back. */
const publishedSchema = z.object({ holder: z.string().min(1).max(200), link: heldLinkStateSchema });

const relinkSchema = z.object({ by: z.string().max(64), at: moment });
export type RelinkRequest = z.infer<typeof relinkSchema>;

const STATE_KEY = "wa:link:state";
const RELINK_KEY = "wa:link:relink";
/** A request made while no replica holds the number waits this long for the next holder. */
const RELINK_WAITS_SECONDS = 10 * 60;

/**
 * The WhatsApp link as every replica sees it, in the shared key-value store: the replica holding
 * the number writes its state there (again on every round, so it expires soon after the holder
 * dies); the dashboard, on any replica, reads it and leaves a request to link again, which the
 * holder takes on its next round.
 */
export class WhatsAppLinkBoard {
  /** How often the holder writes its state again and looks for a request: as often as it renews its lease. */
  readonly everyMs: number;
  readonly #ttlSeconds: number;

  /** `leaseTtlMs`: the ttl the number's lease was made with. */
  constructor(
    private readonly facts: KeyValueStore,
    leaseTtlMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.everyMs = Math.max(1, Math.floor(leaseTtlMs / 3));
    // Two rounds: one late write does not blank the page, and a dead holder's word is gone before its lease.
    this.#ttlSeconds = (2 * this.everyMs) / 1000;
  }

  /** The state the holder last wrote, or `unheld` when none is fresh. */
  async state(): Promise<WhatsAppLinkState> {
    const parsed = publishedSchema.safeParse(readJson(await this.facts.get(STATE_KEY)));
    return parsed.success ? parsed.data.link : { state: "unheld" };
  }

  /** Asks the holder, wherever it runs, to unlink this device and pair again from scratch. */
  async relink(by: string): Promise<void> {
    const request: RelinkRequest = { by, at: this.now().toISOString() };
    await this.facts.set(RELINK_KEY, JSON.stringify(request), RELINK_WAITS_SECONDS);
  }

  /** The holder's side: writes its state for the next two rounds. */
  async publish(holder: string, link: HeldLinkState): Promise<void> {
    await this.facts.set(STATE_KEY, JSON.stringify({ holder, link }), this.#ttlSeconds);
  }

  /** The holder's side: the pending request to link again, if any, taken so it is done once. */
  async takeRelink(): Promise<RelinkRequest | undefined> {
    const stored = await this.facts.get(RELINK_KEY);
    if (stored === undefined) return undefined;
    await this.facts.delete(RELINK_KEY);
    const parsed = relinkSchema.safeParse(readJson(stored));
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * The holder's side, when it stops: its state goes at once instead of at its expiry, unless a
   * new holder already wrote its own (a read then a delete: at worst the page says `unheld` for
   * a round).
   */
  async withdraw(holder: string): Promise<void> {
    const parsed = publishedSchema.safeParse(readJson(await this.facts.get(STATE_KEY)));
    if (parsed.success && parsed.data.holder === holder) await this.facts.delete(STATE_KEY);
  }
}

/** The stored text as JSON, or undefined when absent or not JSON (the schema then refuses it). */
function readJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
