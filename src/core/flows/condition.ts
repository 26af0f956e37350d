import type { Answers, Condition } from "./schema.js";

/**
 * Evaluates skip logic against the answers so far. A comparison on a question that was not
 * answered, or was skipped ("prefer not to say"), is false: a follow-up is only asked when the
 * answer that calls for it was given.
 */
export function holds(condition: Condition, answers: Answers): boolean {
  if ("not" in condition) return !holds(condition.not, answers);
  if ("all" in condition) return condition.all.every((part) => holds(part, answers));
  if ("any" in condition) return condition.any.some((part) => holds(part, answers));

  const answer = answers[condition.step];
  if ("answered" in condition) return (answer !== undefined && answer !== null) === condition.answered;
  if (answer === undefined || answer === null) return false;
  if ("equals" in condition) return answer === condition.equals;
  if ("in" in condition) return (condition.in as unknown[]).includes(answer);
  if ("includes" in condition) return Array.isArray(answer) && answer.includes(condition.includes);
  if (typeof answer !== "number") return false;
  if ("gt" in condition) return answer > condition.gt;
  if ("gte" in condition) return answer >= condition.gte;
  if ("lt" in condition) return answer < condition.lt;
  return answer <= condition.lte;
}

/**
 * Whether a condition holds given the answers so far, or may still come to hold: `undefined` when
 * it reads a question not answered yet that may still be asked (`open`), true or false otherwise.
 */
export function mayHold(condition: Condition, answers: Answers, open: (step: string) => boolean): boolean | undefined {
  if ("not" in condition) {
    const inner = mayHold(condition.not, answers, open);
    return inner === undefined ? undefined : !inner;
  }
  if ("all" in condition || "any" in condition) {
    const parts = ("all" in condition ? condition.all : condition.any).map((part) => mayHold(part, answers, open));
    const decides = !("all" in condition);
    if (parts.includes(decides)) return decides;
    return parts.includes(undefined) ? undefined : !decides;
  }
  if (answers[condition.step] === undefined && open(condition.step)) return undefined;
  return holds(condition, answers);
}

/** The step ids a condition reads, to check at load that it only looks back. */
export function stepsReadBy(condition: Condition): string[] {
  if ("not" in condition) return stepsReadBy(condition.not);
  if ("all" in condition) return condition.all.flatMap(stepsReadBy);
  if ("any" in condition) return condition.any.flatMap(stepsReadBy);
  return [condition.step];
}
