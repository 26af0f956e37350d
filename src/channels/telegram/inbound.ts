import { z } from "zod";
import { type InboundContent, type InboundMessage, MAX_TOKEN } from "../../core/engine/messages.js";

/**
 * What a Telegram update means to the engine. The bot talks with one person at a time, in private
 * chats. Decided (and tested): groups, supergroups and channels get silence, since a reply there
 * would speak to strangers; an edited message gets silence, since its answer was already taken;
 * anything a person sends that the bot cannot read (sticker, photo, voice…) gets a friendly line.
 *
 * Updates are read through a schema of the few fields used, so a malformed one (a forged webhook
 * call, a chat id that is not a number) is ignored, never half-read.
 */
export type UpdateReading =
  | { kind: "message"; inbound: InboundMessage }
  | { kind: "tap"; inbound: InboundMessage; callbackId: string; messageId: number | undefined }
  | { kind: "ignore"; why: "not private" | "edited" | "not a message" | "service message" | "malformed" };

const UNSUPPORTED = [
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
] as const;

const chatSchema = z.object({ id: z.number().int(), type: z.string() });
const senderSchema = z.object({ language_code: z.string().optional() });

// Passthrough: which kind of media a message holds is read from its other fields.
const messageSchema = z
  .object({
    message_id: z.number().int(),
    chat: chatSchema,
    from: senderSchema.optional(),
    text: z.string().optional(),
  })
  .passthrough();

const updateSchema = z.object({
  update_id: z.number().int().nonnegative(),
  message: messageSchema.optional(),
  edited_message: z.unknown().optional(),
  edited_channel_post: z.unknown().optional(),
  channel_post: z.unknown().optional(),
  callback_query: z
    .object({
      id: z.string(),
      from: senderSchema,
      // An old message comes without its content: only its id and chat.
      message: z.object({ message_id: z.number().int(), chat: chatSchema }).optional(),
      // Telegram carries at most 64 bytes: data longer than any token is forged, and ignored.
      data: z.string().max(MAX_TOKEN).optional(),
    })
    .optional(),
});

type TelegramMessage = z.infer<typeof messageSchema>;

/** An update as the webhook receives it: JSON with a whole-number `update_id`, or nothing. */
export function webhookUpdate(body: string): { update_id: number } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const id = z.object({ update_id: z.number().int().nonnegative() }).passthrough().safeParse(parsed);
  return id.success ? id.data : undefined;
}

export function readUpdate(raw: unknown): UpdateReading {
  const parsed = updateSchema.safeParse(raw);
  if (!parsed.success) return { kind: "ignore", why: "malformed" };
  const update = parsed.data;
  if (update.edited_message !== undefined || update.edited_channel_post !== undefined)
    return { kind: "ignore", why: "edited" };
  if (update.channel_post !== undefined) return { kind: "ignore", why: "not private" };
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

function contentOf(message: TelegramMessage): InboundContent | undefined {
  if (typeof message.text === "string") return { kind: "text", text: message.text };
  const what = UNSUPPORTED.find((field) => message[field] !== undefined && message[field] !== null);
  // The message's id lets staff get a copy while they talk with the person; never a chat id.
  return what ? { kind: "unsupported", what, ref: String(message.message_id) } : undefined;
}

function inbound(
  updateId: number,
  chatId: string,
  languageCode: string | undefined,
  content: InboundContent,
): InboundMessage {
  // The app's interface language is only a suggestion: Telegram has no Kreyòl interface, so a
  // Haitian with a French phone must still be asked, with what their words say offered first.
  return {
    id: `tg${updateId}`,
    channel: "telegram",
    chatId,
    ...(languageCode ? { languageSuggestion: languageCode.slice(0, 35) } : {}),
    content,
  };
}
