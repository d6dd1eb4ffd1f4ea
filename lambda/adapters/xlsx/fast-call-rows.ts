/**
 * How Calls rows reach a sheet. The fast rows (the default) render each row's XML directly
 * (calls-row-xml.ts) and append it to exceljs's sheet stream behind its back; tests compare
 * them with exceljs's own Row objects (test/support/exceljs-call-rows.ts).
 */
import type ExcelJS from "exceljs";
import type { CallColumn } from "../../report/workbook-calls-sheet.js";
import type { CellValue } from "../../report/workbook-layout.js";
import { CallsRowXml, CellType, type StyleIdOf } from "./calls-row-xml.js";
import {
  type StyleRegistry,
  WorksheetInternalsError,
  type WorksheetWriterInternals,
  worksheetWriterOf,
  type ZipInternals,
} from "./exceljs-internals.js";
import { SheetLinks } from "./sheet-links.js";

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
  /** The workbook's archiver, for the sheets' `.rels` entries the fast rows write themselves. */
  zip: ZipInternals;
  /** Scratch files of this workbook: a folder the writer removes, and what to close on failure. */
  scratch: { dir: string; links: SheetLinks[] };
}

/** Writes Calls rows into one sheet whose header row is already written. */
export interface CallRowSink {
  /** Adds one row; true when rows went into the sheet's stream, so the zip should get a turn. */
  write(values: readonly CellValue[]): boolean;
  /** Writes the rows still held back; called before the sheet is committed. */
  end(): void;
  /** Settles once the zip has caught up, when it is far behind the rows written; else null. */
  backlog?(): Promise<void> | null;
}

/** Made once per workbook, before the first Calls sheet; then one sink per Calls sheet. */
export type CallRowsFactory = (context: CallRowsContext) => (sheet: ExcelJS.Worksheet) => CallRowSink;

/**
 * Style ids the way exceljs picks them per cell, registered when asked: CallsRowXml asks once per
 * column and cell type and keeps the cell head built from the answer.
 */
function callStyleIds(context: CallRowsContext): StyleIdOf {
  const { columns, columnStyles, linkStyle, linkColumn, styles } = context;
  return (column, type) => {
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
    return styles.addStyleModel(style, type);
  };
}

/**
 * Appends rendered rows to one worksheet's XML stream, keeping exceljs's row counter in step
 * so that the sheet's commit (autofilter) still fits. The links bypass exceljs's rels writer
 * (sheet-links.ts): at the commit's `<hyperlinks>` step the sheet's links are written from
 * SheetLinks, and its `.rels` entry is queued in the archiver right behind the sheet's own.
 */
export const fastCallRows: CallRowsFactory = (context) => {
  const rowXml = new CallsRowXml(context.columns.length, callStyleIds(context));
  return (sheet) => {
    const writer: WorksheetWriterInternals = worksheetWriterOf(sheet);
    writer.stream.bufSize = SHEET_STREAM_BUFFER_BYTES;
    const links = SheetLinks.in(context.scratch.dir, writer.id);
    context.scratch.links.push(links);
    writer._writeHyperlinks = () => {
      if (links.size > 0 && writer._sheetRelsWriter.count > 0) {
        throw new WorksheetInternalsError(
          `exceljs wrote relationships of its own for sheet ${writer.id}: its .rels would clash with the Calls links'.`,
        );
      }
      links.writeHyperlinksXml((xml) => writer.stream.write(xml));
      const rels = links.relsEntry();
      if (rels !== null) context.zip.append(rels, { name: `/xl/worksheets/_rels/sheet${writer.id}.xml.rels` });
    };
    const onHyperlink = (columnLetters: string, row: number, target: string) => links.add(columnLetters, row, target);
    // Rows are encoded straight into one Buffer, which goes to exceljs's stream ~64 KB at a time
    // (one write per row cost a promise, a chunk object and a copy each). Gathered as a string,
    // the rows were a rope flattened into one string per write and then encoded into a Buffer of
    // its own: the workbook alone at 100k calls kept its main thread busy 2.60 s that way, 2.48 s
    // this way. The Buffer is filled again after each write: the stream has copied it
    // (worksheetWriterOf checks that it batches).
    const chunk = Buffer.allocUnsafe(ROWS_CHUNK_BYTES);
    let used = 0;
    const flush = () => {
      if (used === 0) return false;
      writer.stream.write(chunk.subarray(0, used));
      used = 0;
      return true;
    };
    return {
      write: (values) => {
        const rowNumber = writer._rowZero;
        const xml = rowXml.render(rowNumber, values, onHyperlink);
        writer._rowZero = rowNumber + 1;
        if (xml === null) return false;
        // A UTF-16 unit is at most 3 bytes of UTF-8: with that much room the row fits whole.
        let flushed = false;
        if (used + xml.length * 3 > chunk.length) flushed = flush();
        if (xml.length * 3 > chunk.length) {
          writer.stream.write(xml);
          return true;
        }
        used += chunk.write(xml, used);
        return flushed;
      },
      end: () => {
        flush();
      },
      backlog: () => {
        const input = writer.stream.pipes[0];
        if (input === undefined || input._writableState.length <= ZIP_BACKLOG_BYTES) return null;
        return new Promise<void>((resolve, reject) => {
          const onDrain = () => {
            input.off("error", onError);
            resolve();
          };
          const onError = (error: unknown) => {
            input.off("drain", onDrain);
            reject(error);
          };
          input.once("drain", onDrain);
          input.once("error", onError);
        });
      },
    };
  };
};

/**
 * The sheet stream's buffers, each one write into the archiver and so one deflate job on zlib's
 * thread (exceljs opens it with 64 KB). A 64 KB job takes ~0.5 ms, so deflate stalled whenever
 * the main thread was busy for longer before taking its result; 256 KB jobs keep it working
 * beside the rows (with 256 KB spool reads, the workbook alone at 100k calls took 3.0 s, not 3.6).
 */
const SHEET_STREAM_BUFFER_BYTES = 256 * 1024;
/** Rendered rows held back before a write into the sheet's stream. */
const ROWS_CHUNK_BYTES = 64 * 1024;
/**
 * Sheet XML queued for deflate beyond which the rows wait for it: without a wait it piled up
 * (39 MB at 100k calls without transcripts), as exceljs hands its buffers on without back-pressure.
 */
const ZIP_BACKLOG_BYTES = 1024 * 1024;
