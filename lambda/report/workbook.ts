/**
 * The XLSX workbook managers open: Summary, Assistants, Campaigns, Hourly, then the calls,
 * one row each. Written with exceljs's streaming writer so that memory stays flat however
 * many calls the day has (see issue 5 for the measurements behind the writer options).
 */

import type { Writable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { format } from "date-fns/format";
import ExcelJS from "exceljs";
import type { Call } from "./call.js";
import { CallsRowXml, CellType, columnLetters } from "./calls-row-xml.js";
import {
  type Counts,
  type Delta,
  type GroupStats,
  type HeadlineKpi,
  PREVIEW_SUFFIX,
  partialDayLabel,
  type Summary,
} from "./summary.js";
import { wallClock } from "./window.js";
import {
  callRowPlace,
  callsSheetName,
  durationCell,
  dynamicCell,
  HEADER_STYLE,
  headerWidth,
  LINK_FONT,
  linkTarget,
  MAX_HYPERLINKS_PER_SHEET,
  maskPhoneNumber,
  NOTE_FONT,
  NUMBER_FORMATS,
  numberCell,
  sanitizeSheetName,
  TITLE_FONT,
  textCell,
  usdCell,
} from "./workbook-layout.js";
import { ZoneClock } from "./zone-clock.js";

export { maskPhoneNumber, sanitizeSheetName, truncateCellText } from "./workbook-layout.js";

export interface WorkbookOptions {
  /** Timezone `created_at` strings are read in (see parseApiTimestamp). */
  apiTimezone: string;
  /** Privacy: false leaves the transcript column out. */
  includeTranscripts: boolean;
  /** Privacy: client numbers shown as `+1******4321`. */
  maskPhoneNumbers: boolean;
  /** The workbook's "created" property and the Summary's generation time. */
  createdAt: Date;
  /** Data rows per Calls sheet before continuing on `Calls (2)`; default Excel's maximum. */
  maxRowsPerSheet?: number;
  /** Clickable recording links per Calls sheet; later ones are plain text. Default 65,530. */
  maxHyperlinksPerSheet?: number;
  /**
   * How Calls rows become XML: "fast" renders them directly (see calls-row-xml.ts); "exceljs"
   * goes through exceljs's Row objects. Internal: kept so tests can compare the two.
   */
  rowWriter?: "fast" | "exceljs";
}

export interface WorkbookInput {
  /** Complete before writing starts: the Summary sheet comes first. */
  summary: Summary;
  /** In-window calls, streamed; never collected. */
  calls: AsyncIterable<Call>;
  /** One `var: key` column per key. */
  variableKeys: string[];
  /** Evaluation keys beyond sentiment/outcome/score, one `eval: key` column each. */
  evaluationKeys: string[];
}

export interface WorkbookResult {
  callRows: number;
  sheetNames: string[];
}

/** The output stream failed or closed before the workbook was complete. */
export class WorkbookOutputError extends Error {
  override name = "WorkbookOutputError";
}

export function workbookFileName(date: string, preview = false): string {
  return `calls-report-${date}${preview ? PREVIEW_SUFFIX : ""}.xlsx`;
}

type Sheet = ExcelJS.Worksheet;
type Row = ExcelJS.Row;

/** A cell of a hand-laid-out sheet (Summary): a value and, optionally, its style. */
interface CellSpec {
  value: ExcelJS.CellValue;
  numFmt?: string;
  font?: Partial<ExcelJS.Font>;
}

/** The archiver instance inside exceljs's writer: not in its typings, needed to clean up. */
interface ZipInternals {
  zip: NodeJS.ReadableStream & {
    on(event: "error", listener: (error: Error) => void): unknown;
    unpipe(destination?: Writable): unknown;
    abort(): unknown;
  };
}

/** The style registry of exceljs's writer (typed here, untyped there): ids for `s=` attributes. */
interface StylesInternals {
  styles: { addStyleModel(style: Partial<ExcelJS.Style>, cellType?: CellType): number };
}

/**
 * What the fast Calls rows need from exceljs's WorksheetWriter (lib/stream/xlsx/worksheet-writer.js):
 * its XML stream, its row counter, the rows it still holds, and the sink that turns a link into
 * a relationship plus a `<hyperlinks>` entry at commit.
 */
interface WorksheetWriterInternals {
  readonly stream: { write(xml: string): unknown };
  _rowZero: number;
  readonly _rows: unknown[] | null;
  readonly startedData: boolean;
  readonly _sheetRelsWriter: { hyperlinksProxy: { push(link: { address: string; target: string }): void } };
}

/**
 * Writes the whole workbook into `out` and resolves once `out` has finished. If the calls
 * iterable throws, rejects with that error and leaves `out` open (unpiped) for the caller to
 * discard — a partial zip must never look like a finished workbook.
 */
export async function writeWorkbook(
  out: Writable,
  input: WorkbookInput,
  options: WorkbookOptions,
): Promise<WorkbookResult> {
  const { summary } = input;
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    // Without it exceljs drops every number format, fill and font.
    useStyles: true,
    // Shared strings keep every distinct string in memory until the end (~1 GB at 100k transcripts).
    useSharedStrings: false,
    // archiver defaults to level 1 here; 6 is ~12% smaller for almost no time when we yield per row.
    zip: { zlib: { level: 6 } },
  });
  workbook.creator = "callreport";
  workbook.lastModifiedBy = "callreport";
  workbook.created = options.createdAt;
  workbook.modified = options.createdAt;
  workbook.title = `Calls report ${summary.date}`;

  const zip = (workbook as unknown as ZipInternals).zip;
  const watch = new OutputWatch(out);
  zip.on("error", watch.onError);

  const sheetNames: string[] = [];
  const addSheet = (name: string, views: Array<Partial<ExcelJS.WorksheetView>>): Sheet => {
    const safeName = sanitizeSheetName(name, sheetNames);
    sheetNames.push(safeName);
    return workbook.addWorksheet(safeName, { views });
  };

  try {
    writeSummarySheet(addSheet("Summary", []), summary, options);
    writeGroupSheet(addSheet("Assistants", FROZEN_HEADER_AND_FIRST_COLUMN), "Assistant", summary.assistants, summary);
    writeGroupSheet(addSheet("Campaigns", FROZEN_HEADER_AND_FIRST_COLUMN), "Campaign", summary.campaigns, summary);
    writeHourlySheet(addSheet("Hourly", FROZEN_HEADER), summary);
    const styles = (workbook as unknown as StylesInternals).styles;
    const callRows = await writeCallSheets(input, options, addSheet, watch, styles);
    // exceljs's commit waits for `finish` only: without the race a failed output would hang it.
    await Promise.race([workbook.commit(), watch.failed]);
    return { callRows, sheetNames };
  } catch (error) {
    // Detach before aborting: an aborted archiver ends its output, which would end `out`.
    zip.unpipe(out);
    zip.abort();
    throw error;
  } finally {
    watch.stop();
  }
}

/**
 * Watches the output for the failures exceljs does not surface (an error or a close before
 * the end), and paces the writer: exceljs writes without back-pressure, so unless we pause,
 * compressed output piles up in memory.
 */
class OutputWatch {
  readonly failed: Promise<never>;
  private failure: Error | null = null;
  private rejectFailed: (error: Error) => void = () => {};

  constructor(private readonly out: Writable) {
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    // Only raced against, never awaited alone: no unhandled rejection when nothing fails.
    this.failed.catch(() => {});
    out.on("error", this.onError);
    out.on("close", this.onClose);
  }

  readonly onError = (error: Error): void => {
    this.fail(new WorkbookOutputError(`Writing the workbook failed: ${error.message}`, { cause: error }));
  };

  private readonly onClose = (): void => {
    if (!this.out.writableFinished) {
      this.fail(new WorkbookOutputError("The workbook's output closed before the workbook was complete."));
    }
  };

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.rejectFailed(error);
  }

  /**
   * Waits for `drain` when the output asks for it (a slow S3 upload); otherwise one turn of the
   * event loop lets zlib and the pipe move the last row along.
   */
  async pace(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.out.writableNeedDrain) {
      await nextTurn();
      return;
    }
    let onDrain = () => {};
    const drained = new Promise<void>((resolve) => {
      onDrain = resolve;
      this.out.once("drain", onDrain);
    });
    try {
      await Promise.race([drained, this.failed]);
    } finally {
      this.out.off("drain", onDrain);
    }
  }

  stop(): void {
    this.out.off("error", this.onError);
    this.out.off("close", this.onClose);
  }
}

const FROZEN_HEADER: Array<Partial<ExcelJS.WorksheetView>> = [{ state: "frozen", ySplit: 1, xSplit: 0 }];
const FROZEN_HEADER_AND_FIRST_COLUMN: Array<Partial<ExcelJS.WorksheetView>> = [
  { state: "frozen", ySplit: 1, xSplit: 1 },
];

// ——— sheet helpers ———————————————————————————————————————————————————————————————————————

function addSpecRow(sheet: Sheet, cells: CellSpec[]): Row {
  const row = sheet.addRow(cells.map((cell) => cell.value));
  cells.forEach((cell, index) => {
    if (cell.numFmt === undefined && cell.font === undefined) return;
    const target = row.getCell(index + 1);
    if (cell.numFmt !== undefined) target.numFmt = cell.numFmt;
    if (cell.font !== undefined) target.font = cell.font;
  });
  row.commit();
  return row;
}

function addHeaderRow(sheet: Sheet, headers: string[]): void {
  const row = sheet.addRow(headers);
  for (let column = 1; column <= headers.length; column++) row.getCell(column).style = HEADER_STYLE;
  row.commit();
}

/** Autofilter over the header and every data row written (rows counted, not guessed). */
function finishTable(sheet: Sheet, columns: number, lastRow: number): void {
  sheet.autoFilter = `A1:${columnLetters(columns)}${Math.max(1, lastRow)}`;
  sheet.commit();
}

function share(count: number, total: number): number | null {
  return total > 0 ? count / total : null;
}

function sortedCounts(counts: Counts): Array<[string, number]> {
  return Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}

// ——— Summary ——————————————————————————————————————————————————————————————————————————————

function dayTitle(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return format(new Date(y, m - 1, d), "EEE d MMM yyyy");
}

interface KpiLine {
  label: string;
  value: number | null;
  numFmt: string;
  delta?: { kpi: HeadlineKpi; changeFormat: string; changeScale: number; withRatio: boolean };
}

function kpiLines(summary: Summary): KpiLine[] {
  const t = summary.totals;
  const countDelta = (kpi: HeadlineKpi) => ({
    kpi,
    changeFormat: NUMBER_FORMATS.countChange,
    changeScale: 1,
    withRatio: true,
  });
  return [
    { label: "Calls", value: t.calls, numFmt: NUMBER_FORMATS.count, delta: countDelta("calls") },
    {
      label: "Connected calls",
      value: t.connectedCalls,
      numFmt: NUMBER_FORMATS.count,
      delta: countDelta("connectedCalls"),
    },
    {
      label: "Connect rate",
      value: t.connectRate,
      numFmt: NUMBER_FORMATS.percent,
      // A change of a rate is shown in percentage points; a ratio of ratios confuses.
      delta: { kpi: "connectRate", changeFormat: NUMBER_FORMATS.pointsChange, changeScale: 100, withRatio: false },
    },
    { label: "Answered by a human", value: t.humanAnswered, numFmt: NUMBER_FORMATS.count },
    { label: "Human answer rate", value: t.humanRate, numFmt: NUMBER_FORMATS.percent },
    {
      label: "Talk time (total)",
      value: durationCell(t.durationSeconds),
      numFmt: NUMBER_FORMATS.duration,
      // [h]:mm:ss cannot show a negative time, so the change is in minutes.
      delta: {
        kpi: "durationSeconds",
        changeFormat: NUMBER_FORMATS.minutesChange,
        changeScale: 1 / 60,
        withRatio: true,
      },
    },
    {
      label: "Talk time (average, connected)",
      value: durationCell(t.averageDurationSeconds),
      numFmt: NUMBER_FORMATS.duration,
    },
    {
      label: "Talk time (median, connected)",
      value: durationCell(t.medianDurationSeconds),
      numFmt: NUMBER_FORMATS.duration,
    },
    {
      label: "Talk time (90th percentile)",
      value: durationCell(t.p90DurationSeconds),
      numFmt: NUMBER_FORMATS.duration,
    },
    {
      label: "Total cost",
      value: usdCell(t.totalCostMicros),
      numFmt: NUMBER_FORMATS.money,
      delta: { kpi: "totalCost", changeFormat: NUMBER_FORMATS.moneyChange, changeScale: 1, withRatio: true },
    },
    { label: "Carrier cost", value: usdCell(t.carrierCostMicros), numFmt: NUMBER_FORMATS.money },
    { label: "Platform cost", value: usdCell(t.platformCostMicros), numFmt: NUMBER_FORMATS.money },
    { label: "Cost per call", value: numberCell(t.costPerCall), numFmt: NUMBER_FORMATS.moneyPerCall },
    {
      label: "Cost per connected minute",
      value: numberCell(t.costPerConnectedMinute),
      numFmt: NUMBER_FORMATS.moneyPerCall,
    },
    {
      label: "Average score (0–10)",
      value: numberCell(summary.averageScore),
      numFmt: NUMBER_FORMATS.score,
      delta: { kpi: "averageScore", changeFormat: NUMBER_FORMATS.scoreChange, changeScale: 1, withRatio: false },
    },
    { label: "Scored calls", value: summary.scoredCalls, numFmt: NUMBER_FORMATS.count },
  ];
}

function deltaCells(line: KpiLine, delta: Delta | undefined): CellSpec[] {
  if (!line.delta || !delta) return [{ value: null }, { value: null }];
  const change = delta.change === null ? null : delta.change * line.delta.changeScale;
  return [
    { value: numberCell(change), numFmt: line.delta.changeFormat },
    { value: line.delta.withRatio ? numberCell(delta.changeRatio) : null, numFmt: NUMBER_FORMATS.ratioChange },
  ];
}

function writeSummarySheet(sheet: Sheet, summary: Summary, options: WorkbookOptions): void {
  sheet.columns = [{ width: 34 }, { width: 21 }, { width: 18 }, { width: 10 }, { width: 18 }, { width: 10 }];
  const { previousDay, sameWeekdayLastWeek } = summary.comparison;

  const partial = partialDayLabel(summary);
  addSpecRow(sheet, [
    { value: `Calls report — ${dayTitle(summary.date)}${partial ? ` — ${partial}` : ""}`, font: TITLE_FONT },
  ]);
  if (summary.partialAsOf) {
    addSpecRow(sheet, [
      { value: "Partial day: calls up to" },
      { value: wallClock(new Date(summary.partialAsOf), summary.timezone), numFmt: NUMBER_FORMATS.dateTime },
    ]);
  }
  addSpecRow(sheet, [{ value: "Timezone" }, { value: summary.timezone }]);
  addSpecRow(sheet, [
    { value: "Generated" },
    { value: wallClock(options.createdAt, summary.timezone), numFmt: NUMBER_FORMATS.dateTime },
  ]);
  const filters = Object.entries(summary.filters)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => `${key} = ${value}`);
  addSpecRow(sheet, [{ value: "Filters" }, { value: filters.length > 0 ? textCell(filters.join(", ")) : "none" }]);
  addSpecRow(sheet, []);

  const comparisonHeader = (label: string, date: string | undefined) =>
    date === undefined ? `Δ ${label}` : `Δ vs ${dayTitle(date).slice(0, -5)}`;
  addHeaderRow(sheet, [
    "Key figures",
    "Value",
    comparisonHeader("previous day", previousDay?.date),
    "Δ %",
    comparisonHeader("same day last week", sameWeekdayLastWeek?.date),
    "Δ %",
  ]);
  for (const line of kpiLines(summary)) {
    addSpecRow(sheet, [
      { value: line.label },
      { value: line.value, numFmt: line.numFmt },
      ...deltaCells(line, line.delta && previousDay?.deltas[line.delta.kpi]),
      ...deltaCells(line, line.delta && sameWeekdayLastWeek?.deltas[line.delta.kpi]),
    ]);
  }

  const breakdowns: Array<[string, Counts]> = [
    ["Status", summary.byStatus],
    ["Type", summary.byType],
    ["Answered by", summary.byAnsweredBy],
    ["Outcome", summary.byOutcome],
    ["Sentiment", summary.bySentiment],
  ];
  for (const [title, counts] of breakdowns) {
    addSpecRow(sheet, []);
    addHeaderRow(sheet, [title, "Calls", "Share"]);
    for (const [value, count] of sortedCounts(counts)) {
      addSpecRow(sheet, [
        { value: textCell(value) ?? "(blank)" },
        { value: count, numFmt: NUMBER_FORMATS.count },
        { value: share(count, summary.totals.calls), numFmt: NUMBER_FORMATS.percent },
      ]);
    }
  }

  const q = summary.dataQuality;
  addSpecRow(sheet, []);
  addHeaderRow(sheet, ["Data quality", "Count"]);
  const qualityLines: Array<[string, number]> = [
    ["Calls the API reported (total)", q.apiTotal],
    ["Rows received", q.received],
    ["Duplicate rows dropped", q.duplicates],
    ["Calls outside the local day", q.outsideWindow],
    ["Calls without an evaluation", q.missingEvaluations],
    ["Pages", q.pages],
    ["Requests", q.requests],
    ["Retries", q.retries],
    ["Rate-limited answers (429)", q.rateLimited],
    ["Refetch passes", q.refetches],
  ];
  for (const [label, value] of qualityLines) {
    addSpecRow(sheet, [{ value: label }, { value, numFmt: NUMBER_FORMATS.count }]);
  }
  addSpecRow(sheet, []);
  addSpecRow(sheet, [
    {
      value: `Money in USD. Times are wall-clock times in ${summary.timezone}; API timestamps read in ${summary.apiTimezone}.`,
      font: NOTE_FONT,
    },
  ]);
  sheet.commit();
}

// ——— Assistants / Campaigns ———————————————————————————————————————————————————————————————

function outcomeKeys(groups: GroupStats[], summary: Summary): string[] {
  const keys = sortedCounts(summary.byOutcome).map(([key]) => key);
  const known = new Set(keys);
  for (const group of groups) {
    for (const key of Object.keys(group.byOutcome)) {
      if (!known.has(key)) {
        known.add(key);
        keys.push(key);
      }
    }
  }
  return keys;
}

function writeGroupSheet(sheet: Sheet, nameHeader: string, groups: GroupStats[], summary: Summary): void {
  const outcomes = outcomeKeys(groups, summary);
  const outcomeHeaders = outcomes.map((key) => `outcome: ${key}`);
  const headers = [
    nameHeader,
    "Calls",
    "Connected",
    "Connect rate",
    "Talk time",
    "Total cost",
    "Avg score",
    ...outcomeHeaders,
  ];
  sheet.columns = [
    { width: 32 },
    { width: 10, style: { numFmt: NUMBER_FORMATS.count } },
    { width: 12, style: { numFmt: NUMBER_FORMATS.count } },
    { width: 14, style: { numFmt: NUMBER_FORMATS.percent } },
    { width: 12, style: { numFmt: NUMBER_FORMATS.duration } },
    { width: 14, style: { numFmt: NUMBER_FORMATS.money } },
    { width: 11, style: { numFmt: NUMBER_FORMATS.score } },
    ...outcomeHeaders.map((header) => ({ width: headerWidth(header), style: { numFmt: NUMBER_FORMATS.count } })),
  ];
  addHeaderRow(sheet, headers);
  for (const group of groups) {
    sheet
      .addRow([
        textCell(group.name) ?? "(blank)",
        group.calls,
        group.connectedCalls,
        share(group.connectedCalls, group.calls),
        durationCell(group.durationSeconds),
        usdCell(group.totalCostMicros),
        numberCell(group.averageScore),
        ...outcomes.map((key) => (Object.hasOwn(group.byOutcome, key) ? group.byOutcome[key] : 0)),
      ])
      .commit();
  }
  finishTable(sheet, headers.length, groups.length + 1);
}

// ——— Hourly ————————————————————————————————————————————————————————————————————————————————

const BAR_WIDTH = 40;

function writeHourlySheet(sheet: Sheet, summary: Summary): void {
  sheet.columns = [
    { width: 14 },
    { width: 10, style: { numFmt: NUMBER_FORMATS.count } },
    { width: 10, style: { numFmt: NUMBER_FORMATS.percent } },
    { width: BAR_WIDTH + 2, style: { font: { color: { argb: "FF4472C4" } } } },
  ];
  addHeaderRow(sheet, ["Hour", "Calls", "Share", "Distribution"]);
  const peak = Math.max(0, ...summary.hourly);
  for (let hour = 0; hour < 24; hour++) {
    const count = summary.hourly[hour] ?? 0;
    const label = `${String(hour).padStart(2, "0")}:00–${String((hour + 1) % 24).padStart(2, "0")}:00`;
    // A text bar instead of conditional-format data bars: it renders the same in every viewer.
    const bar = peak > 0 ? "█".repeat(Math.round((count / peak) * BAR_WIDTH)) : "";
    sheet.addRow([label, count, share(count, summary.totals.calls), bar || null]).commit();
  }
  finishTable(sheet, 4, 25);
}

// ——— Calls ————————————————————————————————————————————————————————————————————————————————

interface CallColumn {
  header: string;
  width: number;
  numFmt?: string;
}

function callColumns(input: WorkbookInput, options: WorkbookOptions): CallColumn[] {
  const columns: CallColumn[] = [
    { header: "Call ID", width: 14, numFmt: NUMBER_FORMATS.id },
    { header: "Created at", width: 20, numFmt: NUMBER_FORMATS.dateTime },
    { header: "Assistant", width: 24 },
    { header: "Campaign", width: 24 },
    { header: "Type", width: 10 },
    { header: "Status", width: 18 },
    { header: "Answered by", width: 13 },
    { header: "Duration (s)", width: 13, numFmt: NUMBER_FORMATS.count },
    { header: "Duration", width: 11, numFmt: NUMBER_FORMATS.duration },
    { header: "Total cost", width: 12, numFmt: NUMBER_FORMATS.moneyPerCall },
    { header: "Carrier cost", width: 13, numFmt: NUMBER_FORMATS.moneyPerCall },
    { header: "Outcome", width: 18 },
    { header: "Sentiment", width: 12 },
    { header: "Score", width: 8, numFmt: NUMBER_FORMATS.score },
    { header: "Client number", width: 17 },
    { header: "Assistant number", width: 17 },
    { header: "Recording", width: 40 },
  ];
  // No wrapping on transcripts: wrapped cells make every row tall, unreadable at 1M rows.
  if (options.includeTranscripts) columns.push({ header: "Transcript", width: 60 });
  for (const key of input.variableKeys)
    columns.push({ header: truncateHeader(`var: ${key}`), width: headerWidth(`var: ${key}`) });
  for (const key of input.evaluationKeys)
    columns.push({ header: truncateHeader(`eval: ${key}`), width: headerWidth(`eval: ${key}`) });
  return columns;
}

function truncateHeader(header: string): string {
  return textCell(header) ?? "";
}

/** Per-sheet state while streaming calls. */
interface CallSheetState {
  sheet: Sheet;
  rows: number;
  hyperlinks: number;
}

function recordingCell(url: string | null, state: CallSheetState, maxHyperlinks: number): ExcelJS.CellValue {
  const text = textCell(url);
  const target = linkTarget(url);
  if (text === null || target === null || state.hyperlinks >= maxHyperlinks) return text;
  state.hyperlinks++;
  return { text, hyperlink: target };
}

/** Own keys only: a call without `constructor` must not show Object's constructor. */
function ownValue(record: Record<string, unknown> | null, key: string): unknown {
  return record !== null && Object.hasOwn(record, key) ? record[key] : null;
}

function evaluationValue(call: Call, key: string): unknown {
  return ownValue(call.evaluation, key);
}

function createdAtCell(call: Call, clock: ZoneClock): ExcelJS.CellValue {
  const instant = clock.instant(call.createdAt);
  // Kept as the API's text when it cannot be read, rather than dropping the row.
  return instant === null ? textCell(call.createdAt) : clock.wallClock(instant);
}

function callRowValues(
  call: Call,
  input: WorkbookInput,
  options: WorkbookOptions,
  state: CallSheetState,
  maxHyperlinks: number,
  clock: ZoneClock,
): ExcelJS.CellValue[] {
  const client = call.clientPhoneNumber;
  const values: ExcelJS.CellValue[] = [
    numberCell(call.id),
    createdAtCell(call, clock),
    textCell(call.assistantName),
    textCell(call.campaignName),
    textCell(call.type),
    textCell(call.status),
    textCell(call.answeredBy),
    numberCell(call.durationSeconds),
    durationCell(call.durationSeconds),
    usdCell(call.totalCostMicros),
    usdCell(call.carrierCostMicros),
    dynamicCell(evaluationValue(call, "outcome")),
    dynamicCell(evaluationValue(call, "sentiment")),
    dynamicCell(evaluationValue(call, "score")),
    textCell(client !== null && options.maskPhoneNumbers ? maskPhoneNumber(client) : client),
    textCell(call.assistantPhoneNumber),
    recordingCell(call.recordingUrl, state, maxHyperlinks),
  ];
  if (options.includeTranscripts) values.push(textCell(call.transcript));
  for (const key of input.variableKeys) values.push(dynamicCell(ownValue(call.variables, key)));
  for (const key of input.evaluationKeys) values.push(dynamicCell(evaluationValue(call, key)));
  return values;
}

const RECORDING_COLUMN = 17;

/** Style ids the way exceljs picks them per cell, remembered per column and cell type. */
function callStyleIds(
  styles: StylesInternals["styles"],
  columns: CallColumn[],
  columnStyles: Array<Partial<ExcelJS.Style>>,
  linkStyle: Partial<ExcelJS.Style>,
): (column: number, type: CellType) => number {
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
          : column === RECORDING_COLUMN - 1 && type === CellType.Hyperlink
            ? linkStyle
            : (columnStyles[column] ?? {});
      id = styles.addStyleModel(style, type);
      ids[key] = id;
    }
    return id;
  };
}

async function writeCallSheets(
  input: WorkbookInput,
  options: WorkbookOptions,
  addSheet: (name: string, views: Array<Partial<ExcelJS.WorksheetView>>) => Sheet,
  watch: OutputWatch,
  styles: StylesInternals["styles"],
): Promise<number> {
  const maxHyperlinks = options.maxHyperlinksPerSheet ?? MAX_HYPERLINKS_PER_SHEET;
  const columns = callColumns(input, options);
  // One style object per column, shared by all its cells: exceljs caches a style's id by
  // object identity, so a shared object is looked up once instead of re-serialised per cell
  // (the per-cell copy exceljs makes from the column style cost ~20% of the write).
  const columnStyles: Array<Partial<ExcelJS.Style>> = columns.map((column) =>
    column.numFmt === undefined ? {} : { numFmt: column.numFmt },
  );
  const linkStyle: Partial<ExcelJS.Style> = { font: LINK_FONT };
  // Resolves the timezones once per quarter hour rather than once per row.
  const clock = new ZoneClock(options.apiTimezone, input.summary.timezone);
  const rowXml =
    (options.rowWriter ?? "fast") === "fast"
      ? new CallsRowXml(columns.length, callStyleIds(styles, columns, columnStyles, linkStyle))
      : null;
  let sheetNumber = 0;

  const openSheet = (): CallSheetState => {
    sheetNumber++;
    const sheet = addSheet(callsSheetName(sheetNumber), FROZEN_HEADER_AND_FIRST_COLUMN);
    sheet.columns = columns.map((column) => ({
      width: column.width,
      ...(column.numFmt === undefined ? {} : { style: { numFmt: column.numFmt } }),
    }));
    addHeaderRow(
      sheet,
      columns.map((column) => column.header),
    );
    return { sheet, rows: 0, hyperlinks: 0 };
  };

  let state = openSheet();
  let fastRows = rowXml && new FastRowSink(state.sheet, rowXml);
  let callRows = 0;
  for await (const call of input.calls) {
    if (callRowPlace(callRows + 1, options.maxRowsPerSheet).sheetNumber > sheetNumber) {
      finishTable(state.sheet, columns.length, state.rows + 1);
      state = openSheet();
      fastRows = rowXml && new FastRowSink(state.sheet, rowXml);
    }
    const values = callRowValues(call, input, options, state, maxHyperlinks, clock);
    if (fastRows) {
      fastRows.write(values);
    } else {
      const row = state.sheet.addRow(values);
      row.eachCell((cell, column) => {
        cell.style =
          column === RECORDING_COLUMN && cell.type === ExcelJS.ValueType.Hyperlink
            ? linkStyle
            : (columnStyles[column - 1] ?? {});
      });
      row.commit();
    }
    state.rows++;
    callRows++;
    await watch.pace();
  }
  finishTable(state.sheet, columns.length, state.rows + 1);
  return callRows;
}

/** The worksheet's exceljs internals changed shape: the fast Calls rows cannot be written. */
export class WorksheetInternalsError extends Error {
  override name = "WorksheetInternalsError";
}

/**
 * Appends rendered rows to one worksheet's XML stream behind exceljs's back, keeping its row
 * counter in step so that the sheet's commit (autofilter, hyperlinks, rels) still fits.
 */
class FastRowSink {
  private readonly writer: WorksheetWriterInternals;
  private readonly onHyperlink: (address: string, target: string) => void;

  constructor(
    sheet: Sheet,
    private readonly rowXml: CallsRowXml,
  ) {
    this.writer = sheet as unknown as WorksheetWriterInternals;
    // The header row must already be in the stream and nothing pending, or rows would interleave.
    const { _rows: pending, startedData, _rowZero: next, _sheetRelsWriter: rels } = this.writer;
    if (!startedData || !Array.isArray(pending) || pending.length > 0 || typeof next !== "number" || !rels) {
      throw new WorksheetInternalsError(
        "exceljs's WorksheetWriter no longer looks like 4.4's; write with rowWriter: \"exceljs\" or update calls-row-xml.ts.",
      );
    }
    const links = rels.hyperlinksProxy;
    this.onHyperlink = (address, target) => links.push({ address, target });
  }

  write(values: readonly ExcelJS.CellValue[]): void {
    const rowNumber = this.writer._rowZero;
    const xml = this.rowXml.render(rowNumber, values, this.onHyperlink);
    if (xml !== null) this.writer.stream.write(xml);
    this.writer._rowZero = rowNumber + 1;
  }
}
