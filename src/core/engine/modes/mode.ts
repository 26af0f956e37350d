import type { Flow } from "../../flows/compile.js";
import type { Language } from "../../i18n/languages.js";
import type { Texts } from "../../i18n/texts.js";
import type { Words } from "../../i18n/words.js";
import type { Office } from "../../office/office.js";
import type { RuleBook } from "../../rules/rulebook.js";
import type { ParsedCommand } from "../commands.js";
import type { CaseEvent } from "../events.js";
import type { InboundContent, OutboundMessage } from "../messages.js";
import type { Renderer } from "../render.js";
import type { HandoffOffer, Mode, ModeKind, ResumableMode, Session } from "../session.js";
import type { ParsedToken } from "../tokens.js";
import type { Turn, TurnContext } from "../turn.js";

/** What channels call a voice note or a sound file: Telegram "voice" and "audio", WhatsApp "ptt" and "audio". */
const VOICE = new Set(["voice", "audio", "ptt"]);

/**
 * The line for something the bot cannot read. Many people rely on voice notes: they are told kindly
 * that it cannot listen yet, and how to reach the office by phone.
 */
export function unreadableKey(what: string): string {
  return VOICE.has(what) ? "common:voiceNote" : "common:unsupported";
}

/** A session known to be in one mode. */
export type SessionIn<K extends ModeKind> = Session & { mode: Extract<Mode, { kind: K }> };

/** A message that is not a command: typed text, a tap (with its token read), or something unreadable. */
export interface Input {
  content: InboundContent;
  token: ParsedToken | undefined;
}

/**
 * What a conversation does in one mode. The conversation sends each message to the handler of the
 * session's mode, so a new mode is one new handler: nothing else changes.
 */
export interface ModeHandler<K extends ModeKind> {
  /** An answer, a tap or something unreadable; never a command. */
  receive(session: SessionIn<K>, input: Input, ctx: TurnContext): Turn;
  /** A command this mode gives its own meaning, or undefined for the meaning it has everywhere. */
  command(session: SessionIn<K>, command: ParsedCommand, ctx: TurnContext): Turn | undefined;
  /** Something that happened on the staff side; undefined when it does not concern this mode. */
  event(session: SessionIn<K>, event: CaseEvent, ctx: TurnContext): Turn | undefined;
  /** What the person sees to pick up where they are (after a language change, /help, a repeat). */
  current(session: SessionIn<K>): OutboundMessage[];
}

/** Moves between modes, shared by every handler. */
export interface Moves {
  /** To the menu, after some messages; an offer keeps "talk to a person" about what was just done. */
  toMenu(session: Session, before: OutboundMessage[], offer?: HandoffOffer): Turn;
  /** Starts a flow (or says why it cannot start: a hand-off while cases are off). */
  startFlow(
    session: Session,
    flow: Flow,
    lng: Language,
    before: OutboundMessage[],
    ctx: TurnContext,
    carry?: HandoffOffer,
  ): Turn;
  /** Starts the hand-off: the flow that asks consent and opens a case, or the office's contacts. */
  startHandoff(
    session: Session,
    lng: Language,
    before: OutboundMessage[],
    ctx: TurnContext,
    carry?: HandoffOffer,
  ): Turn;
  /** Opens the language picker; the conversation comes back to `resume` once a language is chosen. */
  pickLanguage(session: Session, resume: ResumableMode): Turn;
  /** What the person sees to pick up where they are, in whatever mode. */
  current(session: Session): OutboundMessage[];
}

/** What every handler may use: built once at start. */
export interface ModeDeps {
  flows: ReadonlyMap<string, Flow>;
  texts: Texts;
  render: Renderer;
  words: Record<Language, Words>;
  office: Office;
  moves: Moves;
  /** Whether hand-off cases can be opened now (someone on the staff side will see them). */
  casesEnabled: boolean;
  /** The eligibility rules, for a flow whose results come from them. */
  rules: RuleBook | undefined;
}

/** The language of a session past the first contact, where it is always known. */
export function lngOf(session: Session): Language {
  return session.lng ?? "es";
}
