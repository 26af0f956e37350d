import { z } from "zod";

/**
 * Small-cell suppression, so that a published count never points at fewer than five people.
 *
 * A table is a flat list of counts and a list of lines: each line is some cells and the total they
 * add up to (a row with its row total, a column with its column total, the margins with the grand
 * total). Three rules, applied until nothing changes:
 * - small: a count from 1 to 4 is hidden and shown as "<5"; zero stays 0;
 * - group: a line whose total is small (or hidden as part of a small group) is hidden whole, but
 *   for cells any line shows to be 0;
 * - complementary: a line with exactly one hidden entry (cell or total) lets that entry be
 *   recomputed by subtraction, so its smallest remaining non-zero cell is hidden too (or, when no
 *   such cell is left, its total).
 * Where a line does not strictly add up (a multiple choice counts each ticked option, a total counts
 * people), the rules still apply: hiding more than strictly needed is the safe side.
 */

export const SMALL_MARK = "<5";
/** A count hidden only so that a small one cannot be recomputed; it may be large. */
export const HIDDEN_MARK = "x";
/** Counts from 1 to this are never shown. */
export const SMALLEST_SHOWN = 5;

export const hiddenReasonSchema = z.enum(["small", "group", "complementary"]);
export type HiddenReason = z.infer<typeof hiddenReasonSchema>;

/** A line of a table: indices into the counts of its cells and of the total they add up to. */
export interface Line {
  cells: readonly number[];
  total: number;
}

/** For each count, why it is hidden, or null when it may be shown. */
export function suppress(counts: readonly number[], lines: readonly Line[]): Array<HiddenReason | null> {
  const hidden: Array<HiddenReason | null> = counts.map((count) => (isSmall(count) ? "small" : null));
  let changed = true;
  while (changed) {
    changed = hideSmallGroups(counts, hidden, lines);
    changed = hideComplements(counts, hidden, lines) || changed;
  }
  return hidden;
}

function isSmall(count: number): boolean {
  return count > 0 && count < SMALLEST_SHOWN;
}

/**
 * A small group hides every cell in it, zeros included: "none of these 3 people" is disclosure too.
 * A line whose total is 0 stays, cells and total: it is 0 for all to see, and hiding it would only
 * force more hiding around it.
 */
function hideSmallGroups(
  counts: readonly number[],
  hidden: Array<HiddenReason | null>,
  lines: readonly Line[],
): boolean {
  const knownZero = new Set(
    lines.filter((line) => counts[line.total] === 0).flatMap((line) => [...line.cells, line.total]),
  );
  let changed = false;
  for (const line of lines) {
    const reason = hidden[line.total];
    if (reason !== "small" && reason !== "group") continue;
    for (const cell of line.cells) {
      if (hidden[cell] === null && !knownZero.has(cell)) {
        hidden[cell] = "group";
        changed = true;
      }
    }
  }
  return changed;
}

function hideComplements(
  counts: readonly number[],
  hidden: Array<HiddenReason | null>,
  lines: readonly Line[],
): boolean {
  let changed = false;
  for (const line of lines) {
    const entries = [...line.cells, line.total];
    if (entries.filter((entry) => hidden[entry] !== null).length !== 1) continue;
    const partner =
      smallestShownNonZero(counts, hidden, line.cells) ?? (hidden[line.total] === null ? line.total : undefined);
    if (partner === undefined) continue;
    hidden[partner] = "complementary";
    changed = true;
  }
  return changed;
}

/** Hiding the smallest count gives away the least information. */
function smallestShownNonZero(
  counts: readonly number[],
  hidden: ReadonlyArray<HiddenReason | null>,
  cells: readonly number[],
): number | undefined {
  let best: number | undefined;
  for (const cell of cells) {
    const count = counts[cell] ?? 0;
    if (hidden[cell] !== null || count === 0) continue;
    if (best === undefined || count < (counts[best] ?? 0)) best = cell;
  }
  return best;
}

/** What a report prints for a count: the number, "<5", or "x". */
export function display(count: number, reason: HiddenReason | null): string {
  if (reason === null) return String(count);
  return reason === "complementary" ? HIDDEN_MARK : SMALL_MARK;
}
