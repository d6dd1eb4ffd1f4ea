/**
 * The pieces of the workbook that do not depend on any xlsx library: cell values and styles as
 * plain data, a sheet's layout, Excel's limits and number formats, and the rules that turn API
 * values into safe, typed cell values. lambda/adapters/xlsx/ turns these into bytes.
 */

/** An ARGB colour, `FF0563C1`. */
export interface Color {
  argb: string;
}

export interface FontStyle {
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
  size?: number;
  color?: Color;
}

export interface FillStyle {
  type: "pattern";
  pattern: "solid";
  fgColor: Color;
}

/** A cell's look as data: the subset of Excel's styles the workbook uses. */
export interface CellStyle {
  numFmt?: string;
  font?: FontStyle;
  fill?: FillStyle;
  alignment?: { vertical: "top" | "middle" | "bottom" };
  border?: { bottom?: { style: "thin" | "medium"; color: Color } };
}

/** A clickable cell: `text` shown, `hyperlink` opened. */
export interface LinkValue {
  text: string;
  hyperlink: string;
}

/** What a cell may hold: no formulas, rich text or errors, ever. */
export type CellValue = string | number | boolean | Date | LinkValue | null;

/** A cell of a hand-laid-out row: a value and, optionally, its number format, font or fill. */
export interface CellLayout {
  value: CellValue;
  numFmt?: string;
  font?: FontStyle;
  fill?: FillStyle;
}

/** A header row (every cell in HEADER_STYLE), or a row of cells styled one by one. */
export type RowLayout = { header: string[] } | { cells: CellLayout[] };

export interface ColumnLayout {
  width: number;
  /** The style of the column's cells unless a cell sets its own. */
  style?: CellStyle;
}

/** One sheet written whole: small, known before writing (Summary, Assistants, Campaigns, Hourly). */
export interface SheetLayout {
  name: string;
  /** Rows and columns kept in view while scrolling; null for none. */
  frozen: { rows: number; columns: number } | null;
  columns: ColumnLayout[];
  rows: RowLayout[];
  /** Autofilter over the header and the rows below it; false for none. */
  autoFilter: boolean;
}

/** Excel refuses (reports the file as damaged) cells longer than this, in UTF-16 units. */
export const EXCEL_MAX_CELL_CHARS = 32_767;
/** 1,048,576 rows per sheet, one of which is the header. */
export const EXCEL_MAX_DATA_ROWS = 1_048_575;

/** Where one call's row goes: the nth Calls sheet (1 is `Calls`) and its row there (1 is the header). */
export interface CallRowPlace {
  sheetNumber: number;
  rowNumber: number;
}

/**
 * The place of the `callNumber`th call (1-based) when each Calls sheet holds `maxRowsPerSheet`
 * data rows under its header — never more than Excel's limit, whatever is asked for.
 */
export function callRowPlace(callNumber: number, maxRowsPerSheet: number = EXCEL_MAX_DATA_ROWS): CallRowPlace {
  const perSheet = Math.max(1, Math.min(Math.floor(maxRowsPerSheet), EXCEL_MAX_DATA_ROWS));
  const index = callNumber - 1;
  return { sheetNumber: Math.floor(index / perSheet) + 1, rowNumber: (index % perSheet) + 2 };
}

/** `Calls`, then `Calls (2)`, `Calls (3)`… */
export function callsSheetName(sheetNumber: number): string {
  return sheetNumber === 1 ? "Calls" : `Calls (${sheetNumber})`;
}

/**
 * Excel's specification allows 66,530 hyperlinks per worksheet. We stop a little earlier, and
 * the bound matters for memory too: exceljs keeps every link of a sheet until the sheet ends.
 */
export const MAX_HYPERLINKS_PER_SHEET = 65_530;
/** Excel ignores link targets longer than this. */
export const EXCEL_MAX_URL_CHARS = 2_079;
export const EXCEL_MAX_SHEET_NAME_CHARS = 31;

export const NUMBER_FORMATS = {
  count: "#,##0",
  id: "0",
  money: "$#,##0.00",
  moneyPerCall: "$#,##0.0000",
  percent: "0.0%",
  /** A fraction of a day: seconds / 86,400. `[h]` keeps counting past 24 hours. */
  duration: "[h]:mm:ss",
  dateTime: "yyyy-mm-dd hh:mm:ss",
  /** A calendar day with its weekday, `Mon 2025-08-04`: a date cell Excel can chart on a date axis. */
  day: "ddd yyyy-mm-dd",
  score: "0.0#",
  countChange: "+#,##0;-#,##0;0",
  moneyChange: "+$#,##0.00;-$#,##0.00;$0.00",
  ratioChange: "+0.0%;-0.0%;0.0%",
  minutesChange: '+#,##0" min";-#,##0" min";0" min"',
  pointsChange: '+0.0" pp";-0.0" pp";0.0" pp"',
  scoreChange: "+0.00;-0.00;0.00",
} as const;

const HEADER_FILL: FillStyle = { type: "pattern", pattern: "solid", fgColor: { argb: "FFD9E1F2" } };

export const HEADER_STYLE: CellStyle = {
  font: { bold: true },
  fill: HEADER_FILL,
  alignment: { vertical: "middle" },
  border: { bottom: { style: "thin", color: { argb: "FF8EA9DB" } } },
};

export const TITLE_FONT: FontStyle = { bold: true, size: 16 };
export const NOTE_FONT: FontStyle = { italic: true, color: { argb: "FF595959" } };
export const LINK_FONT: FontStyle = { color: { argb: "FF0563C1" }, underline: true };

/**
 * Cuts text to Excel's cell limit, ending with a marker that says how long it was. Never
 * leaves half of a surrogate pair behind (an emoji cut in two is an invalid character).
 */
export function truncateCellText(text: string, limit = EXCEL_MAX_CELL_CHARS): string {
  if (text.length <= limit) return text;
  const marker = `… [truncated: ${text.length.toLocaleString("en-US")} characters total]`;
  let end = Math.max(0, limit - marker.length);
  if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(0, end) + marker;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Free text from the API as a cell: always a string cell (never a formula), within limits. */
export function textCell(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === "") return null;
  return truncateCellText(value);
}

/**
 * A `variables` or `evaluation` value as a typed cell: numbers stay numbers, booleans stay
 * booleans (Excel shows TRUE/FALSE and filters on them), strings stay strings, and objects or
 * arrays become their JSON text — never an object exceljs could read as `{ formula }`.
 */
export function dynamicCell(value: unknown): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return textCell(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // A cycle or a bigint inside: API JSON cannot carry either, but a caller could.
    json = undefined;
  }
  return textCell(json ?? String(value));
}

/** A number cell, or empty for null / NaN / Infinity (Excel has no NaN). */
export function numberCell(value: number | null | undefined): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : value;
}

/** Micro-dollars as a USD number cell. */
export function usdCell(micros: number): number | null {
  return numberCell(micros / 1e6);
}

/** Seconds as Excel's duration (a fraction of a day), shown by `[h]:mm:ss`. */
export function durationCell(seconds: number | null | undefined): number | null {
  const value = numberCell(seconds);
  return value === null ? null : value / 86_400;
}

/**
 * The URL when it may become a clickable link: http(s) only, so a `javascript:` or `file:`
 * recording_url is shown as text and never opened by a click.
 */
export function linkTarget(url: string | null | undefined): string | null {
  if (!url || url.length > EXCEL_MAX_URL_CHARS) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  return parsed.protocol === "https:" || parsed.protocol === "http:" ? url : null;
}

// ITU-T E.164 country codes of one and two digits; every other code has three.
const ONE_DIGIT_COUNTRY_CODES = new Set(["1", "7"]);
const TWO_DIGIT_COUNTRY_CODES = new Set(
  (
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 " +
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98"
  ).split(" "),
);
const VISIBLE_TRAILING_DIGITS = 4;

function countryCodeLength(digits: string): number {
  if (ONE_DIGIT_COUNTRY_CODES.has(digits.slice(0, 1))) return 1;
  if (TWO_DIGIT_COUNTRY_CODES.has(digits.slice(0, 2))) return 2;
  return 3;
}

/**
 * Masks a client phone number for forwarded workbooks: `+19876544321` → `+1******4321`. Keeps
 * the E.164 country code (useful for "where do our calls go") and the last four digits (enough
 * to recognise a number you already know). Values without digits (`anonymous`) are kept.
 */
export function maskPhoneNumber(value: string): string {
  const digits = value.replace(/\D/g, "");
  if (digits === "") return value;
  const international = value.trimStart().startsWith("+");
  const prefixLength = international ? countryCodeLength(digits) : 0;
  const rest = digits.slice(prefixLength);
  // Short numbers would be shown whole by "last four": mask them completely.
  const visible = rest.length > VISIBLE_TRAILING_DIGITS ? rest.slice(-VISIBLE_TRAILING_DIGITS) : "";
  const masked = "*".repeat(rest.length - visible.length);
  return `${international ? `+${digits.slice(0, prefixLength)}` : ""}${masked}${visible}`;
}

// Excel rejects these in sheet names; names also may not start or end with an apostrophe.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are among them.
const FORBIDDEN_SHEET_NAME_CHARS = /[[\]:*?/\\\u0000-\u001f]/g;

function clipWithoutSplittingPairs(text: string, length: number): string {
  if (text.length <= length) return text;
  const end = isHighSurrogate(text.charCodeAt(length - 1)) ? length - 1 : length;
  return text.slice(0, end);
}

function trimApostrophes(text: string): string {
  return text.replace(/^'+|'+$/g, "").trim();
}

/**
 * A name Excel accepts for a sheet: at most 31 characters, none of `[]:*?/\`, no leading or
 * trailing apostrophe, not the reserved `History`, and unique (case-insensitively) among
 * `taken` — repeats get ` (2)`, ` (3)`… within the 31 characters.
 */
export function sanitizeSheetName(name: string, taken: Iterable<string> = []): string {
  let base = trimApostrophes(name.replace(FORBIDDEN_SHEET_NAME_CHARS, "_"));
  if (base === "") base = "Sheet";
  if (base.toLowerCase() === "history") base = "History_";
  const takenNames = new Set(Array.from(taken, (existing) => existing.toLowerCase()));
  let candidate = trimApostrophes(clipWithoutSplittingPairs(base, EXCEL_MAX_SHEET_NAME_CHARS));
  for (let n = 2; takenNames.has(candidate.toLowerCase()); n++) {
    const suffix = ` (${n})`;
    candidate = trimApostrophes(clipWithoutSplittingPairs(base, EXCEL_MAX_SHEET_NAME_CHARS - suffix.length)) + suffix;
  }
  return candidate;
}

/** A column header with a width that fits it, between `min` and `max` characters. */
export function headerWidth(header: string, min = 12, max = 40): number {
  return Math.min(max, Math.max(min, header.length + 3));
}

/** Most calls first; ties in the value's order. */
export function sortedCounts(counts: Record<string, number>): Array<[string, number]> {
  return Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}
