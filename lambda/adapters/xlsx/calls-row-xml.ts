/**
 * The Calls sheet's `<row>` XML, rendered directly instead of through exceljs's Row/Cell
 * objects and XmlStream: at 100k calls that object model cost more CPU than deflating the
 * sheet (issue 9). The output is what exceljs 4.4's streaming writer emits for the same values
 * without shared strings (lib/xlsx/xform/sheet/{row,cell}-xform.js), byte for byte but for one
 * thing: a cell's text keeps its quotes and apostrophes, which element content needs no entity
 * for (exceljs writes `&quot;` and `&apos;`). The sheet reads back the same;
 * test/adapters/xlsx/calls-row-xml.test.ts compares both.
 */
import type { CellValue } from "../../report/workbook-layout.js";

/** The cell types exceljs passes to `styles.addStyleModel` (its `ValueType` enum values). */
export const CellType = {
  Null: 0,
  Number: 2,
  String: 3,
  Date: 4,
  Hyperlink: 5,
  Boolean: 9,
} as const;
export type CellType = (typeof CellType)[keyof typeof CellType];

/**
 * Style id (`s=`) of a cell of `type` in the 0-based `column`; 0 writes no `s`. CallsRowXml asks
 * once per column and type, on first use, and keeps the answer.
 */
export type StyleIdOf = (column: number, type: CellType) => number;

/**
 * Called for each hyperlink cell, in sheet order, so the sheet's rels and `<hyperlinks>` list it:
 * the cell's column letters and 1-based row.
 */
export type HyperlinkSink = (columnLetters: string, row: number, target: string) => void;

/** `A`, `B`, … `Z`, `AA`, … for a 1-based column number. */
export function columnLetters(column: number): string {
  let letters = "";
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

// exceljs's xmlEncode: the five XML specials become entities, and the C0 controls XML 1.0
// forbids (all but tab, LF, CR) and DEL are dropped. Lone surrogates pass through, as there.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point.
const XML_SPECIAL = /[<>&'"\x7F\x00-\x08\x0B\x0C\x0E-\x1F]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point.
const XML_SPECIALS = /[<>&'"\x7F\x00-\x08\x0B\x0C\x0E-\x1F]/g;
const XML_ENTITIES: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" };

/** Text for an attribute value (`"` and `'` become entities too), as exceljs writes all text. */
export function escapeXmlText(text: string): string {
  if (!XML_SPECIAL.test(text)) return text;
  return text.replace(XML_SPECIALS, (special) => XML_ENTITIES[special] ?? "");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point.
const XML_CONTENT_SPECIAL = /[<>&\x7F\x00-\x08\x0B\x0C\x0E-\x1F]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point.
const XML_CONTENT_SPECIALS = /[<>&\x7F\x00-\x08\x0B\x0C\x0E-\x1F]/g;

/**
 * Text for element content (a cell's `<v>`): as `escapeXmlText`, but quotes and apostrophes stay
 * as they are. Transcripts are full of apostrophes: with entities for them, escaping 16.6k
 * simulated transcripts took 87–106 ms instead of 41–60 ms (and at 100k calls the entities were
 * 3.3 MB of the sheet's 238 MB of XML).
 */
export function escapeXmlContent(text: string): string {
  if (!XML_CONTENT_SPECIAL.test(text)) return text;
  return text.replace(XML_CONTENT_SPECIALS, (special) => XML_ENTITIES[special] ?? "");
}

const MS_PER_DAY = 24 * 3600 * 1000;
/** Days from Excel's 1900 epoch (as Excel counts them) to 1970-01-01. */
const EXCEL_UNIX_EPOCH_DAYS = 25_569;

/** The date's Excel serial number, computed as exceljs's `dateToExcel` does (1900 system). */
export function excelSerial(date: Date): number {
  return EXCEL_UNIX_EPOCH_DAYS + date.getTime() / MS_PER_DAY;
}

interface HyperlinkValue {
  text: string;
  hyperlink: string;
}

function isHyperlink(value: object): value is HyperlinkValue {
  const candidate = value as Partial<HyperlinkValue>;
  return Boolean(candidate.text) && Boolean(candidate.hyperlink);
}

/** The unsupported value: a formula, rich text, an error… — the Calls sheet never writes those. */
export class UnsupportedCellValueError extends Error {
  override name = "UnsupportedCellValueError";
}

/** What follows a value's `<c r="A2` for each cell type: its style, its `t`, and `"><v>`. */
const TYPE_ATTRIBUTE: Record<CellType, string> = {
  [CellType.Null]: "",
  [CellType.Number]: "",
  [CellType.String]: ' t="str"',
  [CellType.Date]: "",
  [CellType.Hyperlink]: ' t="str"',
  [CellType.Boolean]: ' t="b"',
};
const TYPE_SLOTS = 16;

/**
 * Renders Calls rows for a sheet with `columnCount` columns. Column letters, and each column's
 * cell head per type (`" s="5" t="str"><v>`), are worked out once: a cell is its column's
 * `<c r="A`, the row number, that head, the value and `</v></c>` (at 100k calls the per-cell
 * reference and style strings were most of the rows' own CPU).
 */
export class CallsRowXml {
  private readonly letters: string[];
  /** `<c r="A` per column. */
  private readonly opens: string[];
  private readonly emptyCells: string[];
  /** Cell heads by `column * TYPE_SLOTS + type`, filled on first use (a style id is registered then). */
  private readonly heads: Array<string | undefined>;
  private readonly spans: string;

  constructor(
    private readonly columnCount: number,
    private readonly styleIdOf: StyleIdOf,
  ) {
    this.letters = Array.from({ length: columnCount }, (_, index) => columnLetters(index + 1));
    this.opens = this.letters.map((letters) => `<c r="${letters}`);
    // An empty cell is written only when it has a style (exceljs: null and unstyled → skipped).
    this.emptyCells = this.letters.map((_, index) => {
      const styleId = styleIdOf(index, CellType.Null);
      return styleId ? `" s="${styleId}"/>` : "";
    });
    this.heads = new Array(columnCount * TYPE_SLOTS).fill(undefined);
    this.spans = ` spans="1:${columnCount}" x14ac:dyDescent="0.25">`;
  }

  /**
   * The `<row>` element for 1-based `rowNumber`, or null when every value is empty (exceljs
   * skips such a row but still counts it). `values` has one entry per column.
   */
  render(rowNumber: number, values: readonly CellValue[], onHyperlink: HyperlinkSink): string | null {
    const row = String(rowNumber);
    let cells = "";
    let hasValues = false;
    for (let column = 0; column < this.columnCount; column++) {
      const value = values[column] ?? null;
      if (value === null) {
        const empty = this.emptyCells[column];
        if (empty) cells += `${this.opens[column]}${row}${empty}`;
        continue;
      }
      hasValues = true;
      cells += this.cell(column, row, value, onHyperlink);
    }
    return hasValues ? `<row r="${row}"${this.spans}${cells}</row>` : null;
  }

  private cell(column: number, row: string, value: NonNullable<CellValue>, onHyperlink: HyperlinkSink): string {
    const open = this.opens[column] as string;
    switch (typeof value) {
      case "number":
        return `${open}${row}${this.head(column, CellType.Number)}${value}</v></c>`;
      case "string":
        return `${open}${row}${this.head(column, CellType.String)}${escapeXmlContent(value)}</v></c>`;
      case "boolean":
        return `${open}${row}${this.head(column, CellType.Boolean)}${value ? "1" : "0"}</v></c>`;
      default:
        break;
    }
    if (value instanceof Date) {
      return `${open}${row}${this.head(column, CellType.Date)}${excelSerial(value)}</v></c>`;
    }
    if (isHyperlink(value)) {
      onHyperlink(this.letters[column] as string, Number(row), value.hyperlink);
      const text = escapeXmlContent(String(value.text));
      return `${open}${row}${this.head(column, CellType.Hyperlink)}${text}</v></c>`;
    }
    throw new UnsupportedCellValueError(
      `Cell ${this.letters[column]}${row} holds a value the Calls rows cannot write (${JSON.stringify(value)}); ` +
        "only numbers, text, booleans, dates and links are expected there.",
    );
  }

  /** What follows `<c r="A2` in a cell of `type` in `column`, up to and including `<v>`. */
  private head(column: number, type: CellType): string {
    const slot = column * TYPE_SLOTS + type;
    let head = this.heads[slot];
    if (head === undefined) {
      const styleId = this.styleIdOf(column, type);
      head = `"${styleId ? ` s="${styleId}"` : ""}${TYPE_ATTRIBUTE[type]}><v>`;
      this.heads[slot] = head;
    }
    return head;
  }
}
