import { LANGUAGES } from "../i18n/languages.js";
import type { Texts } from "../i18n/texts.js";
import { fold } from "../i18n/words.js";

export const COMMANDS = ["start", "menu", "help", "language", "cancel", "person", "delete"] as const;
export type Command = (typeof COMMANDS)[number];

export interface ParsedCommand {
  command: Command | undefined;
  /** What followed the command: a deep-link payload for /start. */
  argument: string;
}

/** Commands that also work typed without the slash; /delete, which cannot be undone, needs it. */
const WITHOUT_SLASH: ReadonlySet<Command> = new Set(["start", "menu", "help", "language", "cancel", "person"]);

/** A whole message that may be a command word: letters, maybe "¡¿" before and "!", "." or "?" after. */
const BARE = /^\s*[¡¿]?\s*([\p{L}\p{M}'’_-]{2,32})\s*[!.?]*\s*$/u;

/**
 * Commands and their aliases in every language (`common:commands.<name>` in locales), e.g.
 * /borrar, /efase, /supprimer and /delete are one command. Any language's alias works in any
 * language, so a person never has to guess which one the bot expects.
 *
 * People also type a command without its slash ("menu", "ayuda", "Cancelar!", "èd", "anile"): a
 * message that is nothing but a command word is read by `bare`. Whether it is then a command or
 * an answer is the conversation's to say (an option of the current question wins); a message that
 * merely contains a command word ("necesito ayuda con el menú") is never one.
 */
export class CommandReader {
  readonly #aliases = new Map<string, Command>();

  constructor(texts: Texts) {
    for (const command of COMMANDS) {
      this.#aliases.set(command, command);
      for (const lng of LANGUAGES)
        for (const alias of texts.list(lng, `common:commands.${command}`)) this.#aliases.set(fold(alias), command);
    }
  }

  /** A command if the text starts with "/", else undefined (then it is an answer). */
  read(text: string): ParsedCommand | undefined {
    const match = /^\s*[/／]([^\s@]+)(?:@\S+)?\s*(.*)$/su.exec(text);
    if (!match) return undefined;
    return { command: this.#aliases.get(fold(match[1] ?? "")), argument: (match[2] ?? "").trim() };
  }

  /**
   * A command typed without its slash: the whole message is one command word, in any case, with or
   * without accents ("Menú", "ÈD", "ayuda!"); else undefined. Never /delete.
   */
  bare(text: string): ParsedCommand | undefined {
    const word = BARE.exec(text)?.[1];
    const command = word === undefined ? undefined : this.#aliases.get(fold(word));
    return command && WITHOUT_SLASH.has(command) ? { command, argument: "" } : undefined;
  }
}
