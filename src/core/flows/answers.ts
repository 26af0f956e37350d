import type { Answer, QuestionStep } from "./schema.js";

/** Whether an answer may be stored for a question: the one check every stored answer passes. */
export function fits(step: QuestionStep, value: Answer): boolean {
  switch (step.kind) {
    case "choice":
      return typeof value === "string" && step.options.some((option) => option.id === value);
    case "multichoice":
      return (
        Array.isArray(value) &&
        value.length >= 1 &&
        value.length <= step.max &&
        new Set(value).size === value.length &&
        value.every((chosen) => step.options.some((option) => option.id === chosen))
      );
    case "yesno":
      return typeof value === "boolean";
    case "number":
      return typeof value === "number" && Number.isInteger(value) && value >= step.min && value <= step.max;
    case "text":
      return typeof value === "string" && value.trim().length > 0 && textLength(value) <= step.maxLength;
  }
}

/** Length as a person counts it: an emoji is one character, not two UTF-16 units. */
export function textLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/**
 * Folds typed text for matching: lower case, no accents, no punctuation or emoji around words,
 * single spaces. "  Sí!! " and "si" fold to the same.
 */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** Keycap digits (1️⃣) and other digit forms people send, as plain digits. */
export function plainDigits(text: string): string {
  return text.replace(/([0-9])\uFE0F?\u20E3/g, "$1").replace(/\u{1F51F}/gu, "10");
}
