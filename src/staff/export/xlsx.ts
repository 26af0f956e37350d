import ExcelJS from "exceljs";
import { z } from "zod";
import type { ExportTable } from "./table.js";

/** What the "Acerca de" sheet says about an export, so a file shared later still explains itself. */
export const exportAboutSchema = z.object({
  flow: z.string(),
  currentVersion: z.number().int(),
  /** The flow versions present among the exported responses. */
  versions: z.array(z.number().int()),
  exportedOn: z.string(),
  count: z.number().int().min(0),
  from: z.string().optional(),
  to: z.string().optional(),
  codes: z.boolean(),
});
export type ExportAbout = z.infer<typeof exportAboutSchema>;

const DATA_SHEET = "Respuestas";
const ABOUT_SHEET = "Acerca de";
const ANONYMITY_NOTE =
  "Datos anónimos: ninguna respuesta guarda nombre, teléfono, usuario ni identificador de chat, ni la hora " +
  "(solo el día de envío). Los textos libres se guardaron sin teléfonos, correos ni números de documento.";
const EMPTY_NOTE =
  "Una celda vacía es una pregunta que no se hizo (otra versión del cuestionario o una pregunta condicional).";

/** A real workbook written by exceljs: the responses, then a sheet describing the export. */
export async function toXlsx(table: ExportTable, about: ExportAbout): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.created = new Date(`${about.exportedOn}T12:00:00Z`);
  addDataSheet(workbook, table);
  addAboutSheet(workbook, about);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function addDataSheet(workbook: ExcelJS.Workbook, table: ExportTable): void {
  // The header stays in view while scrolling through hundreds of responses.
  const sheet = workbook.addWorksheet(DATA_SHEET, { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = table.columns.map((column) => ({
    header: column.header,
    key: column.id,
    width: Math.min(Math.max(column.header.length + 2, 10), 50),
  }));
  sheet.getRow(1).font = { bold: true };
  // An empty (not asked) cell stays truly empty instead of holding an empty string.
  for (const row of table.rows) sheet.addRow(row.map((cell) => cell ?? undefined));
  if (table.columns.length > 0) {
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: table.columns.length } };
  }
}

function addAboutSheet(workbook: ExcelJS.Workbook, about: ExportAbout): void {
  const sheet = workbook.addWorksheet(ABOUT_SHEET);
  sheet.columns = [{ width: 28 }, { width: 100 }];
  const rows: Array<[string, string | number]> = [
    ["Consulta (flujo)", about.flow],
    ["Versión actual del flujo", about.currentVersion],
    ["Versiones en los datos", about.versions.join(", ") || "—"],
    ["Fecha de exportación", about.exportedOn],
    ["Respuestas", about.count],
    ["Desde", about.from ?? "(todas)"],
    ["Hasta", about.to ?? "(todas)"],
    ["Valores", about.codes ? "Códigos (--codes)" : "Etiquetas en español"],
    ["Nota", ANONYMITY_NOTE],
    ["Celdas vacías", EMPTY_NOTE],
  ];
  for (const row of rows) sheet.addRow(row);
  sheet.getColumn(1).font = { bold: true };
  sheet.getColumn(2).alignment = { wrapText: true, vertical: "top" };
}
