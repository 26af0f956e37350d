import { parseToken } from "../../src/core/engine/tokens.js";
import type { BotApiEmulator, BotMessage } from "./bot-api.js";

/** The question a bot message asks, read from its buttons' data: a step, `_review`, `_menu`, or "". */
export function stepOf(message: BotMessage): string {
  for (const button of message.buttons) {
    const token = parseToken(button.callbackData ?? "");
    if (token && "step" in token) return token.step;
    if (token?.kind === "review") return "_review";
    if (token?.kind === "menu") return "_menu";
  }
  return "";
}

/** Waits for the bot's next question in a chat: a message with buttons, newer than message `after`. */
export async function nextQuestion(
  emulator: BotApiEmulator,
  chatId: number,
  after: number,
  timeoutMs: number,
): Promise<BotMessage> {
  await emulator.waitFor(
    () =>
      (emulator.lastMessage(chatId)?.messageId ?? 0) > after && (emulator.lastMessage(chatId)?.buttons.length ?? 0) > 0,
    timeoutMs,
    "the next question",
  );
  const question = emulator.lastMessage(chatId);
  if (!question) throw new Error("no question");
  return question;
}
