import type { Context } from "grammy";
import type { Logger } from "pino";
import type { StaffRef } from "../../core/cases/case.js";
import type { CaseRef, Cases, Outcome } from "../../core/cases/cases.js";
import type { Texts } from "../../core/i18n/texts.js";
import { fold } from "../../core/i18n/words.js";
import type { Office } from "../../core/office/office.js";
import type { KeyValueStore } from "../../core/store/keyvalue.js";
import { clip, readStaffToken, staffText, statusText } from "./render.js";

export interface StaffGroupActionsOptions {
  /** The staff group's chat id (STAFF_TELEGRAM_CHAT_ID); undefined: no group is the staff group yet. */
  chatId: string | undefined;
  /** Undefined while hand-off is off: only /chatid answers, to help set the group up. */
  cases: Cases | undefined;
  texts: Texts;
  office: Office;
  /** Each staff member's choice to show their first name to people. */
  facts: KeyValueStore;
  logger: Logger;
}

const STAFF_COMMANDS = ["claim", "close", "cases", "name", "help", "chatid"] as const;
type StaffCommand = (typeof STAFF_COMMANDS)[number];
const CODE = /\bK-\d{4,6}\b/i;
const CODES = /\bK-\d{4,6}\b/gi;
const SHARE_SECONDS = 365 * 24 * 3600;

/**
 * What staff do in their Telegram group: tap 🙋 Tomar or ✅ Cerrar on a case's card, reply to a
 * case's messages to write to the person, and a few commands. Only the staff group may act on
 * cases: a tap or a command from any other group is refused, and logged without its content.
 */
export class StaffGroupActions {
  readonly #commands = new Map<string, StaffCommand>();

  constructor(private readonly options: StaffGroupActionsOptions) {
    for (const command of STAFF_COMMANDS)
      for (const alias of options.texts.list("es", `staff:commands.${command}`))
        this.#commands.set(fold(alias), command);
  }

  async handle(ctx: Context): Promise<void> {
    const chat = ctx.chat ?? ctx.callbackQuery?.message?.chat;
    if (!chat) return;
    const command = this.#command(ctx.message?.text);
    if (String(chat.id) !== this.options.chatId) {
      if (command?.command === "chatid")
        await this.#reply(ctx, staffText(this.options.texts, "answer.chatId", { id: chat.id }));
      else if (ctx.callbackQuery || command) {
        this.options.logger.warn({ group: chat.id }, "staff action from a group that is not the staff group; refused");
        if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
      }
      return;
    }
    const from = ctx.from;
    if (!from || from.is_bot || !this.options.cases) return;
    const staff: StaffRef = { id: `tg:${from.id}`, name: from.first_name.slice(0, 64) };
    if (ctx.callbackQuery) return this.#tap(ctx, staff);
    if (command) return this.#run(ctx, staff, command.command, command.argument);
    if (ctx.message?.reply_to_message) return this.#replyToPerson(ctx, staff);
  }

  async #tap(ctx: Context, staff: StaffRef): Promise<void> {
    const cases = this.#cases();
    const token = readStaffToken(ctx.callbackQuery?.data ?? "");
    if (!token) {
      await ctx.answerCallbackQuery().catch(() => undefined);
      return;
    }
    const outcome =
      token.action === "claim"
        ? await cases.claim({ id: token.caseId }, staff, await this.#sharesName(staff))
        : await cases.close({ id: token.caseId }, staff);
    await ctx.answerCallbackQuery({ text: this.#said(outcome, token.action) }).catch(() => undefined);
  }

  async #run(ctx: Context, staff: StaffRef, command: StaffCommand, argument: string): Promise<void> {
    const cases = this.#cases();
    const { texts } = this.options;
    const t = (key: string, values?: Record<string, string | number>) => staffText(texts, key, values);
    switch (command) {
      case "claim":
      case "close": {
        const ref = this.#caseOf(ctx, argument);
        if (!ref)
          return this.#reply(
            ctx,
            t("answer.needCode", { command: texts.list("es", `staff:commands.${command}`)[0] ?? command }),
          );
        const outcome =
          command === "claim"
            ? await cases.claim(ref, staff, await this.#sharesName(staff))
            : await cases.close(ref, staff);
        return this.#reply(ctx, this.#said(outcome, command));
      }
      case "cases": {
        const open = (await cases.list("all", 200)).filter((current) => current.status !== "closed");
        if (open.length === 0) return this.#reply(ctx, t("answer.noCases"));
        const list = open
          .map((current) =>
            t("openCaseLine", {
              code: current.code,
              kind: t(`kind.${current.kind}`),
              status: statusText(current, texts, this.options.office),
            }),
          )
          .join("\n");
        return this.#reply(ctx, clip(t("openCases", { list })));
      }
      case "name": {
        const on = !/^(no|n|off|0)$/i.test(argument.trim());
        await this.options.facts.set(`staff:share:${staff.id}`, on ? "1" : "0", SHARE_SECONDS);
        return this.#reply(ctx, on ? t("answer.shareOn", { name: staff.name }) : t("answer.shareOff"));
      }
      case "help":
        return this.#reply(ctx, t("help"));
      case "chatid":
        return this.#reply(ctx, t("answer.chatId", { id: ctx.chat?.id ?? "" }));
    }
  }

  /** A staff member's reply to a case's card or to one of its messages goes to the person. */
  async #replyToPerson(ctx: Context, staff: StaffRef): Promise<void> {
    const replied = ctx.message?.reply_to_message;
    if (!replied || replied.from?.id !== ctx.me.id) return;
    // A reply reaches a person only from a message about one case: a reminder lists several.
    const codes = new Set([...(replied.text ?? replied.caption ?? "").matchAll(CODES)].map((m) => m[0].toUpperCase()));
    const [code] = codes;
    if (codes.size > 1) return this.#reply(ctx, staffText(this.options.texts, "answer.whichCase"));
    if (!code) return;
    const text = ctx.message?.text;
    if (text === undefined) return this.#reply(ctx, staffText(this.options.texts, "answer.onlyText"));
    const outcome = await this.#cases().reply({ code }, staff, text, await this.#sharesName(staff));
    if (!outcome.ok)
      await this.#reply(
        ctx,
        staffText(this.options.texts, "answer.notSent", {
          why: staffText(this.options.texts, `answer.refused.${outcome.why}`, { code: code.toUpperCase() }),
        }),
      );
  }

  /** A command (its name in any alias, with or without @bot) and what follows it. */
  #command(text: string | undefined): { command: StaffCommand; argument: string } | undefined {
    const match = /^\s*\/([^\s@]+)(?:@\S+)?\s*(.*)$/su.exec(text ?? "");
    if (!match) return undefined;
    const command = this.#commands.get(fold(match[1] ?? ""));
    return command ? { command, argument: (match[2] ?? "").trim() } : undefined;
  }

  /** The case a command names ("K-1234"), or the case of the message it replies to. */
  #caseOf(ctx: Context, argument: string): CaseRef | undefined {
    const named = CODE.exec(argument)?.[0];
    if (named) return { code: named };
    const replied = ctx.message?.reply_to_message;
    const code = replied?.from?.id === ctx.me.id ? CODE.exec(replied.text ?? replied.caption ?? "")?.[0] : undefined;
    return code ? { code } : undefined;
  }

  #said(outcome: Outcome, action: "claim" | "close"): string {
    const t = (key: string, values?: Record<string, string | number>) => staffText(this.options.texts, key, values);
    if (!outcome.ok) return t(`answer.refused.${outcome.why}`, { code: outcome.case?.code ?? "" }).trim();
    const code = outcome.case.code;
    return action === "claim" ? t("answer.claimed", { code }) : t("answer.closed", { code });
  }

  #cases(): Cases {
    if (!this.options.cases) throw new Error("hand-off to staff is off");
    return this.options.cases;
  }

  async #sharesName(staff: StaffRef): Promise<boolean> {
    return (await this.options.facts.get(`staff:share:${staff.id}`).catch(() => undefined)) === "1";
  }

  async #reply(ctx: Context, text: string): Promise<void> {
    const message = ctx.message;
    await ctx
      .reply(
        text,
        message ? { reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true } } : {},
      )
      .catch((error: unknown) =>
        this.options.logger.warn({ err: (error as Error).message }, "staff group: a reply failed"),
      );
  }
}
