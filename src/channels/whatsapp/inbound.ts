import { z } from "zod";
import { type InboundContent, MAX_TOKEN } from "../../core/engine/messages.js";
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
  // A token no choice could have (a damaged note of what was shown) leaves the number for the engine to read.
  return token && token.length <= MAX_TOKEN ? { kind: "choice", token } : { kind: "text", text };
}

/**
 * What a person was last shown, kept per chat: the numbers of its choices, and the question asked
 * (`promptKey`), sent back with what they type so it is never taken for an answer to another.
 */
const shownSchema = z.object({
  numbering: z.record(z.string(), z.string()).optional(),
  basis: z.string().optional(),
});
export type Shown = z.infer<typeof shownSchema>;

export function readShown(stored: string): Shown | undefined {
  try {
    const parsed: unknown = JSON.parse(stored);
    const shown = shownSchema.safeParse(parsed);
    if (shown.success && (shown.data.numbering || shown.data.basis)) return shown.data;
    // Before the question was kept too, only the numbering was.
    const numbering = shownSchema.shape.numbering.safeParse(parsed);
    return numbering.success && numbering.data ? { numbering: numbering.data } : undefined;
  } catch {
    return undefined;
  }
}
