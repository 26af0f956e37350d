import { stringify } from "csv-stringify/sync";
import { z } from "zod";
import type { Cell, ExportTable } from "./table.js";

/** Excel in Chile reads `;` (its list separator, since `,` is the decimal comma); `,` elsewhere. */
export const csvDelimiterSchema = z.enum([";", ","]);
export type CsvDelimiter = z.infer<typeof csvDelimiterSchema>;

/**
 * The table as CSV that Excel opens with accents intact: UTF-8 with a byte-order mark (without it
 * Excel guesses a Windows code page and "Perú" turns into "PerÃº") and Windows line ends.
 * Quoting is csv-stringify's, never ours.
 */
export function toCsv(table: ExportTable, delimiter: CsvDelimiter): string {
  const header = table.columns.map((column) => column.header);
  const rows = table.rows.map((row) => row.map(csvCell));
  return stringify([header, ...rows], { bom: true, delimiter, record_delimiter: "windows" });
}

/** Cells that spreadsheet programs would run as a formula when the CSV is opened (CWE-1236). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Free text comes from anonymous strangers, and Excel runs `=HYPERLINK(...)` typed by one of them
 * when staff open the file. Such a text gets a leading apostrophe (OWASP's advice); numbers stay
 * numbers. JSON and XLSX keep the text exactly: there a string cell is never a formula.
 */
export function csvCell(cell: Cell): string {
  if (cell === null) return "";
  if (typeof cell === "string") return FORMULA_START.test(cell) ? `'${cell}` : cell;
  return String(cell);
}
