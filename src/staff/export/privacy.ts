import { z } from "zod";
import { bandOf, type StaffQuestion } from "../questions.js";
import type { Cell, ExportTable } from "./table.js";

/**
 * Row-level exports that cannot point at one family. A row with its day, language, channel, a rare
 * nationality and exact household counts can name the only Haitian family of seven who answered
 * on a Tuesday; so rows keep only what many share:
 * - the month, never the day;
 * - numbers in the bands their question declares (household sizes: 1, 2, 3–4, 5–6, 7+);
 * - in every column of categories, any value fewer than 5 rows of this export hold is merged into
 *   "other" (and when "other" itself stays under 5, the next rarest joins it), and a multiple
 *   choice's rare options become one "other options" column the same way;
 * - free text as stored: it was scrubbed when the answer was taken.
 * The suppressed summary (`report/`) is built from the stored responses and is not affected.
 */

export const rowPrivacySchema = z.enum(["coarse", "exact"]);
/** `coarse` for every download staff make; `exact` only to test the writers on known values. */
export type RowPrivacy = z.infer<typeof rowPrivacySchema>;

/** What a column holds, so coarsening knows what to do with it. */
export const columnRoleSchema = z.enum(["id", "day", "version", "category", "option", "text"]);
export type ColumnRole = z.infer<typeof columnRoleSchema>;

/** A value fewer rows than this hold is merged; the same threshold as the summary's "<5". */
export const SMALLEST_GROUP = 5;

/** How coarsened cells are written: labels for people, codes for statistics software. */
export interface CoarseWords {
  /** The value standing for the merged rare values. */
  other: string;
  /** The header of a multiple choice's merged rare options, given the question's header. */
  otherOptions(question: string): string;
  /** A ticked option, as the option columns write it ("Sí" or 1), and an unticked one. */
  ticked: Cell;
  unticked: Cell;
}

export interface RoledTable extends ExportTable {
  /** One per column. */
  roles: ColumnRole[];
  /** For option columns: the question they belong to, and its header. */
  groups: Array<{ question: string; header: string } | undefined>;
  /** For a number with bands: the bands. */
  bands: Array<StaffQuestion["bands"]>;
}

export function coarsen(table: RoledTable, words: CoarseWords): ExportTable {
  let columns = table.columns.map((column, at) =>
    table.roles[at] === "day" ? { id: "month", header: "month" } : column,
  );
  let rows = table.rows.map((row) =>
    row.map((cell, at) => {
      const role = table.roles[at];
      if (role === "day" && typeof cell === "string") return cell.slice(0, 7);
      const bands = table.bands[at];
      if (bands && typeof cell === "number") return bandOf(bands, cell);
      return cell;
    }),
  );
  table.roles.forEach((role, at) => {
    if (role === "category") rows = mergeRareValues(rows, at, words.other);
  });
  ({ columns, rows } = mergeRareOptions({ ...table, columns, rows }, words));
  return { columns, rows };
}

/** Replaces the values of one column that fewer than five rows hold by `other`. */
function mergeRareValues(rows: Cell[][], at: number, other: string): Cell[][] {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const cell = row[at];
    if (cell === null || cell === undefined || cell === "") continue;
    counts.set(String(cell), (counts.get(String(cell)) ?? 0) + 1);
  }
  const merged = new Set<string>();
  let inOther = 0;
  const ascending = [...counts].sort((a, b) => a[1] - b[1]);
  for (const [value, count] of ascending) {
    const rare = count < SMALLEST_GROUP;
    const otherTooSmall = inOther > 0 && inOther < SMALLEST_GROUP;
    if (!rare && !otherTooSmall) break;
    merged.add(value);
    inOther += count;
  }
  if (merged.size === 0) return rows;
  return rows.map((row) => {
    const cell = row[at];
    if (cell === null || cell === undefined || !merged.has(String(cell))) return row;
    const next = [...row];
    next[at] = other;
    return next;
  });
}

/** A multiple choice's options ticked in fewer than five rows become one column, ticked if any is. */
function mergeRareOptions(table: RoledTable, words: CoarseWords): ExportTable {
  const byQuestion = new Map<string, number[]>();
  table.groups.forEach((group, at) => {
    if (table.roles[at] !== "option" || !group) return;
    byQuestion.set(group.question, [...(byQuestion.get(group.question) ?? []), at]);
  });
  const dropped = new Set<number>();
  /** Where a question's "other options" column goes (after its last option), and which it merges. */
  const others = new Map<number, { id: string; header: string; merged: number[] }>();
  for (const [question, positions] of byQuestion) {
    const ticks = positions.map((at) => ({ at, count: table.rows.filter((row) => row[at] === words.ticked).length }));
    ticks.sort((a, b) => a.count - b.count);
    const merged: number[] = [];
    let inOther = 0;
    for (const { at, count } of ticks) {
      // An option nobody ticked hides nothing, and merging it would add nobody to "other".
      if (count === 0) continue;
      const rare = count < SMALLEST_GROUP;
      if (!rare && !(inOther > 0 && inOther < SMALLEST_GROUP)) break;
      merged.push(at);
      inOther += count;
    }
    if (merged.length === 0) continue;
    for (const at of merged) dropped.add(at);
    const header = table.groups[positions[0] ?? 0]?.header ?? question;
    others.set(Math.max(...positions), { id: `${question}._other`, header: words.otherOptions(header), merged });
  }
  if (dropped.size === 0) return table;
  const columns: ExportTable["columns"] = [];
  const build: Array<(row: Cell[]) => Cell> = [];
  table.columns.forEach((column, at) => {
    if (!dropped.has(at)) {
      columns.push(column);
      build.push((row) => row[at] ?? null);
    }
    const other = others.get(at);
    if (other) {
      columns.push({ id: other.id, header: other.header });
      build.push((row) =>
        otherCell(
          other.merged.map((merged) => row[merged] ?? null),
          words,
        ),
      );
    }
  });
  return { columns, rows: table.rows.map((row) => build.map((cell) => cell(row))) };
}

/** Ticked when any merged option is; a skipped or unasked question keeps its mark. */
function otherCell(cells: Cell[], words: CoarseWords): Cell {
  if (cells.some((cell) => cell === words.ticked)) return words.ticked;
  const first = cells[0] ?? null;
  return first === words.unticked || cells.every((cell) => cell === first) ? first : words.unticked;
}
