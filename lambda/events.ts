import { z } from "zod";
import { lastFinishedPeriod, type Period, periodContaining } from "./report/period.js";
import { DEFAULT_REPORT_NAME } from "./report/report-definition.js";
import {
  assertCalendarDate,
  previousLocalDate,
  type ReportDayProblem,
  reportDayProblem,
  shiftDate,
  unfinishedDayReason,
} from "./report/window.js";

/** What one invocation should do: report these days, and whether to send again. */
export interface ReportRequest {
  trigger: "schedule" | "manual" | "backfill";
  dates: string[];
  force: boolean;
  /** A partial report of a day not over yet: stored apart, and never counted as the day's email. */
  preview: boolean;
  /** Only these of the stage's reports (a manual run or backfill may name them); null for all. */
  reports: string[] | null;
  /** A weekly or monthly report (#18) of this period instead of days (`dates` is then empty). */
  period?: Period;
}

export class InvalidEventError extends Error {
  override name = "InvalidEventError";
}

const isoDate = z.string().refine(
  (value) => {
    try {
      assertCalendarDate(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: "must be a calendar date YYYY-MM-DD" },
);

const periodKind = z.enum(["week", "month"], { message: 'must be "week" or "month"' });
const scheduledEvent = z
  .object({ scheduledTime: z.iso.datetime({ offset: true }), period: periodKind.optional() })
  .strict();
const reportNames = z
  .array(z.string(), { message: 'must be a list of report names, e.g. ["sales"]' })
  .min(1, { message: "is empty — leave it out to run every report" });
const manualEvent = z
  .object({
    date: isoDate,
    force: z.boolean().optional(),
    preview: z.boolean().optional(),
    reports: reportNames.optional(),
  })
  .strict();
const periodEvent = z
  .object({
    period: periodKind,
    date: isoDate.optional(),
    force: z.boolean().optional(),
    reports: reportNames.optional(),
  })
  .strict();
const backfillEvent = z
  .object({ from: isoDate, to: isoDate, force: z.boolean().optional(), reports: reportNames.optional() })
  .strict();

const EXAMPLES =
  'expected {"scheduledTime":"<ISO instant>"}, {"date":"YYYY-MM-DD"}, {"from":"YYYY-MM-DD","to":"YYYY-MM-DD"} or {"period":"week"|"month"} (each but the first may add "force":true and "reports":["name", …]; a manual day "preview":true, a period "date" naming a day inside it)';

/** Refuses a name the stage has no report of, naming the ones it has. */
function knownReports(names: string[] | undefined, known: readonly string[]): string[] | null {
  if (names === undefined) return null;
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new InvalidEventError(
      `Invalid event: "reports" names ${unknown.map((name) => `"${name}"`).join(", ")}, which this stage does not have — its reports are ${known.map((name) => `"${name}"`).join(", ")}.`,
    );
  }
  return [...new Set(names)];
}

const EVENT_HINTS: Record<ReportDayProblem["kind"], string> = {
  unfinished: 'pick an earlier date, or add "preview":true for a partial report',
  finished: 'leave out "preview" to report the full day',
  "not-started": "a preview shows a day under way; pick today or an earlier date",
};

/**
 * Reads an invocation event. A scheduled run reports "yesterday" relative to the schedule's
 * own time, not the clock, so a retry hours later still reports the right day. A day that has
 * not ended at `now` (plus the settling margin) is refused unless a manual event asks for a
 * preview: reported as if complete, it would take the day's one email.
 */
export function parseReportEvent(
  event: unknown,
  options: {
    timezone: string;
    maxBackfillDays: number;
    now: Date;
    /** The stage's reports; default the single `daily` one. */
    reportNames?: readonly string[];
  },
): ReportRequest {
  const { timezone, now } = options;
  const scheduled = scheduledEvent.safeParse(event);
  if (scheduled.success && scheduled.data.period !== undefined) {
    // The last period that ended before the schedule's own time: a retry hours later reports the same one.
    const period = lastFinishedPeriod(scheduled.data.period, new Date(scheduled.data.scheduledTime), timezone);
    const unfinished = unfinishedDayReason(period.lastDate, timezone, now, 0);
    if (unfinished) throw new InvalidEventError(`Invalid event: ${unfinished} — a schedule cannot report the future.`);
    return { trigger: "schedule", dates: [], force: false, preview: false, reports: null, period };
  }
  if (scheduled.success) {
    const date = previousLocalDate(new Date(scheduled.data.scheduledTime), timezone);
    // The stage puts the schedule past the margin; a schedule is never refused for it (margin 0).
    const unfinished = unfinishedDayReason(date, timezone, now, 0);
    if (unfinished) throw new InvalidEventError(`Invalid event: ${unfinished} — a schedule cannot report the future.`);
    return { trigger: "schedule", dates: [date], force: false, preview: false, reports: null };
  }
  const manual = manualEvent.safeParse(event);
  if (manual.success) {
    const { date, force = false, preview = false } = manual.data;
    const problem = reportDayProblem(date, timezone, now, preview);
    if (problem) throw new InvalidEventError(`Invalid event: ${problem.message} — ${EVENT_HINTS[problem.kind]}.`);
    const reports = knownReports(manual.data.reports, options.reportNames ?? [DEFAULT_REPORT_NAME]);
    return { trigger: "manual", dates: [date], force, preview, reports };
  }

  const asked = periodEvent.safeParse(event);
  if (asked.success) {
    const { date, force = false } = asked.data;
    const period = date
      ? periodContaining(asked.data.period, date)
      : lastFinishedPeriod(asked.data.period, now, timezone);
    const unfinished = unfinishedDayReason(period.lastDate, timezone, now);
    if (unfinished) {
      throw new InvalidEventError(
        `Invalid event: the ${period.kind} ${period.label} ends on ${period.lastDate}, and ${unfinished} — name a day of an earlier ${period.kind}.`,
      );
    }
    const reports = knownReports(asked.data.reports, options.reportNames ?? [DEFAULT_REPORT_NAME]);
    return { trigger: "manual", dates: [], force, preview: false, reports, period };
  }

  const backfill = backfillEvent.safeParse(event);
  if (backfill.success) {
    const { from, to } = backfill.data;
    if (from > to) throw new InvalidEventError(`Invalid event: "from" (${from}) is after "to" (${to}) — swap them.`);
    // Checked before anything runs: a backfill either reports every day in full or nothing.
    const unfinished = unfinishedDayReason(to, timezone, now);
    if (unfinished)
      throw new InvalidEventError(`Invalid event: "to": ${unfinished} — end the backfill on an earlier day.`);
    const dates: string[] = [];
    for (let date = from; date <= to; date = shiftDate(date, 1)) {
      dates.push(date);
      if (dates.length > options.maxBackfillDays) {
        throw new InvalidEventError(
          `Invalid event: ${from}..${to} is more than ${options.maxBackfillDays} days — split the backfill into smaller ranges.`,
        );
      }
    }
    const reports = knownReports(backfill.data.reports, options.reportNames ?? [DEFAULT_REPORT_NAME]);
    return { trigger: "backfill", dates, force: backfill.data.force ?? false, preview: false, reports };
  }

  // Explain the failure of the shape the event was meant to have (judged by its keys).
  const keys = typeof event === "object" && event !== null ? Object.keys(event) : [];
  const intended = keys.includes("scheduledTime")
    ? scheduled
    : keys.includes("period")
      ? asked
      : keys.includes("date")
        ? manual
        : keys.includes("from") || keys.includes("to")
          ? backfill
          : null;
  const issue = intended?.error?.issues[0];
  const detail = issue
    ? issue.code === "unrecognized_keys"
      ? `unexpected ${issue.keys.map((key) => `"${key}"`).join(", ")}; `
      : `"${z.core.toDotPath(issue.path)}" ${issue.message}; `
    : "";
  throw new InvalidEventError(`Invalid event: ${detail}${EXAMPLES}.`);
}

const typeName = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

/**
 * An event's shape for a log line: its keys and their value types, never the values, which
 * could hold anything someone pasted into a manual invocation.
 */
export function eventShape(event: unknown): Record<string, string> | string {
  if (typeName(event) !== "object") return typeName(event);
  return Object.fromEntries(Object.entries(event as object).map(([key, value]) => [key, typeName(value)]));
}
