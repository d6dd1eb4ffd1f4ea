/**
 * A week or a month merged from its stored daily summaries, without calling the API again.
 * Each day becomes a partial aggregate (partial-aggregate.ts) of the period and the day
 * aggregator adds them up, so a period of version-2 days gives exactly what one pass over the
 * period's calls gives: counts, money, exact sums, and medians from the merged histograms.
 *
 * Version-1 days (stored before the exact sums) merge too. Counts, money, hourly and talk time
 * stay exact (a day's talk time is stored rounded once, which is exact for whole seconds); what
 * a version-1 day cannot give exactly is approximated and named in `approximate`:
 *   - its duration histogram: ⌈n/2⌉ connected calls at its median and the rest at its p90,
 *     which keeps the day's own median and p90 but not its spread;
 *   - its score sum: averageScore × scoredCalls, rounded;
 *   - a group's scored calls (version 1 stored none per group): the day's scored calls shared
 *     out by the group's calls.
 */
import { type AggregatorOptions, DayAggregator, type PartialAggregate } from "./aggregate.js";
import type { FetchStats } from "./call.js";
import { compareSummaries, incomparableReason, sameFilters } from "./compare.js";
import { ExactSum } from "./exact-sum.js";
import type { CountEntries, PartialGroup, PartialScope } from "./partial-aggregate.js";
import { PARTIAL_AGGREGATE_VERSION } from "./partial-aggregate.js";
import { type Period, periodWindow, previousPeriod, samePeriodLastYear } from "./period.js";
import { isExactSummary } from "./stored-summary.js";
import type { Comparison, Counts, ExactGroupSums, GroupStats, StoredSummary, Summary } from "./summary.js";

/** A comparison with an earlier period: `date` is its first date, `label` names it. */
export interface PeriodComparison extends Comparison {
  label: string;
}

export interface PeriodReport {
  period: Period;
  /**
   * The period as one summary, of the daily type so that every renderer of a day renders it:
   * `date` is the period's first date, `window` runs from the first day's start to the last
   * day's end, `dataQuality` adds up the days'. Its `comparison` (previous day, same weekday)
   * is empty: a period's comparisons are in `comparison` below.
   */
  summary: Summary;
  /** One per date of the period, in order, as stored (version 1 or 2). */
  days: Array<{ date: string; summary: StoredSummary }>;
  /**
   * Fields of `summary` that are approximate because some days are version 1, as paths
   * (`totals.medianDurationSeconds`, `assistants[].averageScore`); empty when all is exact.
   * The `exact` block of such a summary carries the same approximations.
   */
  approximate: string[];
  /** Calls per local clock hour of each day: the day × hour grid, one row per date, in order. */
  dayByHour: Array<{ date: string; hourly: number[] }>;
  comparison: { previousPeriod: PeriodComparison | null; samePeriodLastYear: PeriodComparison | null };
}

/** An earlier period to compare with: a merged report, or one read back from where it was stored. */
export type EarlierPeriod = Pick<PeriodReport, "period" | "summary">;

export interface MergeOptions {
  /** The time the period summary is computed. */
  generatedAt: Date;
  /** The period before (null or absent when none is stored). */
  previousPeriod?: EarlierPeriod | null;
  /** The same period a year earlier (null or absent when none is stored or none exists). */
  samePeriodLastYear?: EarlierPeriod | null;
}

/** The days given cannot make the period: missing, repeated, foreign or incompatible days. */
export class PeriodMergeError extends Error {
  override name = "PeriodMergeError";
}

/** The days in the period's order; throws when the set is not exactly the period's dates. */
function daysInOrder(period: Period, days: StoredSummary[]): StoredSummary[] {
  const byDate = new Map<string, StoredSummary>();
  for (const day of days) {
    if (!period.dates.includes(day.date)) {
      throw new PeriodMergeError(`${day.date} is not a day of ${period.kind} ${period.label}.`);
    }
    if (byDate.has(day.date)) throw new PeriodMergeError(`${day.date} was given twice for ${period.label}.`);
    if (day.partialAsOf) {
      throw new PeriodMergeError(`${day.date} is a preview of an unfinished day; a period merges finished days only.`);
    }
    byDate.set(day.date, day);
  }
  const missing = period.dates.filter((date) => !byDate.has(date));
  if (missing.length > 0) {
    throw new PeriodMergeError(
      `${period.kind} ${period.label} lacks the summaries of ${missing.join(", ")}: build those days first — a period never silently misses a day.`,
    );
  }
  const ordered = period.dates.map((date) => byDate.get(date) as StoredSummary);
  const first = ordered[0] as StoredSummary;
  for (const day of ordered) {
    if (day.timezone !== first.timezone || !sameFilters(day, first)) {
      throw new PeriodMergeError(
        `${day.date} was reported in ${day.timezone} with filters ${JSON.stringify(day.filters)}, ${first.date} in ${first.timezone} with ${JSON.stringify(first.filters)}; a period adds up days counted the same way — rebuild the odd day.`,
      );
    }
  }
  return ordered;
}

function exactOf(value: number): string {
  const sum = new ExactSum();
  sum.add(value);
  return sum.toString();
}

function entries(counts: Counts): CountEntries {
  return Object.entries(counts).filter(([, count]) => count > 0);
}

/** A version-1 day's histogram stand-in: keeps its median and p90 (see the module comment). */
function approximateDurations(day: StoredSummary): [number, number][] {
  const { connectedCalls: n, medianDurationSeconds: median, p90DurationSeconds: p90 } = day.totals;
  if (n === 0 || median === null || p90 === null) return [];
  const lower = Math.ceil(n / 2);
  if (p90 <= median || lower === n) return [[median, n]];
  return [
    [median, lower],
    [p90, n - lower],
  ];
}

/** A version-1 group's sums, estimated where version 1 stored none. */
function approximateGroupSums(day: StoredSummary, group: GroupStats): ExactGroupSums {
  let scoredCalls = 0;
  if (group.averageScore !== null && day.totals.calls > 0) {
    const share = Math.round((day.scoredCalls * group.calls) / day.totals.calls);
    scoredCalls = Math.min(group.calls, Math.max(1, share));
  }
  return {
    name: group.name,
    durationSeconds: exactOf(group.durationSeconds),
    scoreSum: exactOf((group.averageScore ?? 0) * scoredCalls),
    scoredCalls,
  };
}

function partialGroup(group: GroupStats, sums: ExactGroupSums): PartialGroup {
  return {
    name: group.name,
    calls: group.calls,
    connectedCalls: group.connectedCalls,
    durationSeconds: sums.durationSeconds,
    totalCostMicros: group.totalCostMicros,
    scoreSum: sums.scoreSum,
    scoredCalls: sums.scoredCalls,
    byOutcome: entries(group.byOutcome),
  };
}

/** A stored day as a part of the period, for DayAggregator.absorb. */
function dayAsPart(day: StoredSummary, scope: PartialScope): PartialAggregate {
  const exact = isExactSummary(day) ? day.exact : null;
  const groupParts = (groups: GroupStats[], sums: ExactGroupSums[] | undefined) =>
    groups.map((group, index) => partialGroup(group, sums?.[index] ?? approximateGroupSums(day, group)));
  const all: GroupStats = {
    name: "(all)",
    calls: day.totals.calls,
    connectedCalls: day.totals.connectedCalls,
    durationSeconds: day.totals.durationSeconds,
    totalCost: day.totals.totalCost,
    totalCostMicros: day.totals.totalCostMicros,
    byOutcome: day.byOutcome,
    averageScore: day.averageScore,
  };
  return {
    version: PARTIAL_AGGREGATE_VERSION,
    scope,
    all: partialGroup(all, {
      name: all.name,
      durationSeconds: exact?.durationSeconds ?? exactOf(day.totals.durationSeconds),
      scoreSum: exact?.scoreSum ?? exactOf((day.averageScore ?? 0) * day.scoredCalls),
      scoredCalls: day.scoredCalls,
    }),
    assistants: groupParts(day.assistants, exact?.assistants),
    campaigns: groupParts(day.campaigns, exact?.campaigns),
    humanAnswered: day.totals.humanAnswered,
    carrierCostMicros: day.totals.carrierCostMicros,
    outsideWindow: day.dataQuality.outsideWindow,
    missingEvaluations: day.dataQuality.missingEvaluations,
    durations: exact?.durations ?? approximateDurations(day),
    byStatus: entries(day.byStatus),
    byType: entries(day.byType),
    byAnsweredBy: entries(day.byAnsweredBy),
    bySentiment: entries(day.bySentiment),
    hourly: [...day.hourly],
    variableKeys: [],
    evaluationKeys: [],
  };
}

function summedFetchStats(days: StoredSummary[]): FetchStats {
  const sum = (field: keyof FetchStats) => days.reduce((total, day) => total + day.dataQuality[field], 0);
  return {
    pages: sum("pages"),
    requests: sum("requests"),
    retries: sum("retries"),
    rateLimited: sum("rateLimited"),
    received: sum("received"),
    duplicates: sum("duplicates"),
    apiTotal: sum("apiTotal"),
    refetches: sum("refetches"),
  };
}

/** The paths of the merged summary's fields that version-1 days make approximate. */
function approximateFields(days: StoredSummary[]): string[] {
  const v1 = days.filter((day) => !isExactSummary(day));
  const fractional = (seconds: number) => !Number.isInteger(seconds);
  const fields: string[] = [];
  const when = (condition: boolean, ...paths: string[]) => {
    if (condition) fields.push(...paths);
  };
  when(
    v1.some((day) => fractional(day.totals.durationSeconds)),
    "totals.durationSeconds",
    "totals.averageDurationSeconds",
    "totals.costPerConnectedMinute",
  );
  when(
    v1.some((day) => day.totals.connectedCalls > 0),
    "totals.medianDurationSeconds",
    "totals.p90DurationSeconds",
  );
  when(
    v1.some((day) => day.scoredCalls > 0),
    "averageScore",
  );
  for (const list of ["assistants", "campaigns"] as const) {
    when(
      v1.some((day) => day[list].some((group) => fractional(group.durationSeconds))),
      `${list}[].durationSeconds`,
    );
    when(
      v1.some((day) => day[list].some((group) => group.averageScore !== null)),
      `${list}[].averageScore`,
    );
  }
  return fields;
}

function periodComparison(
  current: EarlierPeriod,
  earlier: EarlierPeriod | null | undefined,
  expected: Period | null,
): PeriodComparison | null {
  if (!earlier || expected === null) return null;
  if (earlier.period.kind !== expected.kind || earlier.period.label !== expected.label) return null;
  if (incomparableReason(current.summary, earlier.summary, expected.firstDate) !== null) return null;
  return { ...compareSummaries(current.summary, earlier.summary), label: expected.label };
}

/**
 * Merges the stored summaries of every day of `period` (any order, each exactly once) into the
 * period's report. Throws PeriodMergeError naming the days when some are missing, repeated,
 * outside the period, previews, or counted in another timezone or with other filters.
 */
export function mergeDailySummaries(period: Period, days: StoredSummary[], options: MergeOptions): PeriodReport {
  const ordered = daysInOrder(period, days);
  const first = ordered[0] as StoredSummary;
  const last = ordered[ordered.length - 1] as StoredSummary;
  const aggregatorOptions: AggregatorOptions = {
    window: periodWindow(period, first.timezone),
    // A stage may change how it reads the API mid-period; the local days are the same.
    apiTimezone: last.apiTimezone,
    filters: { ...first.filters },
    // A named report's period is that report's: its name, title and filter lists (the last day's).
    ...(last.report === undefined ? {} : { report: last.report }),
  };
  const { assistantId, campaignId, type, status } = first.filters;
  const scope: PartialScope = {
    date: period.firstDate,
    timezone: first.timezone,
    apiTimezone: last.apiTimezone,
    filters: { assistantId, campaignId, type, status },
  };
  const summary = DayAggregator.merge(
    aggregatorOptions,
    ordered.map((day) => dayAsPart(day, scope)),
  ).finish({
    fetch: summedFetchStats(ordered),
    generatedAt: options.generatedAt,
    partialAsOf: null,
    previousDay: null,
    sameWeekdayLastWeek: null,
  });
  const current = { period, summary };
  return {
    period,
    summary,
    days: ordered.map((day) => ({ date: day.date, summary: day })),
    approximate: approximateFields(ordered),
    dayByHour: ordered.map((day) => ({ date: day.date, hourly: [...day.hourly] })),
    comparison: {
      previousPeriod: periodComparison(current, options.previousPeriod, previousPeriod(period)),
      samePeriodLastYear: periodComparison(current, options.samePeriodLastYear, samePeriodLastYear(period)),
    },
  };
}
