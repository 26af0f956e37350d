import type { InboundContent } from "../../core/engine/messages.js";
import { plainDigits } from "../../core/i18n/words.js";
import type { Numbering } from "./render.js";

/**
 * Reads what a person typed against the numbers of the question they were shown: a lone number
 * (or keycap) that names a choice becomes a tap on it; anything else — a list "1,3", a word, an
 * option's text — goes to the engine as text, which reads labels, number words and misspellings.
 */
export function readTyped(text: string, numbering: Numbering | undefined): InboundContent {
  const typed = plainDigits(text).trim();
  const token = /^\d{1,2}$/.test(typed) ? numbering?.[String(Number(typed))] : undefined;
  return token ? { kind: "choice", token } : { kind: "text", text };
}
