import { z } from "zod";

/**
 * The narrow boundary between the engine and a channel: a channel turns a platform update into an
 * `InboundMessage` and renders each `OutboundMessage` in its platform's idiom. Nothing here knows
 * Telegram, WhatsApp or the web.
 */

export const channelKindSchema = z.enum(["web", "telegram", "whatsapp", "test"]);
export type ChannelKind = z.infer<typeof channelKindSchema>;

const MAX_INBOUND_TEXT = 8192;

export const inboundContentSchema = z.discriminatedUnion("kind", [
  /** Typed text, commands included ("/menu"). Longer texts are cut: no platform sends more. */
  z.object({ kind: z.literal("text"), text: z.string().transform((text) => text.slice(0, MAX_INBOUND_TEXT)) }),
  /** A tap on a choice the bot offered; the token is the one in `Choice.token`. */
  z.object({ kind: z.literal("choice"), token: z.string().max(256) }),
  /** Something the bot cannot read: a sticker, a photo, a voice note… */
  z.object({ kind: z.literal("unsupported"), what: z.string().max(40) }),
]);

export const inboundMessageSchema = z.object({
  channel: channelKindSchema,
  /** The platform's id for the conversation; the engine keys sessions by a keyed hash of it. */
  chatId: z.string().min(1).max(128),
  /** The platform's language code for the person ("pt-BR"), when it gives one. */
  languageCode: z.string().max(35).optional(),
  /** A language the channel only guesses (a phone's country code): offered first, never assumed. */
  languageSuggestion: z.string().max(35).optional(),
  content: inboundContentSchema,
});

export type InboundMessage = z.infer<typeof inboundMessageSchema>;
export type InboundContent = z.infer<typeof inboundContentSchema>;

export type ChoiceRole = "option" | "back" | "skip" | "done" | "confirm" | "change" | "language" | "flow";

export interface Choice {
  token: string;
  label: string;
  role: ChoiceRole;
  /** For multiple choice: ticked so far. */
  selected?: boolean;
}

export type Expectation = "choice" | "multichoice" | "yesno" | "number" | "text" | "menu" | "language" | "review";

export type OutboundMessage =
  | { kind: "text"; text: string }
  | {
      kind: "prompt";
      text: string;
      /** One line on how to answer by typing, for channels without buttons and for typed kinds. */
      hint?: string;
      choices: Choice[];
      expects: Expectation;
      /** Position among the questions that apply: "3/14". */
      progress?: { index: number; total: number };
      /** The question this prompt asks, so a channel can tell a stale button from a current one. */
      ref?: { flow: string; step: string };
      multi?: { max: number };
    };
