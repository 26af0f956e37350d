import type { Intent } from "./effects.js";
import type { OutboundMessage } from "./messages.js";
import type { Session } from "./session.js";

/** The outcome of one inbound message or event: what to store, what to say, what to do after. */
export interface Turn {
  /** The session to store, or null to forget the person entirely. */
  session: Session | null;
  /** False when nothing changed: a re-prompt needs no write. */
  changed: boolean;
  messages: OutboundMessage[];
  /** Carried out by the engine once the session is stored, never before. */
  effects: Intent[];
  /** A flow is starting: for a one-per-person flow, the engine checks the person has not taken part. */
  starting?: string;
}

/** What a turn may use besides the session: the clock and fresh ids, so turns stay pure and testable. */
export interface TurnContext {
  now: Date;
  newId(): string;
}

export function change(session: Session | null, messages: OutboundMessage[], effects: Intent[] = []): Turn {
  return { session, changed: true, messages, effects };
}

export function keep(session: Session, messages: OutboundMessage[]): Turn {
  return { session, changed: false, messages, effects: [] };
}
