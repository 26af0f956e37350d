import { randomInt } from "node:crypto";
import type { Logger } from "pino";
import { z } from "zod";
import type { Effect } from "../engine/effects.js";
import type { CaseEvent } from "../engine/events.js";
import type { Address } from "../engine/messages.js";
import type { CaseIndex, CaseList } from "../store/cases.js";
import { type JobQueue, QUEUES } from "../store/jobs.js";
import { OutboxRunner } from "../store/outbox.js";
import type { RecordStore } from "../store/records.js";
import {
  type AuditEntry,
  auditEntrySchema,
  CASE_CODE,
  type Case,
  caseCode,
  caseSchema,
  claim,
  close,
  purged,
  type Refusal,
  type StaffRef,
  type TranscriptEntry,
  transcriptEntrySchema,
} from "./case.js";
import { type ContactCipher, ContactUnreadableError } from "./contact.js";
import type { PersonJob, StaffJob, WebhookJob, WhatsAppJob } from "./jobs.js";

/**
 * What a change to a case does after it is written, as data kept in the case's outbox: jobs for
 * the staff group, the webhook and the person, the lists the case is in, its audit trail.
 */
const caseEffectSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("job"),
    queue: z.enum(QUEUES),
    id: z.string(),
    payload: z.unknown(),
    delayMs: z.number().int().optional(),
  }),
  z.object({ kind: z.literal("list"), list: z.enum(["all", "waiting", "purge"]), score: z.number().nullable() }),
  /** Ordered by the case revision it belongs to: two actions in one millisecond keep their order. */
  z.object({ kind: z.literal("audit"), entry: auditEntrySchema, revision: z.number().int() }),
  z.object({ kind: z.literal("drop-transcript") }),
]);
type CaseEffect = z.infer<typeof caseEffectSchema>;

export interface CasesOptions {
  records: RecordStore;
  index: CaseIndex;
  jobs: JobQueue;
  cipher: ContactCipher;
  /** How long a closed case keeps the way to reach the person. */
  graceMs: number;
  /** Where staff hear of cases: the staff Telegram group, the office's webhook (either may be off). */
  surfaces: { staffGroup: boolean; webhook: boolean };
  logger: Logger;
  now?: () => Date;
}

/** A case by its id or by its code, as staff say it ("K-4821"). */
export type CaseRef = { id: string } | { code: string };

/** What came of a staff action: the case as it now is, or why not (with the case, when it exists). */
export type Outcome = { ok: true; case: Case } | { ok: false; why: Refusal; case?: Case };

/** How long the person waits for their case's code after saying yes, so the reply to the yes comes first. */
const OPENED_DELAY_MS = 1_500;

/** How many transcript entries a case keeps: a conversation, not an archive. */
const TRANSCRIPT_LIMIT = 500;

/**
 * The hand-off cases: opened by the engine when a person consents, acted on by staff (take, reply,
 * close), left by the person (end, delete), swept by upkeep. Every change is a compare-and-set on
 * the case with its follow-ups in the case's outbox, so nothing is done twice and nothing is lost
 * when a process dies between the change and its notifications.
 */
export class Cases {
  readonly #outbox: OutboxRunner<CaseEffect>;
  readonly #now: () => Date;

  constructor(private readonly options: CasesOptions) {
    this.#now = options.now ?? (() => new Date());
    this.#outbox = new OutboxRunner(
      options.records,
      z.array(caseEffectSchema),
      (effect, key) => this.#perform(effect, key),
      options.logger,
      "case",
    );
  }

  // ------------------------------------------------------------ from the person's side

  /** Opens the case a person consented to; again with the same case id, does nothing more. */
  async open(effect: Extract<Effect, { kind: "open-case" }>): Promise<void> {
    const { records } = this.options;
    const existing = await records.read(effect.caseId);
    if (existing) {
      await this.#outbox.run(effect.caseId, existing.outbox);
      return;
    }
    const code = await this.#newCode(effect.caseId);
    const opened: Case = {
      id: effect.caseId,
      code,
      kind: effect.caseKind,
      status: "open",
      lng: effect.lng,
      channel: effect.channel,
      summary: effect.summary,
      openedAt: effect.openedAt,
      contact: effect.contact,
    };
    const at = Date.parse(effect.openedAt);
    const effects: CaseEffect[] = [
      { kind: "list", list: "all", score: at },
      { kind: "list", list: "waiting", score: at },
      this.#audit(opened, "opened", "person", 1),
      ...this.#staffJob(opened, { type: "card", caseId: opened.id }, "opened"),
      ...this.#webhookJob(opened, "case.opened"),
      // A moment later: the reply to the consent, sent by whichever replica took it, goes first.
      this.#personJob(
        opened,
        { kind: "case-opened", id: `${opened.id}.opened`, caseId: opened.id, lng: opened.lng, code },
        OPENED_DELAY_MS,
      ),
    ];
    const written = await records.write(
      opened.id,
      { value: JSON.stringify(opened), ttlSeconds: 0, effects: JSON.stringify(effects) },
      0,
    );
    if (!written) return; // opened meanwhile by another replica, which carries its effects out
    this.options.logger.info(
      { case: code, kind: opened.kind, lng: opened.lng, channel: opened.channel },
      "case opened",
    );
    await this.#outbox.run(opened.id, [{ revision: 1, effects: JSON.stringify(effects) }]);
  }

  /** What the person wrote while their case is live: into the transcript and on to staff. */
  async relay(effect: Extract<Effect, { kind: "relay" }>): Promise<void> {
    const current = await this.get(effect.caseId);
    if (!current || current.status === "closed") return; // staff closed it meanwhile: the person is told so
    const content = effect.content;
    const entry: TranscriptEntry =
      content.kind === "text"
        ? { id: effect.id, at: effect.at, from: "person", text: content.text }
        : {
            id: effect.id,
            at: effect.at,
            from: "person",
            media: content.what,
            ...(content.ref ? { ref: content.ref } : {}),
          };
    await this.#transcribe(current.id, entry);
    if (!this.options.surfaces.staffGroup) return;
    if (content.kind === "media" && current.channel === "whatsapp" && content.ref) {
      const job: WhatsAppJob = { type: "media", caseId: current.id, ref: content.ref, what: content.what };
      await this.options.jobs.add("whatsapp", `media-${effect.id}`, job);
      return;
    }
    const job: StaffJob = { type: "relay", caseId: current.id, entryId: effect.id };
    await this.options.jobs.add("staff", `relay-${effect.id}`, job);
  }

  /** The person ended the conversation with staff, or deleted their data. */
  async leave(effect: Extract<Effect, { kind: "leave-case" }>): Promise<void> {
    const by = effect.why === "deleted" ? "deleted" : "person";
    await this.#change({ id: effect.caseId }, (current, revision) => {
      const moved = close(current, by, new Date(effect.at), this.options.graceMs);
      if (!moved.ok) return moved;
      const next = moved.next;
      const action = by === "deleted" ? "person-deleted" : "person-ended";
      const effects: CaseEffect[] = [
        { kind: "list", list: "waiting", score: null },
        this.#audit(next, action, "person", revision),
      ];
      if (current.status !== "closed") {
        effects.push(
          ...this.#staffJob(next, { type: "card", caseId: next.id }, `r${revision}`),
          ...this.#staffJob(next, { type: "note", caseId: next.id, note: action }, action),
          ...this.#webhookJob(next, "case.closed"),
        );
      }
      effects.push(...this.#purgeEffects(next));
      return { ok: true, next, effects };
    });
  }

  // ------------------------------------------------------------ from staff

  /** A staff member takes the case; the person is told, with the staff member's name if shared. */
  async claim(ref: CaseRef, by: StaffRef, shareName: boolean): Promise<Outcome> {
    const at = this.#now();
    return this.#change(ref, (current, revision) => {
      const moved = claim(current, by, at);
      if (!moved.ok) return moved;
      if (moved.next === current) return { ok: true, next: current, effects: [] };
      return { ok: true, next: moved.next, effects: this.#claimEffects(moved.next, revision, shareName) };
    });
  }

  /**
   * A staff member writes to the person; an open case is taken by whoever writes first. A reply
   * written elsewhere than the staff group (the dashboard) is echoed to the group (`echo`), so
   * the group's thread stays the whole conversation.
   */
  async reply(ref: CaseRef, by: StaffRef, text: string, shareName: boolean, echo = false): Promise<Outcome> {
    const at = this.#now();
    return this.#change(ref, (current, revision) => {
      if (current.status === "closed") return { ok: false, why: "closed" };
      const claimed = current.status === "open" ? claim(current, by, at) : { ok: true as const, next: current };
      if (!claimed.ok) return claimed;
      const next = claimed.next;
      const entryId = `${next.id}.reply.${revision}`;
      const effects: CaseEffect[] = next === current ? [] : this.#claimEffects(next, revision, shareName);
      effects.push(
        { kind: "audit", entry: { id: entryId, at: at.toISOString(), by, action: "replied" }, revision },
        this.#personJob(next, { kind: "staff-message", id: entryId, caseId: next.id, lng: next.lng, text }),
        ...(echo ? this.#staffJob(next, { type: "relay", caseId: next.id, entryId }, entryId) : []),
      );
      return {
        ok: true,
        next: { ...next },
        effects,
        transcript: { id: entryId, at: at.toISOString(), from: by, text },
      };
    });
  }

  /** A staff member closes the case; the person is told the conversation ended and gets the menu. */
  async close(ref: CaseRef, by: StaffRef): Promise<Outcome> {
    const at = this.#now();
    return this.#change(ref, (current, revision) => {
      const moved = close(current, by, at, this.options.graceMs);
      if (!moved.ok) return moved;
      const next = moved.next;
      return {
        ok: true,
        next,
        effects: [
          { kind: "list", list: "waiting", score: null },
          this.#audit(next, "closed", by, revision),
          ...this.#staffJob(next, { type: "card", caseId: next.id }, `r${revision}`),
          ...this.#webhookJob(next, "case.closed"),
          this.#personJob(next, { kind: "case-closed", id: `${next.id}.closed`, caseId: next.id, lng: next.lng }),
          ...this.#purgeEffects(next),
        ],
      };
    });
  }

  /** Remembers the case's message in the staff group, so replies to it find the case. */
  async setStaffMessage(caseId: string, messageId: number): Promise<void> {
    await this.#change({ id: caseId }, (current) => ({
      ok: true,
      next: { ...current, staffMessage: messageId },
      effects: [],
    }));
  }

  // ------------------------------------------------------------ upkeep

  /** Deletes the contact of closed cases whose grace period is over; returns how many. */
  async purgeDue(): Promise<number> {
    const due = await this.options.index.due("purge", this.#now().getTime(), 100);
    for (const caseId of due) {
      const outcome = await this.#change({ id: caseId }, (current, revision) => {
        if (!current.contact)
          return { ok: true, next: current, effects: [{ kind: "list", list: "purge", score: null }] };
        const next = purged(current);
        return {
          ok: true,
          next,
          effects: [
            { kind: "list", list: "purge", score: null },
            { kind: "drop-transcript" },
            this.#audit(next, "contact-purged", "system", revision),
          ],
        };
      });
      if (!outcome.ok) await this.options.index.unmark("purge", caseId);
    }
    return due.length;
  }

  /** Cases nobody took for `minutes`, not reminded about for as long; marked as reminded now. */
  async dueForReminder(waitedMs: number): Promise<Case[]> {
    const now = this.#now();
    const ids = await this.options.index.due("waiting", now.getTime() - waitedMs, 50);
    const due: Case[] = [];
    for (const caseId of ids) {
      const outcome = await this.#change({ id: caseId }, (current) => {
        if (current.status !== "open")
          return { ok: true, next: current, effects: [{ kind: "list", list: "waiting", score: null }] };
        const last = current.remindedAt ? Date.parse(current.remindedAt) : 0;
        if (last > now.getTime() - waitedMs) return { ok: true, next: current, effects: [] };
        return { ok: true, next: { ...current, remindedAt: now.toISOString() }, effects: [] };
      });
      if (outcome.ok && outcome.case.status === "open" && outcome.case.remindedAt === now.toISOString())
        due.push(outcome.case);
    }
    return due;
  }

  /** Carries out case follow-ups a crash left behind. */
  recover(olderThanMs: number): Promise<number> {
    return this.#outbox.recover(olderThanMs);
  }

  // ------------------------------------------------------------ reads

  async get(caseId: string): Promise<Case | undefined> {
    const stored = await this.options.records.read(caseId);
    if (!stored?.value) return undefined;
    const parsed = caseSchema.safeParse(JSON.parse(stored.value));
    return parsed.success ? parsed.data : undefined;
  }

  async find(ref: CaseRef): Promise<Case | undefined> {
    if ("id" in ref) return this.get(ref.id);
    const code = ref.code.toUpperCase();
    if (!CASE_CODE.test(code)) return undefined;
    const caseId = await this.options.index.findCode(code);
    return caseId ? this.get(caseId) : undefined;
  }

  /** Where to reach the person, while the case still holds it. */
  contact(current: Case): Address | undefined {
    if (!current.contact) return undefined;
    try {
      return this.options.cipher.open(current.contact, current.id);
    } catch (error) {
      if (error instanceof ContactUnreadableError) {
        this.options.logger.error({ case: current.code }, error.message);
        return undefined;
      }
      throw error;
    }
  }

  async list(list: CaseList, limit: number): Promise<Case[]> {
    const ids = await this.options.index.latest(list, limit);
    const found = await Promise.all(ids.map((caseId) => this.get(caseId)));
    return found.filter((found): found is Case => found !== undefined);
  }

  async audit(caseId: string): Promise<AuditEntry[]> {
    const entries = await this.options.index.entries("audit", caseId, 1000);
    return entries.flatMap((entry) => {
      const parsed = auditEntrySchema.safeParse(JSON.parse(entry));
      return parsed.success ? [parsed.data] : [];
    });
  }

  /** One entry of the transcript, while the case keeps it. */
  async transcribed(caseId: string, entryId: string): Promise<TranscriptEntry | undefined> {
    return (await this.transcript(caseId)).find((entry) => entry.id === entryId);
  }

  async transcript(caseId: string): Promise<TranscriptEntry[]> {
    const entries = await this.options.index.entries("transcript", caseId, TRANSCRIPT_LIMIT);
    return entries.flatMap((entry) => {
      const parsed = transcriptEntrySchema.safeParse(JSON.parse(entry));
      return parsed.success ? [parsed.data] : [];
    });
  }

  // ------------------------------------------------------------ inside

  /** Compare-and-set on a case with its follow-ups, retried when another process wrote first. */
  async #change(
    ref: CaseRef,
    decide: (
      current: Case,
      revision: number,
    ) => { ok: false; why: Refusal } | { ok: true; next: Case; effects: CaseEffect[]; transcript?: TranscriptEntry },
  ): Promise<Outcome> {
    const { records } = this.options;
    const found = await this.find(ref);
    if (!found) return { ok: false, why: "not-found" };
    for (let attempt = 0; attempt < 8; attempt++) {
      const stored = await records.read(found.id);
      const current = stored?.value ? caseSchema.parse(JSON.parse(stored.value)) : undefined;
      if (!stored || !current) return { ok: false, why: "not-found" };
      const decision = decide(current, stored.revision + 1);
      if (!decision.ok) return { ...decision, case: current };
      if (decision.next === current && decision.effects.length === 0) return { ok: true, case: current };
      const effects = JSON.stringify(decision.effects);
      const written = await records.write(
        found.id,
        { value: JSON.stringify(decision.next), ttlSeconds: 0, ...(decision.effects.length ? { effects } : {}) },
        stored.revision,
      );
      if (!written) continue;
      if (decision.transcript) await this.#transcribe(found.id, decision.transcript);
      await this.#outbox.run(found.id, [
        ...stored.outbox,
        ...(decision.effects.length ? [{ revision: stored.revision + 1, effects }] : []),
      ]);
      return { ok: true, case: decision.next };
    }
    throw new Error("the case kept changing; try again");
  }

  async #perform(effect: CaseEffect, caseId: string): Promise<void> {
    const { index, jobs } = this.options;
    switch (effect.kind) {
      case "job":
        return jobs.add(effect.queue, effect.id, effect.payload, effect.delayMs ? { delayMs: effect.delayMs } : {});
      case "list":
        return effect.score === null
          ? index.unmark(effect.list, caseId)
          : index.mark(effect.list, caseId, effect.score);
      case "audit":
        return index.append("audit", caseId, JSON.stringify(effect.entry), effect.revision);
      case "drop-transcript":
        return index.drop("transcript", caseId);
    }
  }

  async #transcribe(caseId: string, entry: TranscriptEntry): Promise<void> {
    await this.options.index.append("transcript", caseId, JSON.stringify(entry), Date.parse(entry.at));
  }

  async #newCode(caseId: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const code = caseCode(attempt, () => randomInt(0, 1_000_000) / 1_000_000);
      if ((await this.options.index.claimCode(code, caseId)) === caseId) return code;
    }
  }

  #claimEffects(next: Case, revision: number, shareName: boolean): CaseEffect[] {
    const staffName = shareName ? next.claimedBy?.name : undefined;
    return [
      { kind: "list", list: "waiting", score: null },
      this.#audit(next, "claimed", next.claimedBy ?? "system", revision),
      ...this.#staffJob(next, { type: "card", caseId: next.id }, `r${revision}`),
      ...this.#webhookJob(next, "case.claimed", revision),
      this.#personJob(next, {
        kind: "case-claimed",
        id: `${next.id}.claimed.${revision}`,
        caseId: next.id,
        lng: next.lng,
        ...(staffName ? { staffName } : {}),
      }),
    ];
  }

  #purgeEffects(next: Case): CaseEffect[] {
    if (next.purgeAt) return [{ kind: "list", list: "purge", score: Date.parse(next.purgeAt) }];
    return [{ kind: "list", list: "purge", score: null }, { kind: "drop-transcript" }];
  }

  #audit(current: Case, action: AuditEntry["action"], by: AuditEntry["by"], revision: number): CaseEffect {
    const at = this.#now().toISOString();
    return { kind: "audit", entry: { id: `${current.id}.${action}.${revision}`, at, by, action }, revision };
  }

  #staffJob(current: Case, payload: StaffJob, tag: string): CaseEffect[] {
    if (!this.options.surfaces.staffGroup) return [];
    return [{ kind: "job", queue: "staff", id: `staff-${current.id}-${payload.type}-${tag}`, payload }];
  }

  #webhookJob(current: Case, event: WebhookJob["event"], revision = 0): CaseEffect[] {
    if (!this.options.surfaces.webhook) return [];
    const payload: WebhookJob = { event, caseId: current.id, at: this.#now().toISOString() };
    return [{ kind: "job", queue: "webhook", id: `hook-${current.id}-${event}-${revision}`, payload }];
  }

  #personJob(current: Case, event: CaseEvent, delayMs?: number): CaseEffect {
    const payload: PersonJob = { caseId: current.id, event };
    return { kind: "job", queue: "person", id: `person-${event.id}`, payload, ...(delayMs ? { delayMs } : {}) };
  }
}
