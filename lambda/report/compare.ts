import { microsToUsd } from "./money.js";
import {
  type Comparison,
  type Delta,
  HEADLINE_KPIS,
  type HeadlineKpi,
  type StoredSummary,
  SUMMARY_SCHEMA_VERSION,
  type Summary,
} from "./summary.js";

/**
 * A KPI's value, or null when it is undefined for the day (a rate on an empty day) or absent
 * from a stored summary written by a build that did not know it.
 */
function kpiValue(summary: StoredSummary, kpi: HeadlineKpi): number | null {
  const value = kpi === "averageScore" ? summary.averageScore : summary.totals?.[kpi];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * `exact` supplies change and ratio when they can be computed without float error (money,
 * from integer micros); otherwise they come from the two values.
 */
export function delta(
  current: number | null,
  previous: number | null,
  exact?: { change: number; ratio: number | null },
): Delta {
  if (current === null || previous === null) return { current, previous, change: null, changeRatio: null };
  const change = exact?.change ?? current - previous;
  const changeRatio = exact ? exact.ratio : previous === 0 ? null : change / previous;
  return { current, previous, change, changeRatio };
}

/** Deltas of the headline KPIs of `current` against `earlier`. */
export function compareSummaries(current: StoredSummary, earlier: StoredSummary): Comparison {
  const deltas = {} as Record<HeadlineKpi, Delta>;
  for (const kpi of HEADLINE_KPIS) {
    deltas[kpi] = delta(kpiValue(current, kpi), kpiValue(earlier, kpi));
  }
  // Money changes come from the integer micros so that "+$0.30" is not "+$0.30000000000000004".
  const currentMicros = current.totals?.totalCostMicros;
  const earlierMicros = earlier.totals?.totalCostMicros;
  if (Number.isSafeInteger(currentMicros) && Number.isSafeInteger(earlierMicros)) {
    const changeMicros = (currentMicros as number) - (earlierMicros as number);
    const { current: now, previous } = deltas.totalCost;
    deltas.totalCost = delta(now, previous, {
      change: microsToUsd(changeMicros),
      ratio: earlierMicros === 0 ? null : changeMicros / (earlierMicros as number),
    });
  }
  return { date: earlier.date, deltas };
}

type Filtered = Pick<Summary, "filters" | "report">;

/**
 * The calls a summary covers, as one text: its report's filter lists, or its single-valued
 * `filters` as lists (a summary of a stage's single report, or from before #17) — so a stage
 * that moves its `filters` into a `daily` report keeps comparing with its history.
 */
function filterKey({ filters, report }: Filtered): string {
  const one = <T>(value: T | null): T[] => (value === null ? [] : [value]);
  const lists = report?.filters ?? {
    assistantIds: one(filters.assistantId),
    campaignIds: one(filters.campaignId),
    callTypes: one(filters.type),
    callStatuses: one(filters.status),
  };
  const sorted = <T>(list: T[] | undefined) => [...new Set(list ?? [])].sort();
  return JSON.stringify([
    sorted(lists.assistantIds),
    sorted(lists.campaignIds),
    sorted(lists.callTypes),
    sorted(lists.callStatuses),
  ]);
}

/** Whether two summaries cover the same calls: the same filters, whichever way they were written. */
export function sameFilters(a: Filtered | undefined, b: Filtered | undefined): boolean {
  if (a?.filters === undefined || b?.filters === undefined) return false;
  return filterKey(a) === filterKey(b);
}

/**
 * Why `earlier` cannot be compared with `current`, or null when it can. Numbers of an unknown
 * schema version (version 2 only added the exact sums: a version-1 day's headline KPIs mean
 * the same), another report timezone (other day boundaries) or other filters
 * (a subset of the calls) measure something else, so they get no deltas rather than
 * misleading ones. `expectedDate` guards against a summary stored under the wrong name.
 */
export function incomparableReason(
  current: StoredSummary,
  earlier: StoredSummary,
  expectedDate: string,
): string | null {
  if (earlier.schemaVersion !== 1 && earlier.schemaVersion !== SUMMARY_SCHEMA_VERSION) {
    // A stored file can hold any number here, whatever the type says.
    const version: unknown = (earlier as { schemaVersion: unknown }).schemaVersion;
    return `schemaVersion ${String(version)} is neither 1 nor ${SUMMARY_SCHEMA_VERSION}`;
  }
  if (earlier.date !== expectedDate) return `it is for ${String(earlier.date)}, not ${expectedDate}`;
  if (earlier.timezone !== current.timezone) return `its timezone ${String(earlier.timezone)} differs`;
  if (!sameFilters(current, earlier)) return "its filters differ";
  return null;
}

/** The comparison with a stored summary, or null when there is none or it is not comparable. */
export function compareIfComparable(
  current: StoredSummary,
  earlier: StoredSummary | null,
  expectedDate: string,
): Comparison | null {
  if (earlier === null || incomparableReason(current, earlier, expectedDate) !== null) return null;
  return compareSummaries(current, earlier);
}
