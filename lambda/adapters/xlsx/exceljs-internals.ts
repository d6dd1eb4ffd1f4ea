/**
 * The parts of exceljs 4.4's streaming writer that are not in its typings but that the adapter
 * needs: the archiver (to clean up after a failure), the style registry (style ids for the fast
 * Calls rows) and the WorksheetWriter's stream and row counter (to append those rows). exceljs
 * is pinned exactly in package.json; test/adapters/xlsx/exceljs-internals.test.ts fails,
 * naming what moved, when an upgrade changes any of them.
 */
import type { Writable } from "node:stream";
import type ExcelJS from "exceljs";
import type { CellType } from "./calls-row-xml.js";

/** exceljs's internals changed shape: the adapter cannot write the workbook with this version. */
export class WorksheetInternalsError extends Error {
  override name = "WorksheetInternalsError";
}

/** The archiver instance inside exceljs's WorkbookWriter (lib/stream/xlsx/workbook-writer.js). */
export interface ZipInternals {
  on(event: "error", listener: (error: Error) => void): unknown;
  unpipe(destination?: Writable): unknown;
  abort(): unknown;
  append(source: NodeJS.ReadableStream, entry: { name: string }): unknown;
}

/** The style registry of exceljs's writer (StylesXform): ids for `s=` attributes. */
export interface StyleRegistry {
  addStyleModel(style: Partial<ExcelJS.Style>, cellType?: CellType): number;
}

/**
 * What the fast Calls rows need from exceljs's WorksheetWriter (lib/stream/xlsx/worksheet-writer.js):
 * its id and XML stream, its row counter, the rows it still holds, the step of its commit that
 * writes `<hyperlinks>` (the fast rows write their own links there), and its rels writer's count
 * of relationships (which must stay 0: the fast rows write the sheet's `.rels` themselves).
 */
export interface WorksheetWriterInternals {
  readonly id: number;
  /**
   * exceljs's StreamBuf: it hands its buffers of `bufSize` bytes (64 KB as exceljs opens it) to
   * `pipes` (the archiver's input for the entry, once the archiver has reached it) without
   * waiting, so that input is where a writer faster than deflate piles up. With `batch` (as
   * exceljs opens sheet streams), a written Buffer is copied into those buffers before `write`
   * returns.
   */
  readonly stream: {
    write(xml: string | Buffer): unknown;
    readonly pipes: ZipEntryInput[];
    bufSize: number;
    readonly batch: boolean;
  };
  _rowZero: number;
  readonly _rows: unknown[] | null;
  readonly startedData: boolean;
  _writeHyperlinks(): void;
  readonly _sheetRelsWriter: { readonly count: number };
}

/** The archiver's input stream for one entry (readable-stream 3): its queued bytes and `drain`. */
export interface ZipEntryInput {
  readonly _writableState: { readonly length: number };
  once(event: "drain" | "error", listener: (...args: unknown[]) => void): unknown;
  off(event: "drain" | "error", listener: (...args: unknown[]) => void): unknown;
}

const UPGRADE_HINT = "exceljs is pinned in package.json; its streaming writer must match lambda/adapters/xlsx/.";

function moved(what: string): WorksheetInternalsError {
  return new WorksheetInternalsError(`exceljs's ${what} is missing or changed shape. ${UPGRADE_HINT}`);
}

function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === "function";
}

/** The WorkbookWriter's archiver (`zip`). */
export function zipOf(workbook: ExcelJS.stream.xlsx.WorkbookWriter): ZipInternals {
  const zip = (workbook as unknown as { zip?: Partial<ZipInternals> }).zip;
  if (!zip || !isFunction(zip.on) || !isFunction(zip.unpipe) || !isFunction(zip.abort) || !isFunction(zip.append)) {
    throw moved("WorkbookWriter.zip (the archiver with on/unpipe/abort/append)");
  }
  return zip as ZipInternals;
}

/** The WorkbookWriter's style registry (`styles.addStyleModel`). */
export function stylesOf(workbook: ExcelJS.stream.xlsx.WorkbookWriter): StyleRegistry {
  const styles = (workbook as unknown as { styles?: Partial<StyleRegistry> }).styles;
  if (!styles || !isFunction(styles.addStyleModel)) throw moved("WorkbookWriter.styles.addStyleModel");
  return styles as StyleRegistry;
}

/**
 * The WorksheetWriter's internals, checked: the header row must already be in the stream and
 * nothing pending, or appended rows would interleave with exceljs's own.
 */
export function worksheetWriterOf(sheet: ExcelJS.Worksheet): WorksheetWriterInternals {
  const writer = sheet as unknown as Partial<WorksheetWriterInternals>;
  if (!writer.stream || !isFunction(writer.stream.write)) throw moved("WorksheetWriter.stream.write");
  if (!Array.isArray(writer.stream.pipes)) throw moved("WorksheetWriter.stream.pipes (StreamBuf's destinations)");
  if (typeof writer.stream.bufSize !== "number")
    throw moved("WorksheetWriter.stream.bufSize (StreamBuf's buffer size)");
  if (writer.stream.batch !== true) throw moved("WorksheetWriter.stream.batch (StreamBuf copying what is written)");
  if (typeof writer._rowZero !== "number") throw moved("WorksheetWriter._rowZero (the next row number)");
  if (!Array.isArray(writer._rows)) throw moved("WorksheetWriter._rows (the rows not yet written)");
  if (typeof writer.startedData !== "boolean") throw moved("WorksheetWriter.startedData");
  if (typeof writer.id !== "number") throw moved("WorksheetWriter.id");
  if (!isFunction(writer._writeHyperlinks)) throw moved("WorksheetWriter._writeHyperlinks");
  if (typeof writer._sheetRelsWriter?.count !== "number") throw moved("WorksheetWriter._sheetRelsWriter.count");
  if (!writer.startedData || writer._rows.length > 0) {
    throw new WorksheetInternalsError(
      "exceljs's WorksheetWriter still holds rows or has not started its data: the fast Calls rows would interleave with them.",
    );
  }
  return writer as WorksheetWriterInternals;
}
