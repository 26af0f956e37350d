import { LanguageDetector } from "../../i18n/detect.js";
import { LANGUAGES, type Language, languageFromCode } from "../../i18n/languages.js";
import type { Texts } from "../../i18n/texts.js";
import { fold, plainDigits } from "../../i18n/words.js";
import type { ParsedCommand } from "../commands.js";
import type { OutboundMessage } from "../messages.js";
import type { Session } from "../session.js";
import { parseToken } from "../tokens.js";
import { change, keep, type Turn, type TurnContext } from "../turn.js";
import type { Input, ModeDeps, ModeHandler, SessionIn } from "./mode.js";

/**
 * Choosing a language: a tap, a digit, or the language's name typed in any common spelling
 * ("kreyol", "créole", "inglés", "portuguès"). Once chosen, the conversation goes back to where it
 * was, and shows it again in the new language; a flow a link asked for before (/start consulta)
 * starts then. Before any language is chosen, what the person writes instead is read for the
 * language it is in, and that language is offered first.
 */
export class LanguageMode implements ModeHandler<"language"> {
  readonly #typed = new Map<string, Language>();
  readonly #detector: LanguageDetector;

  constructor(private readonly deps: ModeDeps) {
    this.#typed = languageWords(deps.texts);
    this.#detector = new LanguageDetector(deps.texts);
  }

  receive(session: SessionIn<"language">, { content }: Input, ctx: TurnContext): Turn {
    if (content.kind !== "text") return keep(session, this.current(session));
    const chosen = this.typed(content.text, session.mode.suggested);
    if (chosen) return this.choose(session, chosen, ctx);
    const heard = session.lng ? undefined : this.#detector.detect(content.text);
    if (!heard || heard === session.mode.suggested) return keep(session, this.current(session));
    const next: SessionIn<"language"> = { ...session, mode: { ...session.mode, suggested: heard } };
    return change(next, this.current(next));
  }

  /** A command while choosing: without a language, the picker again; with one, the picker is left. */
  command(session: SessionIn<"language">, _command: ParsedCommand, _ctx: TurnContext): Turn | undefined {
    if (!session.lng) return keep(session, this.current(session));
    return undefined;
  }

  event(): Turn | undefined {
    return undefined;
  }

  current(session: SessionIn<"language">): OutboundMessage[] {
    return [this.deps.render.languagePicker(session.mode.suggested)];
  }

  /**
   * The language a text typed at the picker chooses: its number as listed (the suggested language
   * first), its code, or its name.
   */
  typed(text: string, suggested?: Language): Language | undefined {
    const folded = fold(plainDigits(text));
    if (/^\d{1,2}$/.test(folded)) {
      const listed = this.deps.render.languagePicker(suggested).choices[Number(folded) - 1];
      const token = listed ? parseToken(listed.token) : undefined;
      return token?.kind === "language" ? token.lng : undefined;
    }
    return this.#typed.get(folded) ?? this.#detector.named(text);
  }

  /** The language a first message chooses by being nothing but its name ("kreyòl", "English"). */
  named(text: string): Language | undefined {
    return this.#detector.named(text, true);
  }

  /**
   * The language to offer first at first contact: the one the person's words are in, else the one
   * the channel guesses. Kreyòl speakers often greet in French ("bonjour"): from a Haitian number,
   * Kreyòl stays first.
   */
  suggest(text: string | undefined, guessed: string | undefined): Language | undefined {
    const heard = text === undefined ? undefined : this.#detector.detect(text);
    const channel = languageFromCode(guessed);
    if (heard === "fr" && channel === "ht") return channel;
    return heard ?? channel;
  }

  /** Sets the language from any mode and goes back to where the person was, or opens the linked flow. */
  choose(session: Session, lng: Language, ctx: TurnContext): Turn {
    const { render, moves, flows } = this.deps;
    const picking = session.mode.kind === "language" ? session.mode : undefined;
    const resumed = picking ? (picking.resume ?? { kind: "menu" }) : session.mode;
    const next: Session = { ...session, lng, mode: resumed };
    const messages: OutboundMessage[] = [render.text(lng, "common:language.set")];
    if (!session.lng) messages.push(render.text(lng, "common:welcome"));
    const linked = picking?.start === undefined ? undefined : flows.get(picking.start);
    if (linked) return moves.startFlow(next, linked, lng, messages, ctx);
    messages.push(...moves.current(next));
    return change(next, messages);
  }
}

/** Each language by its code and its own name, as typed (folded). */
function languageWords(texts: Texts): Map<string, Language> {
  const words = new Map<string, Language>();
  for (const lng of LANGUAGES) {
    words.set(fold(texts.t(lng, "common:language.name")), lng);
    words.set(lng, lng);
  }
  return words;
}
