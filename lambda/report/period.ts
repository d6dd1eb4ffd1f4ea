/**
 * Report periods: an ISO week (Monday to Sunday) or a calendar month, as a list of calendar
 * dates (`YYYY-MM-DD`) in the report timezone. A period is pure calendar arithmetic; instants
 * come in only through each date's window (window.ts), which is where DST lives: a week over
 * a fall-back change is seven local days and 169 hours, never a 168-hour slice of instants.
 */
import { formatDay } from "./format.js";
import { assertCalendarDate, calendarParts, localDate, type ReportWindow, reportWindow } from "./window.js";

export type PeriodKind = "week" | "month";

export const PERIOD_KINDS: readonly PeriodKind[] = ["week", "month"];

export interface Period {
  kind: PeriodKind;
  /** `2025-W32` (ISO week-year and week) or `2025-08`. */
  label: string;
  firstDate: string;
  lastDate: string;
  /** Every date from firstDate to lastDate, in order: 7 for a week, 28 to 31 for a month. */
  dates: string[];
}

export class InvalidPeriodError extends Error {
  override name = "InvalidPeriodError";
}

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_LABEL = /^(\d{4})-W(\d{2})$/;
const MONTH_LABEL = /^(\d{4})-(\d{2})$/;

// Dates as UTC midnights: calendar arithmetic without the machine's own timezone in the way.
function utcDay(date: string): number {
  const { year, month, day } = calendarParts(assertCalendarDate(date));
  return Date.UTC(year, month - 1, day);
}

function dateOf(utcMs: number): string {
  return new Date(utcMs).toISOString().slice(0, 10);
}

const pad2 = (value: number) => String(value).padStart(2, "0");

/** 1 for Monday … 7 for Sunday. */
function isoWeekday(utcMs: number): number {
  return ((new Date(utcMs).getUTCDay() + 6) % 7) + 1;
}

/** The Monday of ISO week 1 of `isoYear`: the week that holds 4 January. */
function firstIsoMonday(isoYear: number): number {
  const january4 = Date.UTC(isoYear, 0, 4);
  return january4 - (isoWeekday(january4) - 1) * DAY_MS;
}

/** ISO 8601 week-year and week of a date: the year of the week's Thursday (2021-01-01 is 2020-W53). */
export function isoWeekOf(date: string): { isoYear: number; week: number } {
  const day = utcDay(date);
  const thursday = day + (4 - isoWeekday(day)) * DAY_MS;
  const isoYear = new Date(thursday).getUTCFullYear();
  return { isoYear, week: Math.floor((thursday - firstIsoMonday(isoYear)) / (7 * DAY_MS)) + 1 };
}

/** 52 or 53: a year has 53 ISO weeks when 28 December (always in its last week) is in week 53. */
export function isoWeeksInYear(isoYear: number): number {
  return isoWeekOf(`${isoYear}-12-28`).week;
}

function datesFrom(first: number, last: number): string[] {
  const dates: string[] = [];
  for (let day = first; day <= last; day += DAY_MS) dates.push(dateOf(day));
  return dates;
}

function periodOf(kind: PeriodKind, label: string, first: number, last: number): Period {
  return { kind, label, firstDate: dateOf(first), lastDate: dateOf(last), dates: datesFrom(first, last) };
}

function isoWeek(isoYear: number, week: number): Period {
  const monday = firstIsoMonday(isoYear) + (week - 1) * 7 * DAY_MS;
  return periodOf("week", `${isoYear}-W${pad2(week)}`, monday, monday + 6 * DAY_MS);
}

function calendarMonth(year: number, month: number): Period {
  const first = Date.UTC(year, month - 1, 1);
  // Day 0 of the next month is this month's last day: 28, 29, 30 or 31.
  const last = Date.UTC(year, month, 0);
  return periodOf("month", `${year}-${pad2(month)}`, first, last);
}

/** The week or month `date` falls in. */
export function periodContaining(kind: PeriodKind, date: string): Period {
  if (kind === "week") {
    const { isoYear, week } = isoWeekOf(date);
    return isoWeek(isoYear, week);
  }
  const { year, month } = calendarParts(assertCalendarDate(date));
  return calendarMonth(year, month);
}

/** The period just before `period`: the week before, or the month before. */
export function previousPeriod(period: Period): Period {
  return periodContaining(period.kind, dateOf(utcDay(period.firstDate) - DAY_MS));
}

/**
 * The last period that has ended by `date`: the one before the period holding `date`. On a
 * Monday that is the week that ended the day before; on the 1st, the previous month.
 */
export function previousFinishedPeriod(kind: PeriodKind, date: string): Period {
  return previousPeriod(periodContaining(kind, date));
}

/**
 * The last period that has ended in `timezone` at `now` (the scheduled run's default). Only
 * calendar days count: the caller's settling margin (window.ts) applies to the last date.
 */
export function lastFinishedPeriod(kind: PeriodKind, now: Date, timezone: string): Period {
  return previousFinishedPeriod(kind, localDate(now, timezone));
}

/**
 * The same period a year earlier: the same month of the previous year, or the same ISO week
 * number of the previous ISO week-year — null for week 53 when that year had only 52 weeks.
 */
export function samePeriodLastYear(period: Period): Period | null {
  const parsed = parsePeriodLabel(period.label);
  if (period.kind === "month") return calendarMonth(parsed.year - 1, parsed.number);
  return parsed.number <= isoWeeksInYear(parsed.year - 1) ? isoWeek(parsed.year - 1, parsed.number) : null;
}

function parsePeriodLabel(label: string): { kind: PeriodKind; year: number; number: number } {
  const week = WEEK_LABEL.exec(label);
  if (week) return { kind: "week", year: Number(week[1]), number: Number(week[2]) };
  const month = MONTH_LABEL.exec(label);
  if (month) return { kind: "month", year: Number(month[1]), number: Number(month[2]) };
  throw new InvalidPeriodError(`Period "${label}" is neither a week like 2025-W32 nor a month like 2025-08.`);
}

/** The period a label names (`2025-W32`, `2025-08`); InvalidPeriodError for `2025-W54` or `2025-13`. */
export function periodFromLabel(label: string): Period {
  const { kind, year, number } = parsePeriodLabel(label);
  if (kind === "week") {
    if (number < 1 || number > isoWeeksInYear(year)) {
      throw new InvalidPeriodError(`Week "${label}" does not exist: ${year} has ${isoWeeksInYear(year)} ISO weeks.`);
    }
    return isoWeek(year, number);
  }
  if (number < 1 || number > 12) throw new InvalidPeriodError(`Month "${label}" does not exist.`);
  return calendarMonth(year, number);
}

/** Each date's report window in `timezone`, in order: together they cover the period exactly. */
export function periodWindows(period: Period, timezone: string): ReportWindow[] {
  return period.dates.map((date) => reportWindow(date, timezone));
}

/** `[start of the first day, end of the last day)` in `timezone`: the instants the period covers. */
export function periodWindow(period: Period, timezone: string): ReportWindow {
  const first = reportWindow(period.firstDate, timezone);
  const last = reportWindow(period.lastDate, timezone);
  return { date: period.firstDate, timezone, start: first.start, end: last.end };
}

/** File names' middle part: `week-2025-W32`, `month-2025-08`. */
export function periodFileStem(period: Pick<Period, "kind" | "label">): string {
  return `${period.kind}-${period.label}`;
}

/** For people: `week 2025-W32, Mon 4 Aug – Sun 10 Aug 2025` or `August 2025`. */
export function periodTitle(period: Period): string {
  if (period.kind === "month") return formatDay(period.firstDate, "MMMM yyyy");
  return `week ${period.label}, ${formatDay(period.firstDate, "EEE d MMM")} – ${formatDay(period.lastDate)}`;
}
