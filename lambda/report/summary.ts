import { TZDate } from "@date-fns/tz";
import { format } from "date-fns/format";
import type { SummaryReport } from "./report-definition.js";

/**
 * `summary-YYYY-MM-DD.json`: the stable, machine-readable result of one report day.
 * Additive changes keep `schemaVersion`; renames or removals bump it. Version 2 added `exact`,
 * what merging days into a week or month needs (period-merge.ts); version 1 summaries are still
 * read (stored-summary.ts). Documented in docs/summary-schema.md. Money appears twice: exact integer micro-dollars (`…Micros`) for
 * tools that re-add, and USD numbers (`micros / 1e6`, not rounded) for people and sheets.
 */
export const SUMMARY_SCHEMA_VERSION = 2;

/**
 * Appended to a preview's file names (`summary-2026-12-01-preview.json`): a preview is never
 * stored where the finished day's report lives, nor read back as an earlier day's summary.
 */
export const PREVIEW_SUFFIX = "-preview";

/** `summary-YYYY-MM-DD.json` (or `…-preview.json`), wherever the summary is stored. */
export const summaryFileName = (date: string, preview = false) =>
  `summary-${date}${preview ? PREVIEW_SUFFIX : ""}.json`;

/** A partial day's label for subject and sheet — `partial day as of 14:05` — or null for a finished day. */
export function partialDayLabel(summary: Pick<Summary, "date" | "timezone" | "partialAsOf">): string | null {
  if (!summary.partialAsOf) return null;
  const asOf = new TZDate(new Date(summary.partialAsOf).getTime(), summary.timezone);
  // A preview asked for in the minutes after midnight is as of the next day.
  const sameDay = format(asOf, "yyyy-MM-dd") === summary.date;
  return `partial day as of ${format(asOf, sameDay ? "HH:mm" : "d MMM HH:mm")}`;
}

/** A day without calls: the email says so briefly, or is not sent when the empty-day setting says skip. */
export function isEmptyDay(summary: Pick<Summary, "totals">): boolean {
  return summary.totals.calls === 0;
}

/** value → number of calls, e.g. `{ completed: 812, "no-answer": 301 }`. */
export type Counts = Record<string, number>;

export interface GroupStats {
  /** Assistant or campaign name; calls without a campaign are grouped as `(no campaign)`. */
  name: string;
  calls: number;
  connectedCalls: number;
  durationSeconds: number;
  totalCost: number;
  totalCostMicros: number;
  byOutcome: Counts;
  /** Mean evaluation score over this group's calls that have one; null when none has. */
  averageScore: number | null;
}

export interface Totals {
  calls: number;
  /** Calls with duration > 0. */
  connectedCalls: number;
  /** connectedCalls / calls; null on an empty day. */
  connectRate: number | null;
  /** Calls with `answered_by = human`. */
  humanAnswered: number;
  /** humanAnswered / calls; null on an empty day. */
  humanRate: number | null;
  /** Talk time: the sum of all durations, in seconds. */
  durationSeconds: number;
  /** Over connected calls; null when there are none. */
  averageDurationSeconds: number | null;
  medianDurationSeconds: number | null;
  p90DurationSeconds: number | null;
  totalCost: number;
  carrierCost: number;
  /** totalCost − carrierCost: what the platform charged on top of telephony. */
  platformCost: number;
  totalCostMicros: number;
  carrierCostMicros: number;
  platformCostMicros: number;
  /** totalCost / calls; null on an empty day. */
  costPerCall: number | null;
  /** totalCost / connected minutes; null when no call connected. */
  costPerConnectedMinute: number | null;
}

export interface DataQuality {
  /** Call rows received from the API, duplicates included. */
  received: number;
  /** Rows dropped because their id had been seen (page drift). */
  duplicates: number;
  /** Unique calls from the fetched API dates whose instant is outside the local day. */
  outsideWindow: number;
  /** The API's `total` for the fetched date range. */
  apiTotal: number;
  /** Calls in the window without an evaluation object. */
  missingEvaluations: number;
  pages: number;
  requests: number;
  retries: number;
  rateLimited: number;
  refetches: number;
}

/** One headline KPI against an earlier day. */
export interface Delta {
  current: number | null;
  previous: number | null;
  /** current − previous; null when either is null. */
  change: number | null;
  /** change / previous; null when previous is 0 or null. */
  changeRatio: number | null;
}

export const HEADLINE_KPIS = [
  "calls",
  "connectedCalls",
  "connectRate",
  "durationSeconds",
  "totalCost",
  "averageScore",
] as const;
export type HeadlineKpi = (typeof HEADLINE_KPIS)[number];

export interface Comparison {
  /** The earlier report day compared against. */
  date: string;
  deltas: Record<HeadlineKpi, Delta>;
}

/** A group's exact sums, which `GroupStats` shows rounded: what a merge of days adds up. */
export interface ExactGroupSums {
  /** The `GroupStats.name` these sums belong to. */
  name: string;
  /** Talk time of connected calls, exactly, as a decimal string (`"1234"`, `"12.5"`; exact-sum.ts). */
  durationSeconds: string;
  /** Sum of the scores of scored calls, exactly, as a decimal string. */
  scoreSum: string;
  /** Calls whose score counted. */
  scoredCalls: number;
}

/**
 * Schema version 2: the numbers behind the day's rounded ones, so that days merged into a week
 * or a month give exactly what one pass over the period's calls gives (period-merge.ts).
 */
export interface SummaryExact {
  /** `totals.durationSeconds` before rounding. */
  durationSeconds: string;
  /** The sum behind `averageScore` (`scoreSum / scoredCalls`). */
  scoreSum: string;
  /**
   * The duration histogram: connected calls' durations as `[seconds, count]`, ascending, one
   * pair per distinct value — exact, so a period's median and p90 are exact too.
   */
  durations: [number, number][];
  /** One per `assistants[]` entry, in the same order. */
  assistants: ExactGroupSums[];
  /** One per `campaigns[]` entry, in the same order. */
  campaigns: ExactGroupSums[];
}

export interface Summary {
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  /** The local report day, `YYYY-MM-DD`. */
  date: string;
  /** IANA timezone the day is read in. */
  timezone: string;
  /** `[start, end)` as ISO instants (UTC). 23 or 25 hours long on DST days. */
  window: { start: string; end: string };
  /** Timezone the API's timestamps and date filters were read in. */
  apiTimezone: string;
  /** ISO instant the summary was computed. */
  generatedAt: string;
  /**
   * A preview of a day that had not ended: the ISO instant its calls were fetched up to.
   * Null (or absent, in summaries written before previews existed) for a finished day.
   */
  partialAsOf?: string | null;
  filters: { assistantId: number | null; campaignId: number | null; type: string | null; status: string | null };
  /**
   * A named report of a stage's `reports` (#17): its name, title and filter lists (`filters` above
   * holds a value only where a list has exactly one). Absent for a stage's single default report.
   */
  report?: SummaryReport;
  totals: Totals;
  byStatus: Counts;
  byType: Counts;
  byAnsweredBy: Counts;
  /** Evaluation outcome; calls without one count under `(none)`. */
  byOutcome: Counts;
  /** Evaluation sentiment; calls without one count under `(none)`. */
  bySentiment: Counts;
  /** Mean evaluation score (0–10) over calls that have one; null when none has. */
  averageScore: number | null;
  scoredCalls: number;
  /** Sorted by calls, descending, then name. */
  assistants: GroupStats[];
  campaigns: GroupStats[];
  /** 24 counts by local clock hour (the repeated fall-back hour lands in its hour once per call). */
  hourly: number[];
  dataQuality: DataQuality;
  comparison: { previousDay: Comparison | null; sameWeekdayLastWeek: Comparison | null };
  /** Since version 2. */
  exact: SummaryExact;
}

/** A summary stored by a build before version 2: everything but `exact`. */
export type SummaryV1 = Omit<Summary, "schemaVersion" | "exact"> & { schemaVersion: 1 };

/** A stored daily summary of any version this build reads (stored-summary.ts checks one). */
export type StoredSummary = Summary | SummaryV1;
