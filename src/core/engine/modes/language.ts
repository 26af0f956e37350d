import { LANGUAGES, type Language } from "../../i18n/languages.js";
import type { Texts } from "../../i18n/texts.js";
import { fold, plainDigits } from "../../i18n/words.js";
import type { ParsedCommand } from "../commands.js";
import type { OutboundMessage } from "../messages.js";
import type { Session } from "../session.js";
import { change, keep, type Turn, type TurnContext } from "../turn.js";
import type { Input, ModeDeps, ModeHandler, SessionIn } from "./mode.js";

/**
 * Choosing a language: a tap, a digit, or the language's name typed. Once chosen, the conversation
 * goes back to where it was, and shows it again in the new language.
 */
export class LanguageMode implements ModeHandler<"language"> {
  readonly #typed = new Map<string, Language>();

  constructor(private readonly deps: ModeDeps) {
    this.#typed = languageWords(deps.texts);
  }

  receive(session: SessionIn<"language">, { content }: Input, _ctx: TurnContext): Turn {
    const chosen = content.kind === "text" ? this.#typed.get(fold(plainDigits(content.text))) : undefined;
    if (chosen) return this.choose(session, chosen);
    return keep(session, this.current(session));
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

  /** Sets the language from any mode and goes back to where the person was. */
  choose(session: Session, lng: Language): Turn {
    const { render, moves } = this.deps;
    const resumed = session.mode.kind === "language" ? (session.mode.resume ?? { kind: "menu" }) : session.mode;
    const next: Session = { ...session, lng, mode: resumed };
    const messages: OutboundMessage[] = [render.text(lng, "common:language.set")];
    if (!session.lng) messages.push(render.text(lng, "common:welcome"));
    messages.push(...moves.current(next));
    return change(next, messages);
  }
}

/** Each language by its number in the picker, its code and its own name, as typed (folded). */
function languageWords(texts: Texts): Map<string, Language> {
  const words = new Map<string, Language>();
  LANGUAGES.forEach((lng, at) => {
    words.set(String(at + 1), lng);
    words.set(fold(texts.t(lng, "common:language.name")), lng);
    words.set(lng, lng);
  });
  return words;
}
