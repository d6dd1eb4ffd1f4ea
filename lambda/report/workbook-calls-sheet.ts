/**
 * The Calls sheets: one row per call, the columns described as data (key, header, width,
 * number format) with how each reads its value from a call. Streamed by the xlsx adapter.
 */
import type { Call } from "./call.js";
import {
  type CellValue,
  durationCell,
  dynamicCell,
  headerWidth,
  linkTarget,
  maskPhoneNumber,
  NUMBER_FORMATS,
  numberCell,
  textCell,
  usdCell,
} from "./workbook-layout.js";
import { ZoneClock } from "./zone-clock.js";

/** What a column's value may use besides the call: the counts of the sheet being written. */
export interface CallSheetCounters {
  /** Clickable links on the sheet so far. */
  hyperlinks: number;
}

export interface CallColumn {
  /** Stable id (`id`, `recording`, `var:<key>`…); the header is for people and may be cut. */
  key: string;
  header: string;
  width: number;
  numFmt?: string;
  value(call: Call, sheet: CallSheetCounters): CellValue;
}

/** The column whose links are drawn as links (blue, underlined). */
export const RECORDING_COLUMN_KEY = "recording";

export interface CallColumnsOptions {
  /** Timezone `created_at` strings are read in. */
  apiTimezone: string;
  /** The report's timezone: `Created at` is a wall-clock time there. */
  timezone: string;
  includeTranscripts: boolean;
  maskPhoneNumbers: boolean;
  /** Clickable recording links per sheet; later ones are plain text. */
  maxHyperlinksPerSheet: number;
  variableKeys: readonly string[];
  evaluationKeys: readonly string[];
}

/** Own keys only: a call without `constructor` must not show Object's constructor. */
function ownValue(record: Record<string, unknown> | null, key: string): unknown {
  return record !== null && Object.hasOwn(record, key) ? record[key] : null;
}

function truncateHeader(header: string): string {
  return textCell(header) ?? "";
}

export function callColumns(options: CallColumnsOptions): CallColumn[] {
  // Resolves the timezones once per quarter hour rather than once per row.
  const clock = new ZoneClock(options.apiTimezone, options.timezone);
  const createdAt = (call: Call): CellValue => {
    const instant = clock.instant(call.createdAt);
    // Kept as the API's text when it cannot be read, rather than dropping the row.
    return instant === null ? textCell(call.createdAt) : clock.wallClock(instant);
  };
  const recording = (call: Call, sheet: CallSheetCounters): CellValue => {
    const text = textCell(call.recordingUrl);
    const target = linkTarget(call.recordingUrl);
    if (text === null || target === null || sheet.hyperlinks >= options.maxHyperlinksPerSheet) return text;
    sheet.hyperlinks++;
    return { text, hyperlink: target };
  };
  const clientNumber = (call: Call): CellValue => {
    const client = call.clientPhoneNumber;
    return textCell(client !== null && options.maskPhoneNumbers ? maskPhoneNumber(client) : client);
  };
  const evaluation = (key: string) => (call: Call) => dynamicCell(ownValue(call.evaluation, key));

  const columns: CallColumn[] = [
    { key: "id", header: "Call ID", width: 14, numFmt: NUMBER_FORMATS.id, value: (call) => numberCell(call.id) },
    { key: "createdAt", header: "Created at", width: 20, numFmt: NUMBER_FORMATS.dateTime, value: createdAt },
    { key: "assistant", header: "Assistant", width: 24, value: (call) => textCell(call.assistantName) },
    { key: "campaign", header: "Campaign", width: 24, value: (call) => textCell(call.campaignName) },
    { key: "type", header: "Type", width: 10, value: (call) => textCell(call.type) },
    { key: "status", header: "Status", width: 18, value: (call) => textCell(call.status) },
    { key: "answeredBy", header: "Answered by", width: 13, value: (call) => textCell(call.answeredBy) },
    {
      key: "durationSeconds",
      header: "Duration (s)",
      width: 13,
      numFmt: NUMBER_FORMATS.count,
      value: (call) => numberCell(call.durationSeconds),
    },
    {
      key: "duration",
      header: "Duration",
      width: 11,
      numFmt: NUMBER_FORMATS.duration,
      value: (call) => durationCell(call.durationSeconds),
    },
    {
      key: "totalCost",
      header: "Total cost",
      width: 12,
      numFmt: NUMBER_FORMATS.moneyPerCall,
      value: (call) => usdCell(call.totalCostMicros),
    },
    {
      key: "carrierCost",
      header: "Carrier cost",
      width: 13,
      numFmt: NUMBER_FORMATS.moneyPerCall,
      value: (call) => usdCell(call.carrierCostMicros),
    },
    { key: "outcome", header: "Outcome", width: 18, value: evaluation("outcome") },
    { key: "sentiment", header: "Sentiment", width: 12, value: evaluation("sentiment") },
    { key: "score", header: "Score", width: 8, numFmt: NUMBER_FORMATS.score, value: evaluation("score") },
    { key: "clientNumber", header: "Client number", width: 17, value: clientNumber },
    {
      key: "assistantNumber",
      header: "Assistant number",
      width: 17,
      value: (call) => textCell(call.assistantPhoneNumber),
    },
    { key: RECORDING_COLUMN_KEY, header: "Recording", width: 40, value: recording },
  ];
  // No wrapping on transcripts: wrapped cells make every row tall, unreadable at 1M rows.
  if (options.includeTranscripts) {
    columns.push({ key: "transcript", header: "Transcript", width: 60, value: (call) => textCell(call.transcript) });
  }
  for (const key of options.variableKeys) {
    columns.push({
      key: `var:${key}`,
      header: truncateHeader(`var: ${key}`),
      width: headerWidth(`var: ${key}`),
      value: (call) => dynamicCell(ownValue(call.variables, key)),
    });
  }
  for (const key of options.evaluationKeys) {
    columns.push({
      key: `eval:${key}`,
      header: truncateHeader(`eval: ${key}`),
      width: headerWidth(`eval: ${key}`),
      value: evaluation(key),
    });
  }
  return columns;
}

/** One call's row: a value per column, in column order. */
export function callRowValues(columns: readonly CallColumn[], call: Call, sheet: CallSheetCounters): CellValue[] {
  const values: CellValue[] = [];
  for (const column of columns) values.push(column.value(call, sheet));
  return values;
}
