/**
 * How Calls rows reach a sheet. The fast rows (the default) render each row's XML directly
 * (calls-row-xml.ts) and append it to exceljs's sheet stream behind its back; tests compare
 * them with exceljs's own Row objects (test/support/exceljs-call-rows.ts).
 */
import type ExcelJS from "exceljs";
import type { CallColumn } from "../../report/workbook-calls-sheet.js";
import type { CellValue } from "../../report/workbook-layout.js";
import { CallsRowXml, CellType } from "./calls-row-xml.js";
import { type StyleRegistry, type WorksheetWriterInternals, worksheetWriterOf } from "./exceljs-internals.js";

/** What every way of writing Calls rows shares, worked out once per workbook. */
export interface CallRowsContext {
  columns: readonly CallColumn[];
  /**
   * One style object per column, shared by all its cells: exceljs caches a style's id by
   * object identity, so a shared object is looked up once instead of re-serialised per cell.
   */
  columnStyles: ReadonlyArray<Partial<ExcelJS.Style>>;
  /** The style of a link cell in `linkColumn` (0-based; -1 when there is none). */
  linkStyle: Partial<ExcelJS.Style>;
  linkColumn: number;
  styles: StyleRegistry;
}

/** Writes Calls rows into one sheet whose header row is already written. */
export type CallRowSink = (values: readonly CellValue[]) => void;

/** Made once per workbook, before the first Calls sheet; then one sink per Calls sheet. */
export type CallRowsFactory = (context: CallRowsContext) => (sheet: ExcelJS.Worksheet) => CallRowSink;

/** Style ids the way exceljs picks them per cell, remembered per column and cell type. */
function callStyleIds(context: CallRowsContext): (column: number, type: CellType) => number {
  const { columns, columnStyles, linkStyle, linkColumn, styles } = context;
  const TYPES = 16;
  const ids: number[] = new Array(columns.length * TYPES).fill(-1);
  return (column, type) => {
    const key = column * TYPES + type;
    let id = ids[key] ?? -1;
    if (id < 0) {
      const numFmt = columns[column]?.numFmt;
      const style =
        type === CellType.Null
          ? // exceljs gives an empty cell a fresh copy of its column's style (Cell's constructor).
            numFmt === undefined
            ? {}
            : { numFmt }
          : column === linkColumn && type === CellType.Hyperlink
            ? linkStyle
            : (columnStyles[column] ?? {});
      id = styles.addStyleModel(style, type);
      ids[key] = id;
    }
    return id;
  };
}

/**
 * Appends rendered rows to one worksheet's XML stream, keeping exceljs's row counter in step
 * so that the sheet's commit (autofilter, hyperlinks, rels) still fits.
 */
export const fastCallRows: CallRowsFactory = (context) => {
  const rowXml = new CallsRowXml(context.columns.length, callStyleIds(context));
  return (sheet) => {
    const writer: WorksheetWriterInternals = worksheetWriterOf(sheet);
    const links = writer._sheetRelsWriter.hyperlinksProxy;
    const onHyperlink = (address: string, target: string) => links.push({ address, target });
    return (values) => {
      const rowNumber = writer._rowZero;
      const xml = rowXml.render(rowNumber, values, onHyperlink);
      if (xml !== null) writer.stream.write(xml);
      writer._rowZero = rowNumber + 1;
    };
  };
};
