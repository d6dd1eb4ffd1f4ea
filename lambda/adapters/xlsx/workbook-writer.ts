/**
 * The xlsx adapter: writes the domain's workbook layout (lambda/report/workbook.ts) with
 * exceljs's streaming writer, so that memory stays flat however many calls the day has (see
 * issue 5 for the measurements behind the writer options). The only module that opens exceljs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import ExcelJS from "exceljs";
import type { WorkbookWriter } from "../../ports.js";
import type { Call } from "../../report/call.js";
import type { PeriodWorkbookLayout } from "../../report/period-workbook.js";
import {
  type CallsSheetsLayout,
  type WorkbookInput,
  type WorkbookOptions,
  type WorkbookResult,
  workbookLayout,
} from "../../report/workbook.js";
import { type CallSheetCounters, callRowValues, RECORDING_COLUMN_KEY } from "../../report/workbook-calls-sheet.js";
import {
  type CellLayout,
  type CellStyle,
  HEADER_STYLE,
  LINK_FONT,
  type SheetLayout,
  sanitizeSheetName,
} from "../../report/workbook-layout.js";
import { columnLetters } from "./calls-row-xml.js";
import { stylesOf, type ZipInternals, zipOf } from "./exceljs-internals.js";
import { type CallRowsFactory, fastCallRows } from "./fast-call-rows.js";
import { useNativeCrc32 } from "./native-crc32.js";
import { OutputWatch } from "./output-watch.js";
import type { SheetLinks } from "./sheet-links.js";

export { WorksheetInternalsError } from "./exceljs-internals.js";
export { WorkbookOutputError } from "./output-watch.js";

type Sheet = ExcelJS.Worksheet;

const DEFLATE_CHUNK_BYTES = 64 * 1024;
type AddSheet = (name: string, frozen: { rows: number; columns: number } | null) => Sheet;

/** The domain's plain-data style as exceljs's (the same shape; exceljs types it more loosely). */
const excelStyle = (style: CellStyle): Partial<ExcelJS.Style> => style as Partial<ExcelJS.Style>;

/**
 * Writes the whole workbook into `out` and resolves once `out` has finished. If the calls
 * iterable throws, rejects with that error and leaves `out` open (unpiped) for the caller to
 * discard — a partial zip must never look like a finished workbook. `callRows` is for tests,
 * which compare the fast rows with exceljs's own.
 */
export async function writeWorkbook(
  out: Writable,
  input: WorkbookInput,
  options: WorkbookOptions,
  callRows: CallRowsFactory = fastCallRows,
): Promise<WorkbookResult> {
  const layout = workbookLayout(input, options);
  return withWorkbook(
    out,
    layout.title,
    options.createdAt,
    async ({ workbook, addSheet, sheetNames, watch, zip, scratch }) => {
      for (const sheet of layout.sheets) writeSheet(addSheet(sheet.name, sheet.frozen), sheet);
      const calls = new CallSheetsWriter(layout.calls, addSheet, callRows, {
        styles: stylesOf(workbook),
        zip,
        scratch,
      });
      const rows = await calls.write(input.calls, watch);
      return { callRows: rows, sheetNames };
    },
  );
}

/**
 * Writes a weekly or monthly workbook (lambda/report/period-workbook.ts) into `out`, like the
 * daily one but without Calls sheets; resolves with the sheet names once `out` has finished.
 */
export function writePeriodWorkbook(out: Writable, layout: PeriodWorkbookLayout, createdAt: Date): Promise<string[]> {
  return withWorkbook(out, layout.title, createdAt, async ({ addSheet, sheetNames }) => {
    for (const sheet of layout.sheets) writeSheet(addSheet(sheet.name, sheet.frozen), sheet);
    return sheetNames;
  });
}

interface OpenWorkbook {
  workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  addSheet: AddSheet;
  /** The names given so far, in order. */
  sheetNames: string[];
  watch: OutputWatch;
  zip: ReturnType<typeof zipOf>;
  /** Where the Calls sheets' links wait (sheet-links.ts); removed when the workbook is done. */
  scratch: { dir: string; links: SheetLinks[] };
}

/**
 * Opens a streaming workbook into `out`, lets `write` add its sheets, commits, and resolves
 * once `out` has finished. If `write` or the output fails, rejects and leaves `out` open
 * (unpiped) for the caller to discard — a partial zip must never look like a finished workbook.
 */
async function withWorkbook<T>(
  out: Writable,
  title: string,
  createdAt: Date,
  write: (book: OpenWorkbook) => Promise<T>,
): Promise<T> {
  useNativeCrc32();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    // Without it exceljs drops every number format, fill and font.
    useStyles: true,
    // Shared strings keep every distinct string in memory until the end (~1 GB at 100k transcripts).
    useSharedStrings: false,
    // archiver defaults to level 1 here; 6 is ~12% smaller for almost no time when we yield per row.
    // Deflate hands back 64 KB at a time instead of 16 KB: a quarter of the main-thread round
    // trips per MB of sheet (each output chunk is a callback before zlib's thread goes on).
    zip: { zlib: { level: 6, chunkSize: DEFLATE_CHUNK_BYTES } },
  });
  workbook.creator = "callreport";
  workbook.lastModifiedBy = "callreport";
  workbook.created = createdAt;
  workbook.modified = createdAt;
  workbook.title = title;

  const zip = zipOf(workbook);
  const watch = new OutputWatch(out);
  zip.on("error", watch.onError);

  const sheetNames: string[] = [];
  const addSheet: AddSheet = (name, frozen) => {
    const safeName = sanitizeSheetName(name, sheetNames);
    sheetNames.push(safeName);
    const views: Array<Partial<ExcelJS.WorksheetView>> = frozen
      ? [{ state: "frozen", ySplit: frozen.rows, xSplit: frozen.columns }]
      : [];
    return workbook.addWorksheet(safeName, { views });
  };

  // The Calls sheets' links wait on disk (sheet-links.ts), next to the spool in Lambda's /tmp.
  // Made and removed synchronously: an await here would let exceljs run on (and finalize an
  // aborted archiver, an unhandled rejection) after the output failed.
  const scratch = { dir: mkdtempSync(join(tmpdir(), "callreport-workbook-")), links: [] as SheetLinks[] };
  try {
    const result = await write({ workbook, addSheet, sheetNames, watch, zip, scratch });
    // exceljs's commit waits for `finish` only: without the race a failed output would hang it.
    await Promise.race([workbook.commit(), watch.failed]);
    return result;
  } catch (error) {
    // Detach before aborting: an aborted archiver ends its output, which would end `out`.
    zip.unpipe(out);
    zip.abort();
    throw error;
  } finally {
    watch.stop();
    for (const links of scratch.links) links.dispose();
    rmSync(scratch.dir, { recursive: true, force: true });
  }
}

/** The adapter behind the pipeline's `WorkbookWriter` port. */
export const xlsxWorkbookWriter: WorkbookWriter = {
  write: (out, input, options) => writeWorkbook(out, input, options),
  writePeriod: (out, layout, createdAt) => writePeriodWorkbook(out, layout, createdAt),
};

// ——— sheets written whole ——————————————————————————————————————————————————————————————————

function addCellsRow(sheet: Sheet, cells: CellLayout[]): void {
  const row = sheet.addRow(cells.map((cell) => cell.value));
  cells.forEach((cell, index) => {
    if (cell.numFmt === undefined && cell.font === undefined && cell.fill === undefined) return;
    const target = row.getCell(index + 1);
    if (cell.numFmt !== undefined) target.numFmt = cell.numFmt;
    if (cell.font !== undefined) target.font = cell.font as Partial<ExcelJS.Font>;
    if (cell.fill !== undefined) target.fill = cell.fill as ExcelJS.Fill;
  });
  row.commit();
}

function addHeaderRow(sheet: Sheet, headers: string[]): void {
  const row = sheet.addRow(headers);
  for (let column = 1; column <= headers.length; column++) row.getCell(column).style = excelStyle(HEADER_STYLE);
  row.commit();
}

/** Autofilter over the header and every data row written (rows counted, not guessed). */
function finishTable(sheet: Sheet, columns: number, lastRow: number): void {
  sheet.autoFilter = `A1:${columnLetters(columns)}${Math.max(1, lastRow)}`;
  sheet.commit();
}

function writeSheet(sheet: Sheet, layout: SheetLayout): void {
  sheet.columns = layout.columns.map((column) =>
    column.style === undefined ? { width: column.width } : { width: column.width, style: excelStyle(column.style) },
  );
  for (const row of layout.rows) {
    if ("header" in row) addHeaderRow(sheet, row.header);
    else addCellsRow(sheet, row.cells);
  }
  if (layout.autoFilter) finishTable(sheet, layout.columns.length, layout.rows.length);
  else sheet.commit();
}

// ——— Calls ————————————————————————————————————————————————————————————————————————————————

/** Streams the calls onto `Calls`, `Calls (2)`…, one row each. */
class CallSheetsWriter {
  private readonly sinkFor: ReturnType<CallRowsFactory>;
  private sheetNumber = 0;

  constructor(
    private readonly layout: CallsSheetsLayout,
    private readonly addSheet: AddSheet,
    callRows: CallRowsFactory,
    workbook: { styles: ReturnType<typeof stylesOf>; zip: ZipInternals; scratch: { dir: string; links: SheetLinks[] } },
  ) {
    const { columns } = layout;
    // One style object per column, shared by all its cells (the per-cell copy exceljs makes
    // from the column style cost ~20% of the write).
    const columnStyles: Array<Partial<ExcelJS.Style>> = columns.map((column) =>
      column.numFmt === undefined ? {} : { numFmt: column.numFmt },
    );
    const linkStyle: Partial<ExcelJS.Style> = { font: LINK_FONT as Partial<ExcelJS.Font> };
    const linkColumn = columns.findIndex((column) => column.key === RECORDING_COLUMN_KEY);
    this.sinkFor = callRows({ columns, columnStyles, linkStyle, linkColumn, ...workbook });
  }

  private openSheet(): { sheet: Sheet; rows: number; counters: CallSheetCounters } {
    this.sheetNumber++;
    const { columns } = this.layout;
    const sheet = this.addSheet(this.layout.sheetName(this.sheetNumber), this.layout.frozen);
    sheet.columns = columns.map((column) => ({
      width: column.width,
      ...(column.numFmt === undefined ? {} : { style: { numFmt: column.numFmt } }),
    }));
    addHeaderRow(
      sheet,
      columns.map((column) => column.header),
    );
    return { sheet, rows: 0, counters: { hyperlinks: 0 } };
  }

  async write(calls: AsyncIterable<Call>, watch: OutputWatch): Promise<number> {
    const { columns } = this.layout;
    let state = this.openSheet();
    let sink = this.sinkFor(state.sheet);
    let callRows = 0;
    for await (const call of calls) {
      if (this.layout.sheetOf(callRows + 1) > this.sheetNumber) {
        sink.end();
        finishTable(state.sheet, columns.length, state.rows + 1);
        state = this.openSheet();
        sink = this.sinkFor(state.sheet);
      }
      const wrote = sink.write(callRowValues(columns, call, state.counters));
      state.rows++;
      callRows++;
      if (wrote) await watch.pace(sink.backlog?.() ?? null);
    }
    sink.end();
    finishTable(state.sheet, columns.length, state.rows + 1);
    return callRows;
  }
}
