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

/** Style id (`s=`) of a cell of `type` in the 0-based `column`; 0 writes no `s`. */
export type StyleIdOf = (column: number, type: CellType) => number;

/** Called for each hyperlink cell, in sheet order, so the sheet's rels and `<hyperlinks>` list it. */
export type HyperlinkSink = (address: string, target: string) => void;

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

/**
 * Renders Calls rows for a sheet with `columnCount` columns. Column letters and the style ids
 * of empty cells are worked out once; a row is one string concatenation.
 */
export class CallsRowXml {
  private readonly letters: string[];
  private readonly emptyCells: string[];
  private readonly spans: string;

  constructor(
    private readonly columnCount: number,
    private readonly styleIdOf: StyleIdOf,
  ) {
    this.letters = Array.from({ length: columnCount }, (_, index) => columnLetters(index + 1));
    // An empty cell is written only when it has a style (exceljs: null and unstyled → skipped).
    this.emptyCells = this.letters.map((_, index) => {
      const styleId = styleIdOf(index, CellType.Null);
      return styleId ? ` s="${styleId}"/>` : "";
    });
    this.spans = ` spans="1:${columnCount}" x14ac:dyDescent="0.25">`;
  }

  /**
   * The `<row>` element for 1-based `rowNumber`, or null when every value is empty (exceljs
   * skips such a row but still counts it). `values` has one entry per column.
   */
  render(rowNumber: number, values: readonly CellValue[], onHyperlink: HyperlinkSink): string | null {
    let cells = "";
    let hasValues = false;
    for (let column = 0; column < this.columnCount; column++) {
      const value = values[column] ?? null;
      const reference = `${this.letters[column]}${rowNumber}`;
      if (value === null) {
        const empty = this.emptyCells[column];
        if (empty) cells += `<c r="${reference}"${empty}`;
        continue;
      }
      hasValues = true;
      cells += this.cell(column, reference, value, onHyperlink);
    }
    return hasValues ? `<row r="${rowNumber}"${this.spans}${cells}</row>` : null;
  }

  private cell(column: number, reference: string, value: NonNullable<CellValue>, onHyperlink: HyperlinkSink): string {
    switch (typeof value) {
      case "number":
        return `<c r="${reference}"${this.style(column, CellType.Number)}><v>${value}</v></c>`;
      case "string":
        return `<c r="${reference}"${this.style(column, CellType.String)} t="str"><v>${escapeXmlContent(value)}</v></c>`;
      case "boolean":
        return `<c r="${reference}"${this.style(column, CellType.Boolean)} t="b"><v>${value ? "1" : "0"}</v></c>`;
      default:
        break;
    }
    if (value instanceof Date) {
      return `<c r="${reference}"${this.style(column, CellType.Date)}><v>${excelSerial(value)}</v></c>`;
    }
    if (isHyperlink(value)) {
      onHyperlink(reference, value.hyperlink);
      const text = escapeXmlContent(String(value.text));
      return `<c r="${reference}"${this.style(column, CellType.Hyperlink)} t="str"><v>${text}</v></c>`;
    }
    throw new UnsupportedCellValueError(
      `Cell ${reference} holds a value the Calls rows cannot write (${JSON.stringify(value)}); ` +
        "only numbers, text, booleans, dates and links are expected there.",
    );
  }

  private style(column: number, type: CellType): string {
    const styleId = this.styleIdOf(column, type);
    return styleId ? ` s="${styleId}"` : "";
  }
}
