import type { Message, Update } from "grammy/types";
import type { InboundContent, InboundMessage } from "../../core/engine/messages.js";

/**
 * What a Telegram update means to the engine. The bot talks with one person at a time, in private
 * chats. Decided (and tested): groups, supergroups and channels get silence, since a reply there
 * would speak to strangers; an edited message gets silence, since its answer was already taken;
 * anything a person sends that the bot cannot read (sticker, photo, voice…) gets a friendly line.
 */
export type UpdateReading =
  | { kind: "message"; inbound: InboundMessage }
  | { kind: "tap"; inbound: InboundMessage; callbackId: string; messageId: number | undefined }
  | { kind: "ignore"; why: "not private" | "edited" | "not a message" | "service message" };

const UNSUPPORTED: Array<keyof Message> = [
  "sticker",
  "photo",
  "voice",
  "video",
  "video_note",
  "audio",
  "animation",
  "document",
  "location",
  "venue",
  "contact",
  "poll",
  "dice",
  "game",
  "story",
];

export function readUpdate(update: Update): UpdateReading {
  if (update.edited_message || update.edited_channel_post) return { kind: "ignore", why: "edited" };
  if (update.channel_post) return { kind: "ignore", why: "not private" };
  const query = update.callback_query;
  if (query) {
    const chat = query.message?.chat;
    if (chat?.type !== "private" || query.data === undefined) return { kind: "ignore", why: "not private" };
    return {
      kind: "tap",
      inbound: inbound(update.update_id, String(chat.id), query.from.language_code, {
        kind: "choice",
        token: query.data,
      }),
      callbackId: query.id,
      messageId: query.message?.message_id,
    };
  }
  const message = update.message;
  if (!message) return { kind: "ignore", why: "not a message" };
  if (message.chat.type !== "private") return { kind: "ignore", why: "not private" };
  const content = contentOf(message);
  if (!content) return { kind: "ignore", why: "service message" };
  return {
    kind: "message",
    inbound: inbound(update.update_id, String(message.chat.id), message.from?.language_code, content),
  };
}

function contentOf(message: Message): InboundContent | undefined {
  if (typeof message.text === "string") return { kind: "text", text: message.text };
  const what = UNSUPPORTED.find((field) => message[field] !== undefined);
  // The message's id lets staff get a copy while they talk with the person; never a chat id.
  return what ? { kind: "unsupported", what, ref: String(message.message_id) } : undefined;
}

function inbound(
  updateId: number,
  chatId: string,
  languageCode: string | undefined,
  content: InboundContent,
): InboundMessage {
  return { id: `tg${updateId}`, channel: "telegram", chatId, languageCode, content };
}
