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
