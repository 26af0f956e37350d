import { z } from "zod";

/**
 * The narrow boundary between the engine and a channel: a channel turns a platform update into an
 * `InboundMessage` and renders each `OutboundMessage` in its platform's idiom. Nothing here knows
 * Telegram, WhatsApp or the web.
 */

export const channelKindSchema = z.enum(["web", "telegram", "whatsapp", "test"]);
export type ChannelKind = z.infer<typeof channelKindSchema>;

const MAX_INBOUND_TEXT = 8192;
/** The longest choice token taken in: far above any the bot makes (Telegram carries 64 bytes). */
export const MAX_TOKEN = 256;

export const inboundContentSchema = z.discriminatedUnion("kind", [
  /** Typed text, commands included ("/menu"). Longer texts are cut: no platform sends more. */
  z.object({ kind: z.literal("text"), text: z.string().transform((text) => text.slice(0, MAX_INBOUND_TEXT)) }),
  /** A tap on a choice the bot offered; the token is the one in `Choice.token`. */
  z.object({ kind: z.literal("choice"), token: z.string().max(MAX_TOKEN) }),
  /**
   * Something the bot cannot read: a sticker, a photo, a voice note… The channel's own handle to it
   * (`ref`, never a chat id) lets staff receive a copy while they talk with the person.
   */
  z.object({ kind: z.literal("unsupported"), what: z.string().max(40), ref: z.string().max(200).optional() }),
]);

export const inboundMessageSchema = z.object({
  /**
   * The platform's id for this message or update, when it has one: a message that comes twice (a
   * redelivery, two replicas) is recognised as a repeat and applied once.
   */
  id: z.string().min(1).max(100).optional(),
  channel: channelKindSchema,
  /** The platform's id for the conversation; the engine keys sessions by a keyed hash of it. */
  chatId: z.string().min(1).max(128),
  /**
   * The platform's language code for the person ("pt-BR"), when it gives one: taken at first
   * contact only when the first message's words say no other language (then that one is offered).
   */
  languageCode: z.string().max(35).optional(),
  /** A language the channel only guesses (a phone's country code): offered first, never assumed. */
  languageSuggestion: z.string().max(35).optional(),
  content: inboundContentSchema,
  /**
   * The question the person was last shown, as `promptKey` gives it, when the channel knows: typed
   * text given for another question than the current one is a repeat (a message sent twice, a
   * retry after "try again" whose first try was taken after all), never an answer to the next one.
   */
  basis: z.string().max(300).optional(),
});

export type InboundMessage = z.infer<typeof inboundMessageSchema>;

/** Where a person can be reached: the kind of channel and the platform's id of the chat. Never stored in clear. */
export const addressSchema = z.object({ channel: channelKindSchema, chatId: z.string().min(1).max(128) });
export type Address = z.infer<typeof addressSchema>;
export type InboundContent = z.infer<typeof inboundContentSchema>;

export const choiceRoleSchema = z.enum([
  "option",
  "back",
  "skip",
  "done",
  "confirm",
  "change",
  "language",
  "flow",
  "menu",
]);
export type ChoiceRole = z.infer<typeof choiceRoleSchema>;

export const choiceSchema = z.object({
  token: z.string(),
  label: z.string(),
  role: choiceRoleSchema,
  /** For multiple choice: ticked so far. */
  selected: z.boolean().optional(),
});
export type Choice = z.infer<typeof choiceSchema>;

export const expectationSchema = z.enum([
  "choice",
  "multichoice",
  "yesno",
  "number",
  "text",
  "menu",
  "language",
  "review",
  "offer",
]);
export type Expectation = z.infer<typeof expectationSchema>;

/** What the engine says; a schema too, since messages pushed later wait in the outbox as data. */
export const outboundMessageSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("text"), text: z.string() }),
  z.object({
    kind: z.literal("prompt"),
    text: z.string(),
    /** One line on how to answer by typing, for channels without buttons and for typed kinds. */
    hint: z.string().optional(),
    choices: z.array(choiceSchema),
    expects: expectationSchema,
    /** Position among the questions that apply: "3/14". */
    progress: z.object({ index: z.number(), total: z.number() }).optional(),
    /** The question this prompt asks, so a channel can tell a stale button from a current one. */
    ref: z.object({ flow: z.string(), step: z.string() }).optional(),
    multi: z.object({ max: z.number() }).optional(),
  }),
]);
export type OutboundMessage = z.infer<typeof outboundMessageSchema>;
export type Prompt = Extract<OutboundMessage, { kind: "prompt" }>;

/**
 * What a prompt asks, as one string a channel keeps after delivering it and sends back as an
 * inbound message's `basis`: the flow and step of a question, else the kind of choice (the menu,
 * the language picker).
 */
export function promptKey(prompt: Prompt): string {
  return prompt.ref ? `${prompt.ref.flow}/${prompt.ref.step}` : `:${prompt.expects}`;
}

/** The last prompt among messages: the question a person has in front of them once all are shown. */
export function lastPrompt(messages: readonly OutboundMessage[]): Prompt | undefined {
  return messages.findLast((message): message is Prompt => message.kind === "prompt");
}
