import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import type { Choice, OutboundMessage } from "../../core/engine/messages.js";
import { splitText } from "../split.js";

/** A message as Telegram takes it: plain text (no parse mode, nothing to escape) and buttons. */
export interface TelegramMessage {
  text: string;
  reply_markup?: InlineKeyboardMarkup;
}

/** Telegram refuses longer texts. */
export const MAX_TEXT = 4096;

/** The engine's messages in Telegram's idiom: prompts with inline keyboards, long texts split. */
export function renderMessages(messages: OutboundMessage[]): TelegramMessage[] {
  return messages.flatMap((message) => {
    if (message.kind === "text") return split(message.text).map((text) => ({ text }));
    const chunks = split(promptText(message));
    const keyboard = keyboardOf(message.choices);
    return chunks.map((text, at) =>
      at === chunks.length - 1 && keyboard ? { text, reply_markup: keyboard } : { text },
    );
  });
}

type Prompt = Extract<OutboundMessage, { kind: "prompt" }>;

function promptText(prompt: Prompt): string {
  const progress = prompt.progress ? `📋 ${prompt.progress.index}/${prompt.progress.total}\n` : "";
  return `${progress}${prompt.text}${prompt.hint ? `\n\n${prompt.hint}` : ""}`;
}

/** Options several per row when their labels are short; back, skip and done on a row of their own. */
function keyboardOf(choices: Choice[]): InlineKeyboardMarkup | undefined {
  if (choices.length === 0) return undefined;
  const button = (choice: Choice): InlineKeyboardButton => ({
    text: choice.selected ? `✓ ${choice.label}` : choice.label,
    callback_data: choice.token,
  });
  const controls = new Set(["back", "skip", "done"]);
  const options = choices.filter((choice) => !controls.has(choice.role));
  const longest = Math.max(0, ...options.map((choice) => [...choice.label].length));
  const perRow = longest <= 8 ? 3 : longest <= 16 ? 2 : 1;
  const rows: InlineKeyboardButton[][] = [];
  for (let at = 0; at < options.length; at += perRow) rows.push(options.slice(at, at + perRow).map(button));
  const done = choices.filter((choice) => choice.role === "done").map(button);
  if (done.length) rows.push(done);
  const rest = choices.filter((choice) => choice.role === "skip" || choice.role === "back").map(button);
  if (rest.length) rows.push(rest);
  return { inline_keyboard: rows };
}

/** Cut to this platform's limit. */
export function split(text: string, max = MAX_TEXT): string[] {
  return splitText(text, max);
}

/** The question message once answered: its text, and what was chosen, without buttons. */
export function answeredText(questionText: string, answer: string): string {
  return split(`${questionText}\n\n✅ ${answer}`)[0] ?? questionText;
}

/** The label of the button a person tapped, as shown (a ticked option keeps its ✓ off). */
export function tappedLabel(markup: InlineKeyboardMarkup | undefined, token: string): string | undefined {
  for (const row of markup?.inline_keyboard ?? [])
    for (const button of row) if ("callback_data" in button && button.callback_data === token) return button.text;
  return undefined;
}

/** The options ticked on a multiple-choice keyboard, for the "done" tap. */
export function tickedLabels(markup: InlineKeyboardMarkup | undefined): string[] {
  return (markup?.inline_keyboard ?? [])
    .flat()
    .map((button) => button.text)
    .filter((text) => text.startsWith("✓ "))
    .map((text) => text.slice(2));
}
