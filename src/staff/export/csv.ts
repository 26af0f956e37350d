import { stringify } from "csv-stringify/sync";
import { z } from "zod";
import type { Cell, ExportTable } from "./table.js";

/** Excel in Chile reads `;` (its list separator, since `,` is the decimal comma); `,` elsewhere. */
export const csvDelimiterSchema = z.enum([";", ","]);
export type CsvDelimiter = z.infer<typeof csvDelimiterSchema>;

/** A field holding any of these is quoted, so its line breaks stay inside it. */
const LINE_BREAK = /[\r\n]/;

/**
 * The table as CSV that Excel opens with accents intact: UTF-8 with a byte-order mark (without it
 * Excel guesses a Windows code page and "Perú" turns into "PerÃº") and Windows line ends.
 * Quoting is csv-stringify's, never ours; but with a record delimiter set, csv-stringify quotes
 * only fields holding that exact delimiter (`\r\n`), and a bare `\n` or `\r` typed in free text
 * would end the row for every reader. `quoted_match` makes it quote any field with a CR or LF.
 */
export function toCsv(table: ExportTable, delimiter: CsvDelimiter): string {
  const header = table.columns.map((column) => column.header);
  const rows = table.rows.map((row) => row.map(csvCell));
  return stringify([header, ...rows], {
    bom: true,
    delimiter,
    record_delimiter: "windows",
    quoted_match: LINE_BREAK,
  });
}

/**
 * A line start in a text (its start, or just after a CRLF, CR or LF) followed by a character that
 * makes a spreadsheet run the line as a formula (CWE-1236): = + - @ or a tab, and the full-width
 * forms of the first four that some programs (Apple Numbers) fold into them.
 */
const FORMULA_LINE_START = /(^|\r\n|\r|\n)(?=[=+\-@\t\uFF1D\uFF0B\uFF0D\uFF20])/g;

/**
 * Free text comes from anonymous strangers, and Excel runs `=HYPERLINK(...)` typed by one of them
 * when staff open the file. Such a text gets a leading apostrophe (OWASP's advice); numbers stay
 * numbers. JSON and XLSX keep the text exactly: there a string cell is never a formula.
 *
 * Every line of a multi-line text is guarded, not only the first. A line break inside a quoted
 * field is only safe as long as every program honours the quotes: pasted into a sheet, imported
 * with other settings or read by a tool that splits lines, `a\n=HYPERLINK(...)` puts the formula
 * at the start of a cell of its own. An apostrophe after each break is the same visible, harmless
 * mark as at the start, and staff can still read what was typed. A CR at the very start (in OWASP's list) is guarded as before; a CR or LF
 * inside the text is itself a line break, so what follows it is checked as a line start.
 */
export function csvCell(cell: Cell): string {
  if (cell === null) return "";
  if (typeof cell !== "string") return String(cell);
  const guarded = cell.replace(FORMULA_LINE_START, "$1'");
  return guarded.startsWith("\r") ? `'${guarded}` : guarded;
}
