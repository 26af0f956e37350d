import type { InlineKeyboardMarkup } from "grammy/types";
import type { Case } from "../../core/cases/case.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { Office } from "../../core/office/office.js";
import { officeTime } from "../time.js";

/** Staff read Spanish: every staff-facing text is `locales/es/staff.json`. */
export function staffText(texts: Texts, key: string, values?: Record<string, string | number>): string {
  return texts.t("es", `staff:${key}`, values);
}

/** Telegram refuses longer messages. */
const MAX_TEXT = 4096;

/** The data of the card's buttons: short, and naming the case, never the person. */
export const staffTokens = {
  claim: (caseId: string) => `k:claim:${caseId}`,
  close: (caseId: string) => `k:close:${caseId}`,
};

export function readStaffToken(data: string): { action: "claim" | "close"; caseId: string } | undefined {
  const match = /^k:(claim|close):([A-Za-z0-9-]{1,40})$/.exec(data);
  return match ? { action: match[1] as "claim" | "close", caseId: match[2] ?? "" } : undefined;
}

/** A case as the staff group sees it: who, what, where it stands; buttons while it is not closed. */
export function renderCard(
  current: Case,
  texts: Texts,
  office: Office,
): { text: string; reply_markup: InlineKeyboardMarkup } {
  const t = (key: string, values?: Record<string, string | number>) => staffText(texts, key, values);
  const lines = [
    t("card.title", { code: current.code, kind: t(`kind.${current.kind}`) }),
    t("card.meta", {
      language: t(`language.${current.lng}`),
      channel: t(`channel.${current.channel}`),
      opened: officeTime(office, current.openedAt),
    }),
    t("card.state", { status: statusText(current, texts, office) }),
    "",
    t("card.summary"),
    ...(current.summary.length
      ? current.summary.map((line) => `• ${line.question}: ${line.answer}`)
      : [t("card.noSummary")]),
  ];
  if (current.status !== "closed") lines.push("", t("card.howToReply"));
  const buttons =
    current.status === "open"
      ? [
          { text: t("buttons.claim"), callback_data: staffTokens.claim(current.id) },
          { text: t("buttons.close"), callback_data: staffTokens.close(current.id) },
        ]
      : current.status === "claimed"
        ? [{ text: t("buttons.close"), callback_data: staffTokens.close(current.id) }]
        : [];
  return { text: clip(lines.join("\n")), reply_markup: { inline_keyboard: buttons.length ? [buttons] : [] } };
}

export function statusText(current: Case, texts: Texts, office: Office): string {
  const t = (key: string, values?: Record<string, string | number>) => staffText(texts, key, values);
  if (current.status === "open") return t("status.open");
  if (current.status === "claimed")
    return t("status.claimed", {
      name: current.claimedBy?.name ?? "",
      time: officeTime(office, current.claimedAt ?? current.openedAt, false),
    });
  const time = officeTime(office, current.closedAt ?? current.openedAt, false);
  if (current.closedBy === "person") return t("status.closedByPerson", { time });
  if (current.closedBy === "deleted") return t("status.closedByDeletion", { time });
  return t("status.closed", { name: current.closedBy?.name ?? "", time });
}

/** Cut to what Telegram takes, keeping whole lines where it can. */
export function clip(text: string): string {
  if (text.length <= MAX_TEXT) return text;
  const cut = text.slice(0, MAX_TEXT - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf("\n"), MAX_TEXT / 2))}\n…`;
}

/** "45 min", "3 h". */
export function waitedText(texts: Texts, sinceIso: string, now: Date): string {
  const minutes = Math.max(1, Math.round((now.getTime() - Date.parse(sinceIso)) / 60_000));
  return minutes < 120
    ? staffText(texts, "minutes", { n: minutes })
    : staffText(texts, "hours", { n: Math.round(minutes / 60) });
}
