/**
 * The days an email draws as bars — the last 14 days in the day's email, every day of the
 * period in a week's or a month's — and what both parts say about them, from stored daily
 * summaries. A day without a stored summary (or with one that measures something else: another
 * timezone, other filters, a preview) is a gap, never a zero: a missing report is not a day
 * without calls.
 */
import { sameFilters } from "./compare.js";
import { formatCount, formatPercent } from "./email-format.js";
import { formatDay } from "./format.js";
import type { Summary, Totals } from "./summary.js";
import { shiftDate } from "./window.js";

/** How many days the day's email shows: the report day and the 13 before it. */
export const TREND_DAYS = 14;

/** What a bar needs from a day's summary; summaries of every schema version have it. */
export type DayFigures = Pick<Summary, "date" | "timezone" | "filters" | "partialAsOf"> & {
  totals: Pick<Totals, "calls" | "connectedCalls" | "connectRate">;
};

/** A day as the pipeline read it from the store: its summary, or null when none is stored. */
export interface StoredDay {
  date: string;
  summary: DayFigures | null;
}

export interface DayBar {
  date: string;
  /** The day's figures; null for a gap (no comparable summary). */
  figures: { calls: number; connectedCalls: number; connectRate: number | null } | null;
  /** The report day in the day's trend; no day of a period's chart. */
  highlighted: boolean;
}

/** The trend's dates, oldest first: the 13 days before `date`, then `date`. */
export function trendDates(date: string): string[] {
  return Array.from({ length: TREND_DAYS }, (_, index) => shiftDate(date, index - (TREND_DAYS - 1)));
}

/** One bar per date, from the stored days that measure what `reference` measures. */
export function dayBars(
  dates: readonly string[],
  stored: readonly StoredDay[],
  reference: Pick<Summary, "timezone" | "filters">,
  highlightDate: string | null = null,
): DayBar[] {
  const byDate = new Map(stored.map((day) => [day.date, day.summary]));
  return dates.map((date) => {
    const summary = byDate.get(date) ?? null;
    const comparable =
      summary !== null &&
      summary.date === date &&
      summary.timezone === reference.timezone &&
      sameFilters(summary, reference) &&
      !summary.partialAsOf &&
      Number.isFinite(summary.totals?.calls);
    const figures = comparable
      ? {
          calls: summary.totals.calls,
          connectedCalls: summary.totals.connectedCalls,
          connectRate: summary.totals.connectRate,
        }
      : null;
    return { date, figures, highlighted: date === highlightDate };
  });
}

/**
 * The day's trend: its 13 stored predecessors and the day itself (from `summary`, which may not
 * be stored yet), the day highlighted. Null when no earlier day has a summary: one bar beside
 * thirteen gaps says nothing a new deployment's reader could use.
 */
export function trendBars(summary: Summary, stored: readonly StoredDay[]): DayBar[] | null {
  const dates = trendDates(summary.date);
  const earlier = stored.filter((day) => day.date !== summary.date);
  const bars = dayBars(
    dates,
    [...earlier, { date: summary.date, summary: { ...summary, partialAsOf: null } }],
    summary,
    summary.date,
  );
  return bars.some((bar) => !bar.highlighted && bar.figures !== null) ? bars : null;
}

/** A bar's height in whole pixels, proportional to `value / max`; at least 1 px for any value above 0. */
export function barHeight(value: number, max: number, pixels: number): number {
  if (value <= 0 || max <= 0) return 0;
  return Math.max(1, Math.round((value / max) * pixels));
}

/** `Earlier days averaged …` for the trend; `Busiest day … quietest …` for a period. */
export function dayBarsCaption(bars: readonly DayBar[]): string {
  const known = bars.filter((bar) => bar.figures !== null);
  const gapNote = known.length < bars.length ? " A – marks a day without a stored report." : "";
  if (bars.some((bar) => bar.highlighted)) {
    const earlier = known.filter((bar) => !bar.highlighted).map((bar) => bar.figures as NonNullable<DayBar["figures"]>);
    const calls = earlier.reduce((sum, day) => sum + day.calls, 0);
    const connected = earlier.reduce((sum, day) => sum + day.connectedCalls, 0);
    const rate = calls > 0 ? ` · ${formatPercent(connected / calls)} connected` : "";
    if (earlier.length === 0) return gapNote.trim();
    const days = `${earlier.length} earlier day${earlier.length === 1 ? "" : "s"}`;
    return `The ${days} with a report averaged ${formatCount(calls / earlier.length)} calls${rate}.${gapNote}`;
  }
  if (known.length === 0) return gapNote.trim();
  const byCalls = [...known].sort((a, b) => (b.figures?.calls ?? 0) - (a.figures?.calls ?? 0));
  const describe = (bar: DayBar) =>
    `${formatDay(bar.date, "EEE d MMM")} (${formatCount(bar.figures?.calls ?? 0)} calls)`;
  const busiest = byCalls[0] as DayBar;
  const quietest = byCalls[byCalls.length - 1] as DayBar;
  return `Busiest day ${describe(busiest)}, quietest ${describe(quietest)}.${gapNote}`;
}

const TEXT_BAR_WIDTH = 16;

/** The bars as text lines: `Mon 4 Aug     1,234  ████████████████  68.2%  ◀ this report`. */
export function dayBarLines(bars: readonly DayBar[]): string[] {
  const max = Math.max(0, ...bars.map((bar) => bar.figures?.calls ?? 0));
  return bars.map((bar) => {
    const day = formatDay(bar.date, "EEE d MMM").padEnd(10);
    const mark = bar.highlighted ? "  ◀ this report" : "";
    if (bar.figures === null) return `  ${day}  ${"–".padStart(7)}  no report stored${mark}`;
    const { calls, connectRate } = bar.figures;
    const blocks = "█".repeat(barHeight(calls, max, TEXT_BAR_WIDTH)).padEnd(TEXT_BAR_WIDTH);
    const rate = connectRate === null ? "" : `  ${formatPercent(connectRate).padStart(6)}`;
    return `  ${day}  ${formatCount(calls).padStart(7)}  ${blocks}${rate}${mark}`.trimEnd();
  });
}

/** The chart as the plain-text part gives it: a title, a line a day, the caption. */
export function dayBarsText(title: string, bars: readonly DayBar[]): string[] {
  const caption = dayBarsCaption(bars);
  return [title, ...dayBarLines(bars), ...(caption ? [`  ${caption}`] : [])];
}
