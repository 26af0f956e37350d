import type { Cell, ExportTable } from "./table.js";

/** The table as a JSON array of rows, each an object keyed by column id ("needs.health"). */
export function toJson(table: ExportTable): string {
  const records = table.rows.map((row) =>
    Object.fromEntries(table.columns.map((column, at): [string, Cell] => [column.id, row[at] ?? null])),
  );
  return `${JSON.stringify(records, null, 2)}\n`;
}
