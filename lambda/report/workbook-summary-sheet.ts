/**
 * The Summary sheet managers open first: the day's key figures against the previous day and
 * the same weekday last week, the breakdowns, and how complete the data is.
 */

import { formatDay, share } from "./format.js";
import { type Counts, type Delta, type HeadlineKpi, partialDayLabel, type Summary } from "./summary.js";
import { wallClock } from "./window.js";
import {
  type CellLayout,
  durationCell,
  NOTE_FONT,
  NUMBER_FORMATS,
  numberCell,
  type RowLayout,
  type SheetLayout,
  sortedCounts,
  TITLE_FONT,
  textCell,
  usdCell,
} from "./workbook-layout.js";

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

function deltaCells(line: KpiLine, delta: Delta | undefined): CellLayout[] {
  if (!line.delta || !delta) return [{ value: null }, { value: null }];
  const change = delta.change === null ? null : delta.change * line.delta.changeScale;
  return [
    { value: numberCell(change), numFmt: line.delta.changeFormat },
    { value: line.delta.withRatio ? numberCell(delta.changeRatio) : null, numFmt: NUMBER_FORMATS.ratioChange },
  ];
}

/** A column of deltas in the key figures: its header and the deltas (none when not stored). */
export interface DeltaColumn {
  header: string;
  deltas: Record<HeadlineKpi, Delta> | undefined;
}

/** The key figures with two comparisons: the header row and one row per KPI. */
export function keyFigureRows(summary: Summary, [first, second]: [DeltaColumn, DeltaColumn]): RowLayout[] {
  const rows: RowLayout[] = [{ header: ["Key figures", "Value", first.header, "Δ %", second.header, "Δ %"] }];
  for (const line of kpiLines(summary)) {
    rows.push({
      cells: [
        { value: line.label },
        { value: line.value, numFmt: line.numFmt },
        ...deltaCells(line, line.delta && first.deltas?.[line.delta.kpi]),
        ...deltaCells(line, line.delta && second.deltas?.[line.delta.kpi]),
      ],
    });
  }
  return rows;
}

/** `Filters: campaignId = 3` or `none`. */
export function filterRow(summary: Summary): RowLayout {
  const filters = Object.entries(summary.filters)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => `${key} = ${value}`);
  return { cells: [{ value: "Filters" }, { value: filters.length > 0 ? textCell(filters.join(", ")) : "none" }] };
}

/** Status, type, answered by, outcome and sentiment: each a small table, after an empty row. */
export function breakdownRows(summary: Summary): RowLayout[] {
  const rows: RowLayout[] = [];
  const breakdowns: Array<[string, Counts]> = [
    ["Status", summary.byStatus],
    ["Type", summary.byType],
    ["Answered by", summary.byAnsweredBy],
    ["Outcome", summary.byOutcome],
    ["Sentiment", summary.bySentiment],
  ];
  for (const [title, counts] of breakdowns) {
    rows.push({ cells: [] }, { header: [title, "Calls", "Share"] });
    for (const [value, count] of sortedCounts(counts)) {
      rows.push({
        cells: [
          { value: textCell(value) ?? "(blank)" },
          { value: count, numFmt: NUMBER_FORMATS.count },
          { value: share(count, summary.totals.calls), numFmt: NUMBER_FORMATS.percent },
        ],
      });
    }
  }
  return rows;
}

/** How complete the data is, after an empty row. */
export function dataQualityRows(summary: Summary): RowLayout[] {
  const q = summary.dataQuality;
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
  return [
    { cells: [] },
    { header: ["Data quality", "Count"] },
    ...qualityLines.map(
      ([label, value]): RowLayout => ({ cells: [{ value: label }, { value, numFmt: NUMBER_FORMATS.count }] }),
    ),
  ];
}

/** The closing note on units and clocks. */
export function unitsNoteRow(summary: Summary): RowLayout {
  return {
    cells: [
      {
        value: `Money in USD. Times are wall-clock times in ${summary.timezone}; API timestamps read in ${summary.apiTimezone}.`,
        font: NOTE_FONT,
      },
    ],
  };
}

export const SUMMARY_SHEET_COLUMNS = [
  { width: 34 },
  { width: 21 },
  { width: 18 },
  { width: 10 },
  { width: 18 },
  { width: 10 },
];

/** The Summary sheet; `createdAt` is shown as the time the report was generated. */
export function summarySheet(summary: Summary, createdAt: Date): SheetLayout {
  const rows: RowLayout[] = [];
  const cells = (...row: CellLayout[]) => rows.push({ cells: row });
  const { previousDay, sameWeekdayLastWeek } = summary.comparison;

  const partial = partialDayLabel(summary);
  cells({ value: `Calls report — ${formatDay(summary.date)}${partial ? ` — ${partial}` : ""}`, font: TITLE_FONT });
  if (summary.partialAsOf) {
    cells(
      { value: "Partial day: calls up to" },
      { value: wallClock(new Date(summary.partialAsOf), summary.timezone), numFmt: NUMBER_FORMATS.dateTime },
    );
  }
  cells({ value: "Timezone" }, { value: summary.timezone });
  cells({ value: "Generated" }, { value: wallClock(createdAt, summary.timezone), numFmt: NUMBER_FORMATS.dateTime });
  rows.push(filterRow(summary));
  cells();

  const comparisonHeader = (label: string, date: string | undefined) =>
    date === undefined ? `Δ ${label}` : `Δ vs ${formatDay(date).slice(0, -5)}`;
  rows.push(
    ...keyFigureRows(summary, [
      { header: comparisonHeader("previous day", previousDay?.date), deltas: previousDay?.deltas },
      {
        header: comparisonHeader("same day last week", sameWeekdayLastWeek?.date),
        deltas: sameWeekdayLastWeek?.deltas,
      },
    ]),
    ...breakdownRows(summary),
    ...dataQualityRows(summary),
    { cells: [] },
    unitsNoteRow(summary),
  );

  return { name: "Summary", frozen: null, columns: SUMMARY_SHEET_COLUMNS, rows, autoFilter: false };
}
