/**
 * The weekly or monthly workbook, as data: Summary (the period's key figures against the
 * previous period and the same period a year ago), Days (one row per day, to chart), Assistants,
 * Campaigns, and a day × hour grid. No Calls sheet: each day's workbook has them, linked from
 * Days. lambda/adapters/xlsx/ writes it, as it writes the daily one.
 *
 * No native Excel chart: exceljs 4.4 has no API to write one (its typings have no chart type;
 * https://github.com/exceljs/exceljs/issues/141, open since 2016, asks for it), so Days is a
 * plain table with real dates, ready for Insert → Chart.
 */
import { formatDay } from "./format.js";
import { type Period, periodFileStem, periodTitle } from "./period.js";
import type { PeriodComparison, PeriodReport } from "./period-merge.js";
import type { StoredSummary } from "./summary.js";
import { wallClock } from "./window.js";
import {
  type CellLayout,
  type ColumnLayout,
  durationCell,
  type FillStyle,
  LINK_FONT,
  linkTarget,
  NOTE_FONT,
  NUMBER_FORMATS,
  numberCell,
  type RowLayout,
  type SheetLayout,
  TITLE_FONT,
  usdCell,
} from "./workbook-layout.js";
import {
  breakdownRows,
  dataQualityRows,
  filterRow,
  keyFigureRows,
  SUMMARY_SHEET_COLUMNS,
  unitsNoteRow,
} from "./workbook-summary-sheet.js";
import { FROZEN_HEADER_AND_FIRST_COLUMN, groupSheet } from "./workbook-table-sheets.js";

export interface PeriodWorkbookInput {
  report: PeriodReport;
  /** Each date's daily workbook, linked from Days; a date absent or null gets no link. */
  dailyWorkbookUrls: Readonly<Record<string, string | null>>;
  /** The workbook's "created" property and the Summary's generation time. */
  createdAt: Date;
}

export interface PeriodWorkbookLayout {
  title: string;
  /** Written whole, in this order. */
  sheets: SheetLayout[];
}

/** `calls-report-week-2025-W32.xlsx`, `calls-report-month-2025-08.xlsx`. */
export function periodWorkbookFileName(period: Pick<Period, "kind" | "label">): string {
  return `calls-report-${periodFileStem(period)}.xlsx`;
}

const KIND_WORD = { week: "week", month: "month" } as const;

function deltaHeader(comparison: PeriodComparison | null, missing: string): string {
  return comparison === null ? `Δ ${missing}` : `Δ vs ${comparison.label}`;
}

function summarySheet(report: PeriodReport, createdAt: Date): SheetLayout {
  const { period, summary, comparison } = report;
  const word = KIND_WORD[period.kind];
  const rows: RowLayout[] = [
    { cells: [{ value: `Calls report — ${periodTitle(period)}`, font: TITLE_FONT }] },
    {
      cells: [
        { value: "Period" },
        { value: `${formatDay(period.firstDate)} – ${formatDay(period.lastDate)} (${period.dates.length} days)` },
      ],
    },
    { cells: [{ value: "Timezone" }, { value: summary.timezone }] },
    {
      cells: [
        { value: "Generated" },
        { value: wallClock(createdAt, summary.timezone), numFmt: NUMBER_FORMATS.dateTime },
      ],
    },
    filterRow(summary),
  ];
  if (report.approximate.length > 0) {
    rows.push({
      cells: [
        { value: "Approximate", font: NOTE_FONT },
        {
          value: `Some days were stored before exact sums (summary schema 1), so these are estimates: ${report.approximate.join(", ")}.`,
          font: NOTE_FONT,
        },
      ],
    });
  }
  rows.push(
    { cells: [] },
    ...keyFigureRows(summary, [
      { header: deltaHeader(comparison.previousPeriod, `previous ${word}`), deltas: comparison.previousPeriod?.deltas },
      {
        header: deltaHeader(comparison.samePeriodLastYear, `same ${word} last year`),
        deltas: comparison.samePeriodLastYear?.deltas,
      },
    ]),
    ...breakdownRows(summary),
    ...dataQualityRows(summary),
    { cells: [] },
    unitsNoteRow(summary),
  );
  return { name: "Summary", frozen: null, columns: SUMMARY_SHEET_COLUMNS, rows, autoFilter: false };
}

/** A calendar date as a date cell (exceljs writes a Date's UTC fields, as wallClock relies on). */
function dateCell(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

const DAY_COLUMNS: Array<{ header: string; width: number; numFmt?: string }> = [
  { header: "Date", width: 16, numFmt: NUMBER_FORMATS.day },
  { header: "Calls", width: 10, numFmt: NUMBER_FORMATS.count },
  { header: "Connected", width: 11, numFmt: NUMBER_FORMATS.count },
  { header: "Connect rate", width: 13, numFmt: NUMBER_FORMATS.percent },
  { header: "Answered by a human", width: 12, numFmt: NUMBER_FORMATS.count },
  { header: "Talk time", width: 12, numFmt: NUMBER_FORMATS.duration },
  { header: "Avg talk time", width: 13, numFmt: NUMBER_FORMATS.duration },
  { header: "Median talk time", width: 13, numFmt: NUMBER_FORMATS.duration },
  { header: "Total cost", width: 13, numFmt: NUMBER_FORMATS.money },
  { header: "Cost per call", width: 13, numFmt: NUMBER_FORMATS.moneyPerCall },
  { header: "Avg score", width: 10, numFmt: NUMBER_FORMATS.score },
  { header: "Daily workbook", width: 34 },
];

function dayRow(date: string, day: StoredSummary, url: string | null | undefined): RowLayout {
  const t = day.totals;
  const target = linkTarget(url);
  const link: CellLayout =
    target === null
      ? { value: null }
      : { value: { text: `calls-report-${date}.xlsx`, hyperlink: target }, font: LINK_FONT };
  return {
    cells: [
      dateCell(date),
      t.calls,
      t.connectedCalls,
      t.connectRate,
      t.humanAnswered,
      durationCell(t.durationSeconds),
      durationCell(t.averageDurationSeconds),
      durationCell(t.medianDurationSeconds),
      usdCell(t.totalCostMicros),
      numberCell(t.costPerCall),
      numberCell(day.averageScore),
    ]
      .map((value): CellLayout => ({ value }))
      .concat(link),
  };
}

/** One row per day with its key figures: the table a manager charts. */
function daysSheet(report: PeriodReport, urls: PeriodWorkbookInput["dailyWorkbookUrls"]): SheetLayout {
  return {
    name: "Days",
    frozen: FROZEN_HEADER_AND_FIRST_COLUMN,
    columns: DAY_COLUMNS.map(
      ({ width, numFmt }): ColumnLayout => (numFmt === undefined ? { width } : { width, style: { numFmt } }),
    ),
    rows: [
      { header: DAY_COLUMNS.map(({ header }) => header) },
      ...report.days.map(({ date, summary }) => dayRow(date, summary, urls[date])),
    ],
    autoFilter: true,
  };
}

// The heat grid's scale: white for few calls to this blue for the busiest hour, dark enough to
// see and light enough for black digits on it.
const HEAT_RGB: [number, number, number] = [0x5b, 0x9b, 0xd5];

/** The fill of a grid cell holding `count` of at most `peak` calls; none for an empty hour. */
export function heatFill(count: number, peak: number): FillStyle | undefined {
  if (count <= 0 || peak <= 0) return undefined;
  const strength = Math.min(1, count / peak);
  const hex = HEAT_RGB.map((channel) =>
    Math.round(255 - (255 - channel) * strength)
      .toString(16)
      .padStart(2, "0")
      .toUpperCase(),
  ).join("");
  return { type: "pattern", pattern: "solid", fgColor: { argb: `FF${hex}` } };
}

const hourHeader = (hour: number) => String(hour).padStart(2, "0");

/**
 * Calls per day and local clock hour, shaded by computed fills rather than conditional
 * formatting: the colours are in the cells, so every viewer (and a read-back test) sees them.
 */
function dayByHourSheet(report: PeriodReport): SheetLayout {
  const peak = Math.max(0, ...report.dayByHour.flatMap(({ hourly }) => hourly));
  const count = (value: number, fill: FillStyle | undefined): CellLayout =>
    fill === undefined ? { value, numFmt: NUMBER_FORMATS.count } : { value, numFmt: NUMBER_FORMATS.count, fill };
  const rows: RowLayout[] = [
    { header: ["Day", ...Array.from({ length: 24 }, (_, hour) => hourHeader(hour)), "Total"] },
  ];
  for (const { date, hourly } of report.dayByHour) {
    const total = hourly.reduce((sum, calls) => sum + calls, 0);
    rows.push({
      cells: [
        { value: dateCell(date), numFmt: NUMBER_FORMATS.day },
        ...hourly.map((calls) => count(calls, heatFill(calls, peak))),
        { value: total, numFmt: NUMBER_FORMATS.count, font: { bold: true } },
      ],
    });
  }
  const { hourly } = report.summary;
  rows.push({
    cells: [
      { value: "All days", font: { bold: true } },
      ...hourly.map((calls): CellLayout => ({ value: calls, numFmt: NUMBER_FORMATS.count, font: { bold: true } })),
      { value: report.summary.totals.calls, numFmt: NUMBER_FORMATS.count, font: { bold: true } },
    ],
  });
  rows.push(
    { cells: [] },
    {
      cells: [
        {
          value: `Calls by local clock hour in ${report.summary.timezone}; the busiest hour of the ${KIND_WORD[report.period.kind]} is darkest (${peak.toLocaleString("en-US")} calls).`,
          font: NOTE_FONT,
        },
      ],
    },
  );
  return {
    name: "Day × hour",
    frozen: FROZEN_HEADER_AND_FIRST_COLUMN,
    columns: [{ width: 16 }, ...Array.from({ length: 24 }, () => ({ width: 6 })), { width: 9 }],
    rows,
    autoFilter: false,
  };
}

export function periodWorkbookLayout(input: PeriodWorkbookInput): PeriodWorkbookLayout {
  const { report } = input;
  const { summary } = report;
  return {
    title: `Calls report ${report.period.kind} ${report.period.label}`,
    sheets: [
      summarySheet(report, input.createdAt),
      daysSheet(report, input.dailyWorkbookUrls),
      groupSheet("Assistants", "Assistant", summary.assistants, summary),
      groupSheet("Campaigns", "Campaign", summary.campaigns, summary),
      dayByHourSheet(report),
    ],
  };
}
