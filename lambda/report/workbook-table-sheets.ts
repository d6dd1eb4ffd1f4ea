/** The small table sheets: one row per assistant or campaign, and one per hour of the day. */
import { share } from "./format.js";
import type { GroupStats, Summary } from "./summary.js";
import {
  type CellLayout,
  durationCell,
  headerWidth,
  NUMBER_FORMATS,
  numberCell,
  type RowLayout,
  type SheetLayout,
  sortedCounts,
  textCell,
  usdCell,
} from "./workbook-layout.js";

const FROZEN_HEADER = { rows: 1, columns: 0 };
export const FROZEN_HEADER_AND_FIRST_COLUMN = { rows: 1, columns: 1 };

const plainRow = (values: CellLayout["value"][]): RowLayout => ({ cells: values.map((value) => ({ value })) });

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

/** `Assistants` or `Campaigns`: `nameHeader` heads the first column. */
export function groupSheet(name: string, nameHeader: string, groups: GroupStats[], summary: Summary): SheetLayout {
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
  const rows: RowLayout[] = [{ header: headers }];
  for (const group of groups) {
    rows.push(
      plainRow([
        textCell(group.name) ?? "(blank)",
        group.calls,
        group.connectedCalls,
        share(group.connectedCalls, group.calls),
        durationCell(group.durationSeconds),
        usdCell(group.totalCostMicros),
        numberCell(group.averageScore),
        ...outcomes.map((key) => (Object.hasOwn(group.byOutcome, key) ? (group.byOutcome[key] ?? null) : 0)),
      ]),
    );
  }
  return {
    name,
    frozen: FROZEN_HEADER_AND_FIRST_COLUMN,
    columns: [
      { width: 32 },
      { width: 10, style: { numFmt: NUMBER_FORMATS.count } },
      { width: 12, style: { numFmt: NUMBER_FORMATS.count } },
      { width: 14, style: { numFmt: NUMBER_FORMATS.percent } },
      { width: 12, style: { numFmt: NUMBER_FORMATS.duration } },
      { width: 14, style: { numFmt: NUMBER_FORMATS.money } },
      { width: 11, style: { numFmt: NUMBER_FORMATS.score } },
      ...outcomeHeaders.map((header) => ({ width: headerWidth(header), style: { numFmt: NUMBER_FORMATS.count } })),
    ],
    rows,
    autoFilter: true,
  };
}

const BAR_WIDTH = 40;

export function hourlySheet(summary: Summary): SheetLayout {
  const rows: RowLayout[] = [{ header: ["Hour", "Calls", "Share", "Distribution"] }];
  const peak = Math.max(0, ...summary.hourly);
  for (let hour = 0; hour < 24; hour++) {
    const count = summary.hourly[hour] ?? 0;
    const label = `${String(hour).padStart(2, "0")}:00–${String((hour + 1) % 24).padStart(2, "0")}:00`;
    // A text bar instead of conditional-format data bars: it renders the same in every viewer.
    const bar = peak > 0 ? "█".repeat(Math.round((count / peak) * BAR_WIDTH)) : "";
    rows.push(plainRow([label, count, share(count, summary.totals.calls), bar || null]));
  }
  return {
    name: "Hourly",
    frozen: FROZEN_HEADER,
    columns: [
      { width: 14 },
      { width: 10, style: { numFmt: NUMBER_FORMATS.count } },
      { width: 10, style: { numFmt: NUMBER_FORMATS.percent } },
      { width: BAR_WIDTH + 2, style: { font: { color: { argb: "FF4472C4" } } } },
    ],
    rows,
    autoFilter: true,
  };
}
