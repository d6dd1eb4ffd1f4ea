import { TZDate } from "@date-fns/tz";
import { addDays } from "date-fns/addDays";
import { format } from "date-fns/format";
import { isValid } from "date-fns/isValid";
import { parse } from "date-fns/parse";

/** The report day as a half-open interval of instants: `[start, end)`. */
export interface ReportWindow {
  /** The local calendar day, `YYYY-MM-DD`. */
  date: string;
  /** IANA timezone the day is read in. */
  timezone: string;
  start: Date;
  end: Date;
}

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const API_TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?/;

export class InvalidDateError extends Error {
  override name = "InvalidDateError";
}

export class InvalidTimezoneError extends Error {
  override name = "InvalidTimezoneError";
}

/** True for names the runtime's ICU knows (`Europe/Berlin`, `UTC`), false for `Mars/Base`. */
export function isValidTimezone(timezone: string): boolean {
  if (timezone.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

export function assertTimezone(timezone: string, setting = "timezone"): string {
  if (!isValidTimezone(timezone)) {
    throw new InvalidTimezoneError(
      `${setting} "${timezone}" is not an IANA timezone — use a name like "Europe/Berlin" or "UTC".`,
    );
  }
  return timezone;
}

/** Parses a strict `YYYY-MM-DD` calendar date (rejects `2025-02-30`). */
export function assertCalendarDate(date: string, setting = "date"): string {
  const parsed = DATE_PATTERN.test(date) ? parse(date, "yyyy-MM-dd", new Date(0)) : new Date(Number.NaN);
  if (!isValid(parsed) || format(parsed, "yyyy-MM-dd") !== date) {
    throw new InvalidDateError(`${setting} "${date}" is not a calendar date — use YYYY-MM-DD, e.g. 2025-08-04.`);
  }
  return date;
}

/**
 * The numbers of a `YYYY-MM-DD` date, unchecked: parts that are missing read as 1970-01-01's.
 * Validate first with `assertCalendarDate` where the date comes from outside.
 */
export function calendarParts(date: string): { year: number; month: number; day: number } {
  const [year = 1970, month = 1, day = 1] = date.split("-").map(Number);
  return { year, month, day };
}

function dateParts(date: string): [number, number, number] {
  const { year, month, day } = calendarParts(assertCalendarDate(date));
  return [year, month, day];
}

/**
 * The local calendar day `date` in `timezone` as instants. A spring-forward day is 23 hours
 * long and a fall-back day 25; TZDate resolves local midnight to the right instant for both.
 */
export function reportWindow(date: string, timezone: string): ReportWindow {
  assertTimezone(timezone);
  const [y, m, d] = dateParts(date);
  const start = new Date(new TZDate(y, m - 1, d, 0, 0, 0, 0, timezone).getTime());
  const end = new Date(new TZDate(y, m - 1, d + 1, 0, 0, 0, 0, timezone).getTime());
  return { date, timezone, start, end };
}

/**
 * How long after a day ends it is reported in full: the API writes some calls (and their final
 * status and cost) a few minutes after they happen. The schedule runs later than this (see
 * lib/stage-config.ts), so only a run asked for by hand can meet it.
 */
export const SETTLING_MARGIN_MINUTES = 15;

/**
 * Why `date` cannot be reported in full at `now` — it has not ended in `timezone`, or ended
 * less than `marginMinutes` ago — or null when it can. Says from when it can.
 */
export function unfinishedDayReason(
  date: string,
  timezone: string,
  now: Date,
  marginMinutes = SETTLING_MARGIN_MINUTES,
): string | null {
  const { end } = reportWindow(date, timezone);
  const reportableFrom = new Date(end.getTime() + marginMinutes * 60_000);
  if (now >= reportableFrom) return null;
  const state = now >= end ? `has only just ended in ${timezone}` : `has not ended in ${timezone} yet`;
  const when = format(new TZDate(reportableFrom.getTime(), timezone), "HH:mm 'on' d MMM yyyy");
  return `${date} ${state} (it can be reported from ${when})`;
}

/** Why a report of `date` cannot be made at `now`: the kinds the Lambda and the CLI word their hints for. */
export interface ReportDayProblem {
  kind: "unfinished" | "finished" | "not-started";
  message: string;
}

/**
 * Whether `date` can be reported at `now`: in full once it has ended (plus the margin), as a
 * preview only while it is under way — a preview of a finished day would stand beside the full
 * report, one of a day that has not begun would be an empty report of nothing.
 */
export function reportDayProblem(date: string, timezone: string, now: Date, preview: boolean): ReportDayProblem | null {
  const unfinished = unfinishedDayReason(date, timezone, now);
  if (!preview) return unfinished ? { kind: "unfinished", message: unfinished } : null;
  if (!unfinished) return { kind: "finished", message: `${date} has ended in ${timezone}` };
  if (now < reportWindow(date, timezone).start) {
    return { kind: "not-started", message: `${date} has not begun in ${timezone} yet` };
  }
  return null;
}

/** The calendar day before `date`, or `days` before it. Pure calendar arithmetic, no zone. */
export function shiftDate(date: string, days: number): string {
  const [y, m, d] = dateParts(date);
  return format(addDays(new Date(y, m - 1, d), days), "yyyy-MM-dd");
}

/** "Yesterday" for someone in `timezone` at instant `now`. */
export function previousLocalDate(now: Date, timezone: string): string {
  assertTimezone(timezone);
  return shiftDate(localDate(now, timezone), -1);
}

/** The calendar date of `instant` on a wall clock in `timezone`. */
export function localDate(instant: Date, timezone: string): string {
  return format(new TZDate(instant.getTime(), timezone), "yyyy-MM-dd");
}

/** The wall-clock hour (0–23) of `instant` in `timezone`. */
export function localHour(instant: Date, timezone: string): number {
  return new TZDate(instant.getTime(), timezone).getHours();
}

/**
 * The wall-clock reading of `instant` in `timezone`, encoded as a Date whose UTC fields hold
 * it. Spreadsheet date-times have no zone: this is what makes Excel show the local time.
 */
export function wallClock(instant: Date, timezone: string): Date {
  const local = new TZDate(instant.getTime(), timezone);
  return new Date(
    Date.UTC(
      local.getFullYear(),
      local.getMonth(),
      local.getDate(),
      local.getHours(),
      local.getMinutes(),
      local.getSeconds(),
    ),
  );
}

/**
 * The API dates (inclusive, in the API's timezone) whose calls can fall inside the window.
 * A local day in Tokyo or Los Angeles spans two UTC dates.
 */
export function apiDateRange(window: ReportWindow, apiTimezone: string): { dateFrom: string; dateTo: string } {
  return {
    dateFrom: localDate(window.start, apiTimezone),
    dateTo: localDate(new Date(window.end.getTime() - 1), apiTimezone),
  };
}

/**
 * Reads an API timestamp (`YYYY-MM-DD HH:MM:SS`, no zone in the string) as an instant in
 * `apiTimezone`. Returns null when the string is not a timestamp or not a calendar date
 * (`2025-02-30 10:00:00`). An explicit `Z` or `±HH:MM` (Laravel's default ISO serialisation,
 * `2025-08-04T14:30:00.000000Z`) wins over `apiTimezone`: the string then says its own zone.
 * A wall-clock time that occurs twice in `apiTimezone` (the fall-back hour) reads as the
 * earlier instant; one that never occurs (the spring-forward gap) as the instant after the gap.
 */
export function parseApiTimestamp(value: string, apiTimezone: string): Date | null {
  const match = API_TIMESTAMP_PATTERN.exec(value);
  if (!match) return null;
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const zone = match[7];
  if (h > 23 || mi > 59 || s > 59) return null;
  const asUtc = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 2025-02-30 over to March 2nd; a real date reads back unchanged.
  if (asUtc.getUTCFullYear() !== y || asUtc.getUTCMonth() !== mo - 1 || asUtc.getUTCDate() !== d) return null;
  if (zone === "Z") return asUtc;
  if (zone !== undefined) {
    const sign = zone.startsWith("-") ? -1 : 1;
    const offsetMinutes = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2));
    return new Date(asUtc.getTime() - sign * offsetMinutes * 60_000);
  }
  const instant = new TZDate(y, mo - 1, d, h, mi, s, 0, apiTimezone);
  return Number.isNaN(instant.getTime()) ? null : new Date(instant.getTime());
}

export function isInWindow(instant: Date, window: ReportWindow): boolean {
  const t = instant.getTime();
  return t >= window.start.getTime() && t < window.end.getTime();
}
