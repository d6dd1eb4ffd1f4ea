/**
 * The XLSX workbook managers open, as data: Summary, Assistants, Campaigns, Hourly, then the
 * calls, one row each. No xlsx library here: lambda/adapters/xlsx/ writes the layout out
 * (through the pipeline's `WorkbookWriter` port), streaming so memory stays flat however many
 * calls the day has.
 */
import type { Call } from "./call.js";
import { PREVIEW_SUFFIX, type Summary } from "./summary.js";
import { type CallColumn, callColumns } from "./workbook-calls-sheet.js";
import { callRowPlace, callsSheetName, MAX_HYPERLINKS_PER_SHEET, type SheetLayout } from "./workbook-layout.js";
import { summarySheet } from "./workbook-summary-sheet.js";
import { FROZEN_HEADER_AND_FIRST_COLUMN, groupSheet, hourlySheet } from "./workbook-table-sheets.js";

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

export function workbookFileName(date: string, preview = false): string {
  return `calls-report-${date}${preview ? PREVIEW_SUFFIX : ""}.xlsx`;
}

/** The Calls sheets: their columns, and which sheet the nth call goes on. */
export interface CallsSheetsLayout {
  columns: CallColumn[];
  frozen: { rows: number; columns: number };
  /** The 1-based Calls sheet of the 1-based `callNumber`th call. */
  sheetOf(callNumber: number): number;
  sheetName(sheetNumber: number): string;
}

export interface WorkbookLayout {
  title: string;
  /** Written whole, in this order, before the calls. */
  sheets: SheetLayout[];
  calls: CallsSheetsLayout;
}

export function workbookLayout(input: Omit<WorkbookInput, "calls">, options: WorkbookOptions): WorkbookLayout {
  const { summary } = input;
  return {
    title: `Calls report ${summary.date}`,
    sheets: [
      summarySheet(summary, options.createdAt),
      groupSheet("Assistants", "Assistant", summary.assistants, summary),
      groupSheet("Campaigns", "Campaign", summary.campaigns, summary),
      hourlySheet(summary),
    ],
    calls: {
      columns: callColumns({
        apiTimezone: options.apiTimezone,
        timezone: summary.timezone,
        includeTranscripts: options.includeTranscripts,
        maskPhoneNumbers: options.maskPhoneNumbers,
        maxHyperlinksPerSheet: options.maxHyperlinksPerSheet ?? MAX_HYPERLINKS_PER_SHEET,
        variableKeys: input.variableKeys,
        evaluationKeys: input.evaluationKeys,
      }),
      frozen: FROZEN_HEADER_AND_FIRST_COLUMN,
      sheetOf: (callNumber) => callRowPlace(callNumber, options.maxRowsPerSheet).sheetNumber,
      sheetName: callsSheetName,
    },
  };
}
