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

/**
 * Commands and their aliases in every language (`common:commands.<name>` in locales), e.g.
 * /borrar, /efase, /supprimer and /delete are one command. Any language's alias works in any
 * language, so a person never has to guess which one the bot expects.
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
}
