import { type ChannelKind, lastPrompt } from "./messages.js";
import type { Turn } from "./turn.js";

/**
 * What a reply was, in a word, for counting: never the text, never the flow or the question.
 * - `question`: the conversation moved on and asks a flow's next question;
 * - `menu`: it moved on to a menu, the language picker or an offer;
 * - `done`: a flow was submitted (an anonymous response) or a case opened;
 * - `relay`: what the person wrote went to staff;
 * - `text`: it moved on and said something without asking;
 * - `reprompt`: the message changed nothing (an answer that did not fit, a repeat, a stale button,
 *   /help): the person is asked the same again;
 * - `try-again`: the store did not answer, or the session kept changing: nothing was taken.
 */
export const REPLY_KINDS = ["question", "menu", "done", "relay", "text", "reprompt", "try-again"] as const;
export type ReplyKind = (typeof REPLY_KINDS)[number];

/**
 * Watches the engine work without knowing how it is counted (Prometheus lives in the runtime).
 * Called on every message: an implementation must only count in memory, never wait.
 */
export interface EngineObserver {
  /** A message was answered: its channel, what the reply was, how many messages, how long it took. */
  handled(channel: ChannelKind, kind: ReplyKind, messages: number, seconds: number): void;
  /** Handling a message threw: the channel answers the person its own way. */
  failed(channel: ChannelKind, seconds: number): void;
  /** Messages nobody asked for just now (staff wrote, a case changed), going out to a person. */
  pushed(channel: ChannelKind, messages: number): void;
}

/** The kind of a turn's reply, from its shape and its effects alone. */
export function replyKind(turn: Turn): ReplyKind {
  if (!turn.changed) return "reprompt";
  if (turn.effects.some((effect) => effect.kind === "record-response" || effect.kind === "open-case")) return "done";
  if (turn.effects.some((effect) => effect.kind === "relay")) return "relay";
  const prompt = lastPrompt(turn.messages);
  if (prompt?.ref) return "question";
  return prompt ? "menu" : "text";
}

/** How many messages a turn pushes to the person (staff wrote, a case changed). */
export function pushedMessages(turn: Turn): number {
  return turn.effects.reduce((count, effect) => count + (effect.kind === "push" ? effect.messages.length : 0), 0);
}

/** Seconds since a `performance.now()` reading. */
export function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}
