import { isValidTimezone, SETTLING_MARGIN_MINUTES } from "../lambda/report/window.js";

/**
 * When a scheduled run may happen: its local time (format, and the two times that cannot be it), the
 * weekday of a weekly run and the day of a monthly one. Checked by the stage config (with the cdk.json
 * key) and by ReportSchedule itself (with its construct path).
 */

/** "HH:MM", 24-hour. */
export const SCHEDULE_TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
export const SCHEDULE_TIME_FORMAT_MESSAGE = 'needs a 24-hour local time "HH:MM", e.g. "06:30"';

/** A weekly run's day, as written in cdk.json; any works, since the run reports the previous ISO week. */
export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const WEEKDAY_MESSAGE = `needs one of ${WEEKDAYS.map((day) => `"${day}"`).join(", ")} (lower case)`;

/** The last day of the month a monthly run may be on: every month has it. */
export const LAST_MONTHLY_DAY = 28;

/**
 * Why `day` cannot be a monthly run's day of the month, or undefined. EventBridge Scheduler skips a month
 * that has no such day (a "31" runs seven times a year), and the run reports the previous month whatever
 * day it runs on.
 */
export function monthlyDayProblem(day: number): string | undefined {
  if (!Number.isInteger(day) || day < 1 || day > 31) {
    return `is ${day}; it needs a whole number from 1 to ${LAST_MONTHLY_DAY}`;
  }
  if (day > LAST_MONTHLY_DAY) {
    return `is ${day}, and not every month has a ${day}${day === 31 ? "st" : "th"} (Scheduler would skip the months without one) — pick 1 to ${LAST_MONTHLY_DAY}; the run reports the previous calendar month whichever day it runs`;
  }
  return undefined;
}

/**
 * Why `time` ("HH:MM", already in that format) cannot be a scheduled run's time in `timezone`:
 * too soon after midnight for the previous day to have settled, or skipped when clocks spring
 * forward within two years from `from`. Empty when it can.
 */
export function scheduleTimeProblems(time: string, timezone: string, from: Date): string[] {
  const problems: string[] = [];
  if (minuteOfDay(time) < SETTLING_MARGIN_MINUTES) {
    problems.push(
      `"${time}" is less than ${SETTLING_MARGIN_MINUTES} minutes after midnight, while the API still writes the previous day's last calls — pick "${hhmm(SETTLING_MARGIN_MINUTES)}" or later`,
    );
  }
  if (!isValidTimezone(timezone)) return problems;
  const gap = springForwardGapContaining(timezone, time, from);
  if (gap !== undefined) {
    problems.push(
      `"${time}" does not exist in ${timezone} on the day clocks spring forward ` +
        `(${gap.from}–${gap.to} is skipped) and EventBridge Scheduler skips that day's run — pick a time outside it`,
    );
  }
  return problems;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** UTC offset of `timezone` at `instantMs`, in minutes (from the wall clock Intl shows for that instant). */
function utcOffsetMinutes(format: Intl.DateTimeFormat, instantMs: number): number {
  const part = (parts: Intl.DateTimeFormatPart[], type: string) => Number(parts.find((p) => p.type === type)?.value);
  const parts = format.formatToParts(instantMs);
  const wallMs = Date.UTC(
    part(parts, "year"),
    part(parts, "month") - 1,
    part(parts, "day"),
    part(parts, "hour") % 24,
    part(parts, "minute"),
  );
  return Math.round((wallMs - Math.floor(instantMs / MINUTE_MS) * MINUTE_MS) / MINUTE_MS);
}

const minuteOfDay = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60) % 24).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/**
 * The skipped wall-clock span containing `time` when clocks jump forward in `timezone` within two years
 * from `from`, or undefined. EventBridge Scheduler skips a cron run whose local time does not exist.
 */
export function springForwardGapContaining(
  timezone: string,
  time: string,
  from: Date,
): { from: string; to: string } | undefined {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
  });
  const target = minuteOfDay(time);
  const start = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS;
  let before = utcOffsetMinutes(format, start);
  // Offsets change at most a few times a year: sample daily, then narrow each forward jump to the minute.
  for (let instant = start + DAY_MS; instant <= start + 2 * 366 * DAY_MS; instant += DAY_MS) {
    const after = utcOffsetMinutes(format, instant);
    if (after > before) {
      let low = instant - DAY_MS;
      let high = instant;
      while (high - low > MINUTE_MS) {
        const middle = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
        if (utcOffsetMinutes(format, middle) === before) low = middle;
        else high = middle;
      }
      const gapStart = (((high / MINUTE_MS + before) % 1440) + 1440) % 1440;
      const gapLength = after - before;
      if ((target - gapStart + 1440) % 1440 < gapLength)
        return { from: hhmm(gapStart), to: hhmm(gapStart + gapLength) };
    }
    before = after;
  }
  return undefined;
}
