import { z } from "zod";
import { assertCalendarDate, previousLocalDate, shiftDate } from "./report/window.js";

/** What one invocation should do: report these days, and whether to send again. */
export interface ReportRequest {
  trigger: "schedule" | "manual" | "backfill";
  dates: string[];
  force: boolean;
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

const scheduledEvent = z.object({ scheduledTime: z.iso.datetime({ offset: true }) }).strict();
const manualEvent = z.object({ date: isoDate, force: z.boolean().optional() }).strict();
const backfillEvent = z.object({ from: isoDate, to: isoDate, force: z.boolean().optional() }).strict();

const EXAMPLES =
  'expected {"scheduledTime":"<ISO instant>"}, {"date":"YYYY-MM-DD"} or {"from":"YYYY-MM-DD","to":"YYYY-MM-DD"} (each may add "force":true)';

/**
 * Reads an invocation event. A scheduled run reports "yesterday" relative to the schedule's
 * own time, not the clock, so a retry hours later still reports the right day.
 */
export function parseReportEvent(
  event: unknown,
  options: { timezone: string; maxBackfillDays: number },
): ReportRequest {
  const scheduled = scheduledEvent.safeParse(event);
  if (scheduled.success) {
    return {
      trigger: "schedule",
      dates: [previousLocalDate(new Date(scheduled.data.scheduledTime), options.timezone)],
      force: false,
    };
  }
  const manual = manualEvent.safeParse(event);
  if (manual.success) return { trigger: "manual", dates: [manual.data.date], force: manual.data.force ?? false };

  const backfill = backfillEvent.safeParse(event);
  if (backfill.success) {
    const { from, to } = backfill.data;
    if (from > to) throw new InvalidEventError(`Invalid event: "from" (${from}) is after "to" (${to}) — swap them.`);
    const dates: string[] = [];
    for (let date = from; date <= to; date = shiftDate(date, 1)) {
      dates.push(date);
      if (dates.length > options.maxBackfillDays) {
        throw new InvalidEventError(
          `Invalid event: ${from}..${to} is more than ${options.maxBackfillDays} days — split the backfill into smaller ranges.`,
        );
      }
    }
    return { trigger: "backfill", dates, force: backfill.data.force ?? false };
  }

  // Explain the failure of the shape the event was meant to have (judged by its keys).
  const keys = typeof event === "object" && event !== null ? Object.keys(event) : [];
  const intended = keys.includes("scheduledTime")
    ? scheduled
    : keys.includes("date")
      ? manual
      : keys.includes("from") || keys.includes("to")
        ? backfill
        : null;
  const issue = intended?.error?.issues[0];
  const detail = issue
    ? issue.code === "unrecognized_keys"
      ? `unexpected ${issue.keys.map((key) => `"${key}"`).join(", ")}; `
      : `"${issue.path.join(".")}" ${issue.message}; `
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
