import type { Choice, OutboundMessage } from "../../core/engine/messages.js";
import { splitText } from "../split.js";

/**
 * The engine's messages in WhatsApp's idiom: no buttons (WhatsApp deprecated them for bots), so
 * each choice gets a number (1️⃣ 2️⃣ …), "0" goes back, and "prefer not to say" takes the next
 * number. *Bold* only for the question itself. What each number means is kept as a `Numbering`,
 * so that the person's "2" reads as the second choice of the question they were shown.
 */
export interface RenderedPrompt {
  texts: string[];
  numbering: Numbering | undefined;
}

/** Typed number → the token of the choice it names, for the last question shown. */
export type Numbering = Record<string, string>;

/** WhatsApp cuts long messages into "read more"; past this length it refuses them. */
export const MAX_TEXT = 4000;

const KEYCAPS = ["0️⃣", "1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"];

export function keycap(number: number): string {
  return KEYCAPS[number] ?? `${number}.`;
}

type Prompt = Extract<OutboundMessage, { kind: "prompt" }>;
/** WhatsApp's own wording for how to answer a prompt (no "tap" where nothing can be tapped). */
export type HintFor = (prompt: Prompt) => string | undefined;

export function renderMessages(messages: OutboundMessage[], hintFor: HintFor = () => undefined): RenderedPrompt {
  const texts: string[] = [];
  let numbering: Numbering | undefined;
  for (const message of messages) {
    if (message.kind === "text") {
      texts.push(...split(message.text));
      continue;
    }
    const numbered =
      message.expects === "number"
        ? wordChoices(message.choices)
        : numberChoices(message.choices, message.expects === "multichoice");
    numbering = numbered.numbering;
    const progress = message.progress ? `📋 ${message.progress.index}/${message.progress.total}\n` : "";
    const lines = [`${progress}*${message.text.trim()}*`, "", ...numbered.lines];
    const hint = withHint(message.hint, hintFor(message));
    if (hint) lines.push("", `_${hint.trim()}_`);
    texts.push(...split(lines.join("\n").trimEnd()));
  }
  return { texts, numbering };
}

/** The engine's hint with its first line (how to answer) replaced; later lines (the current answer) kept. */
function withHint(hint: string | undefined, howToAnswer: string | undefined): string | undefined {
  if (!howToAnswer) return hint;
  return [howToAnswer, ...(hint ?? "").split("\n").slice(1)].join("\n");
}

/**
 * Options first, from 1, so that a list typed for a multiple choice ("1,3") names the same options;
 * then "prefer not to say" and the other controls; "back" is always 0. A multiple choice has no
 * "done": the whole list is typed in one message.
 */
function numberChoices(choices: Choice[], listAnswer: boolean): { lines: string[]; numbering: Numbering } {
  const numbering: Numbering = {};
  const lines: string[] = [];
  let next = 1;
  const ordered = [
    ...choices.filter((c) => c.role !== "back" && c.role !== "skip" && c.role !== "done"),
    ...choices.filter((c) => c.role === "skip"),
  ];
  for (const choice of ordered) {
    // A multiple choice's options are answered as a list ("2" is the list of one): the engine reads it.
    if (!listAnswer || choice.role === "skip") numbering[String(next)] = choice.token;
    lines.push(`${keycap(next)} ${choice.label}`);
    next++;
  }
  const back = choices.find((c) => c.role === "back");
  if (back) {
    numbering["0"] = back.token;
    lines.push(`${keycap(0)} ${back.label.replace(/^⬅️\s*/u, "")}`);
  }
  return { lines, numbering };
}

/** At a number question every digit is an answer: "back" and "prefer not to say" are said in words. */
function wordChoices(choices: Choice[]): { lines: string[]; numbering: Numbering } {
  return { lines: choices.map((choice) => `▫️ ${choice.label.replace(/^⬅️\s*/u, "")}`), numbering: {} };
}

/** Cut to this platform's limit. */
export function split(text: string, max = MAX_TEXT): string[] {
  return splitText(text, max);
}
