/**
 * Small formatting and arithmetic rules the email, the workbook and the aggregation share,
 * written once so that a day reads the same everywhere.
 */
import { format } from "date-fns/format";
import { calendarParts } from "./window.js";

/** A calendar date (`2025-08-04`) as `Mon 4 Aug 2025`; calendar arithmetic, no zone involved. */
export function formatDay(date: string, pattern = "EEE d MMM yyyy"): string {
  const { year, month, day } = calendarParts(date);
  return format(new Date(year, month - 1, day), pattern);
}

/** `count` as a fraction of `total`; null when there is nothing to divide by. */
export function share(count: number, total: number): number | null {
  return total > 0 ? count / total : null;
}
