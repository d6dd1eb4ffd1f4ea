/**
 * The dataset in the API's page order: newest date first and, within a date, newest call
 * first (Laravel's `latest()`), optionally filtered — served by index arithmetic, so a page
 * of a million-call day costs what a page of a small one does.
 */
import { shiftDate } from "../lambda/report/window.js";
import type { CallFilter, RawCall } from "./raw-call.js";
import type { SimulatedDataset } from "./simulated-calls.js";

/** Inclusive API dates, `YYYY-MM-DD`. */
export interface DateRange {
  dateFrom: string;
  dateTo: string;
}

/** One date of a range: how many calls match, and which (null when all of them do). */
export interface PlannedDay {
  date: string;
  indexes: Int32Array | null;
  count: number;
}

/** Newest date first; within a date, highest index first. */
export function* plan(dataset: SimulatedDataset, range: DateRange, filter: CallFilter): Generator<PlannedDay> {
  for (let date = range.dateTo; date >= range.dateFrom; date = shiftDate(date, -1)) {
    const indexes = dataset.matching(date, filter);
    yield { date, indexes, count: indexes ? indexes.length : dataset.count(date) };
  }
}

/** The dataset index of the call at `position` (0 = newest) of a planned day. */
export function indexAt(day: PlannedDay, position: number): number {
  return day.indexes ? (day.indexes[day.indexes.length - 1 - position] as number) : day.count - 1 - position;
}

/** Up to `limit` calls after the first `offset` of the range, and the total the paginator reports. */
export function pageOf(
  dataset: SimulatedDataset,
  range: DateRange,
  filter: CallFilter,
  offset: number,
  limit: number,
): { total: number; calls: RawCall[] } {
  const days = [...plan(dataset, range, filter)];
  const total = days.reduce((sum, day) => sum + day.count, 0);
  const calls: RawCall[] = [];
  let skip = offset;
  for (const day of days) {
    if (calls.length >= limit) break;
    if (skip >= day.count) {
      skip -= day.count;
      continue;
    }
    for (let position = skip; position < day.count && calls.length < limit; position++) {
      calls.push(dataset.call(day.date, indexAt(day, position)));
    }
    skip = 0;
  }
  return { total, calls };
}
