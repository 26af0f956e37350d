import { type Api, GrammyError, InputFile } from "grammy";
import type { Logger } from "pino";
import type { Case } from "../../core/cases/case.js";
import type { Cases } from "../../core/cases/cases.js";
import type { StaffJob } from "../../core/cases/jobs.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { Office } from "../../core/office/office.js";
import { clip, renderCard, staffText, waitedText } from "./render.js";

export interface StaffGroupOptions {
  api: Api;
  /** The staff group's chat id (STAFF_TELEGRAM_CHAT_ID). */
  chatId: string;
  cases: Cases;
  texts: Texts;
  office: Office;
  logger: Logger;
  now?: () => Date;
}

/** A file a person sent on a channel other than Telegram, to copy into the group. */
export interface StaffMedia {
  data: Buffer;
  mimetype: string;
  filename?: string;
}

/**
 * Writes to the staff Telegram group, one job at a time: a case's card (posted once, redrawn as
 * it changes), what the person writes (as replies to the card, so each case reads as a thread),
 * notes and reminders. A failure throws, and the job is tried again later.
 */
export class StaffGroupNotifier {
  constructor(private readonly options: StaffGroupOptions) {}

  async run(job: StaffJob): Promise<void> {
    switch (job.type) {
      case "card":
        return this.#card(job.caseId);
      case "relay":
        return this.#relay(job);
      case "note": {
        const current = await this.options.cases.get(job.caseId);
        if (current)
          await this.#say(current, staffText(this.options.texts, `note.${job.note}`, { code: current.code }));
        return;
      }
      case "reminder":
        return this.#reminder(job.caseIds);
    }
  }

  /** A file the person sent, downloaded where it was sent, into the case's thread; or a line saying they sent one. */
  async media(current: Case, file: StaffMedia | undefined, what: string): Promise<void> {
    if (!file) {
      await this.#say(current, staffText(this.options.texts, "relayMedia", { code: current.code, what }));
      return;
    }
    const caption = staffText(this.options.texts, "relayMediaCaption", { code: current.code });
    const input = new InputFile(
      file.data,
      file.filename ?? (file.mimetype.startsWith("image/") ? "foto.jpg" : "archivo"),
    );
    const other = { caption, ...this.#thread(current) };
    if (file.mimetype.startsWith("image/"))
      await this.#call(() => this.options.api.sendPhoto(this.options.chatId, input, other));
    else await this.#call(() => this.options.api.sendDocument(this.options.chatId, input, other));
  }

  async #card(caseId: string): Promise<void> {
    const { api, chatId, cases, texts, office } = this.options;
    const current = await cases.get(caseId);
    if (!current) return;
    const card = renderCard(current, texts, office);
    if (current.staffMessage) {
      await this.#call(() =>
        api.editMessageText(chatId, current.staffMessage as number, card.text, { reply_markup: card.reply_markup }),
      ).catch((error: unknown) => {
        if (error instanceof GrammyError && error.description.includes("not modified")) return;
        throw error;
      });
      return;
    }
    const sent = await this.#call(() => api.sendMessage(chatId, card.text, { reply_markup: card.reply_markup }));
    await cases.setStaffMessage(current.id, sent.message_id);
  }

  async #relay(job: Extract<StaffJob, { type: "relay" }>): Promise<void> {
    const { api, chatId, cases, texts } = this.options;
    const current = await cases.get(job.caseId);
    // Gone with the contact (the person deleted their data): there is nothing left to relay.
    const entry = current && (await cases.transcribed(current.id, job.entryId));
    if (!current || !entry) return;
    if (entry.text !== undefined) {
      const said =
        entry.from === "person"
          ? staffText(texts, "relay", { code: current.code, text: entry.text })
          : staffText(texts, "relayStaff", { code: current.code, name: entry.from.name, text: entry.text });
      await this.#say(current, said);
      return;
    }
    const contact = cases.contact(current);
    if (entry.ref && current.channel === "telegram" && contact) {
      const caption = staffText(texts, "relayMediaCaption", { code: current.code });
      // A copy, not a forward: a forward would show the person's name and account to the group.
      await this.#call(() =>
        api.copyMessage(chatId, contact.chatId, Number(entry.ref), { caption, ...this.#thread(current) }),
      );
      return;
    }
    await this.media(current, undefined, entry.media ?? "");
  }

  async #reminder(caseIds: string[]): Promise<void> {
    const { cases, texts } = this.options;
    const now = this.options.now?.() ?? new Date();
    const waiting = (await Promise.all(caseIds.map((caseId) => cases.get(caseId)))).filter(
      (found): found is Case => found?.status === "open",
    );
    if (waiting.length === 0) return;
    const list = waiting
      .map((current) =>
        staffText(texts, "reminderLine", {
          code: current.code,
          kind: staffText(texts, `kind.${current.kind}`),
          language: staffText(texts, `language.${current.lng}`),
          waited: waitedText(texts, current.openedAt, now),
        }),
      )
      .join("\n");
    await this.#call(() =>
      this.options.api.sendMessage(this.options.chatId, clip(staffText(texts, "reminder", { list }))),
    );
  }

  async #say(current: Case, text: string): Promise<void> {
    await this.#call(() => this.options.api.sendMessage(this.options.chatId, clip(text), this.#thread(current)));
  }

  /** Under the case's card, when there is one; a message whose card is gone still goes. */
  #thread(current: Case) {
    return current.staffMessage
      ? { reply_parameters: { message_id: current.staffMessage, allow_sending_without_reply: true } }
      : {};
  }

  /** One line an operator can act on when the group itself is the problem. */
  async #call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof GrammyError) {
        const moved = error.parameters.migrate_to_chat_id;
        if (moved)
          this.options.logger.error(
            `The staff group became a supergroup: set STAFF_TELEGRAM_CHAT_ID=${moved} and restart Puente.`,
          );
        else if (error.error_code === 403 || error.description.includes("chat not found"))
          this.options.logger.error(
            { err: error.description },
            "The bot cannot write to the staff group: add it to the group and check STAFF_TELEGRAM_CHAT_ID.",
          );
      }
      throw error;
    }
  }
}
