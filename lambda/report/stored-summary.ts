/**
 * Reads a stored daily summary (`summary-YYYY-MM-DD.json`) back: version 2, or version 1 from
 * before the summary carried its exact sums. Checked by hand, field by field, as the partial
 * aggregates are (json-checks.ts): a period built from a damaged file must fail and name it,
 * not report NaN. Fields this build does not know are dropped, as the schema allows.
 */

import { isRecord, jsonChecks } from "./json-checks.js";
import type { ReportFilters, SummaryReport } from "./report-definition.js";
import {
  type Comparison,
  type Counts,
  type DataQuality,
  type ExactGroupSums,
  type GroupStats,
  type StoredSummary,
  SUMMARY_SCHEMA_VERSION,
  type Summary,
  type SummaryExact,
  type SummaryV1,
  type Totals,
} from "./summary.js";
import { assertCalendarDate, InvalidDateError } from "./window.js";

/** A stored summary this build cannot read; the message names the field. */
export class StoredSummaryError extends Error {
  override name = "StoredSummaryError";
}

function fail(path: string, problem: string): never {
  const subject = path === "" ? "Stored summary" : `Stored summary field ${path}`;
  throw new StoredSummaryError(`${subject} ${problem}; the file is damaged or not a summary — rebuild that day.`);
}

const { array, record, text, count, micros, exactSum, namedList, durations, hourly } = jsonChecks(fail);

/** The fields `keys` of an object, each read by `check`. */
function readFields<K extends string, V>(
  fields: Record<string, unknown>,
  path: string,
  keys: readonly K[],
  check: (value: unknown, path: string) => V,
): Record<K, V> {
  return Object.fromEntries(keys.map((key) => [key, check(fields[key], `${path}.${key}`)])) as Record<K, V>;
}

function numberOrNull(value: unknown, path: string): number | null {
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value)) fail(path, "is neither a finite number nor null");
  return value;
}

function finite(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) fail(path, "is not a finite number");
  return value;
}

function textOrNull(value: unknown, path: string): string | null {
  return value === null ? null : text(value, path);
}

function counts(value: unknown, path: string): Counts {
  // fromEntries keeps a key named `__proto__` an own key, as JSON.parse made it.
  return Object.fromEntries(Object.entries(record(value, path)).map(([key, n]) => [key, count(n, `${path}.${key}`)]));
}

const COUNT_TOTALS = ["calls", "connectedCalls", "humanAnswered"] as const;
const MICROS_TOTALS = ["totalCostMicros", "carrierCostMicros", "platformCostMicros"] as const;
const NUMBER_TOTALS = ["durationSeconds", "totalCost", "carrierCost", "platformCost"] as const;
const NULLABLE_TOTALS = [
  "connectRate",
  "humanRate",
  "averageDurationSeconds",
  "medianDurationSeconds",
  "p90DurationSeconds",
  "costPerCall",
  "costPerConnectedMinute",
] as const;

function totals(value: unknown, path: string): Totals {
  const fields = record(value, path);
  return {
    ...readFields(fields, path, COUNT_TOTALS, (v, p) => count(v, p)),
    ...readFields(fields, path, MICROS_TOTALS, micros),
    ...readFields(fields, path, NUMBER_TOTALS, finite),
    ...readFields(fields, path, NULLABLE_TOTALS, numberOrNull),
  };
}

function group(value: unknown, path: string): GroupStats {
  const fields = record(value, path);
  return {
    name: text(fields.name, `${path}.name`),
    calls: count(fields.calls, `${path}.calls`),
    connectedCalls: count(fields.connectedCalls, `${path}.connectedCalls`),
    durationSeconds: finite(fields.durationSeconds, `${path}.durationSeconds`),
    totalCost: finite(fields.totalCost, `${path}.totalCost`),
    totalCostMicros: micros(fields.totalCostMicros, `${path}.totalCostMicros`),
    byOutcome: counts(fields.byOutcome, `${path}.byOutcome`),
    averageScore: numberOrNull(fields.averageScore, `${path}.averageScore`),
  };
}

const QUALITY_FIELDS = [
  "received",
  "duplicates",
  "outsideWindow",
  "apiTotal",
  "missingEvaluations",
  "pages",
  "requests",
  "retries",
  "rateLimited",
  "refetches",
] as const;

function dataQuality(value: unknown, path: string): DataQuality {
  return readFields(record(value, path), path, QUALITY_FIELDS, (v, p) => count(v, p));
}

function exactGroups(value: unknown, path: string, shown: GroupStats[]): ExactGroupSums[] {
  const list = array(value, path).map((item, index): ExactGroupSums => {
    const fields = record(item, `${path}[${index}]`);
    return {
      name: text(fields.name, `${path}[${index}].name`),
      durationSeconds: exactSum(fields.durationSeconds, `${path}[${index}].durationSeconds`),
      scoreSum: exactSum(fields.scoreSum, `${path}[${index}].scoreSum`),
      scoredCalls: count(fields.scoredCalls, `${path}[${index}].scoredCalls`),
    };
  });
  // One per shown group, in the same order: a merge adds them up by name.
  const names = list.map(({ name }) => name);
  if (JSON.stringify(names) !== JSON.stringify(shown.map(({ name }) => name))) {
    fail(path, "does not name the same groups, in the same order, as the group list it belongs to");
  }
  return list;
}

function exact(value: unknown, path: string, assistants: GroupStats[], campaigns: GroupStats[]): SummaryExact {
  const fields = record(value, path);
  return {
    durationSeconds: exactSum(fields.durationSeconds, `${path}.durationSeconds`),
    scoreSum: exactSum(fields.scoreSum, `${path}.scoreSum`),
    durations: durations(fields.durations, `${path}.durations`),
    assistants: exactGroups(fields.assistants, `${path}.assistants`, assistants),
    campaigns: exactGroups(fields.campaigns, `${path}.campaigns`, campaigns),
  };
}

/** A named report's name, title and filter lists (#17). */
function reportOf(value: unknown, path: string): SummaryReport {
  const fields = record(value, path);
  const lists = record(fields.filters, `${path}.filters`);
  const list = <T>(key: string, item: (v: unknown, at: string) => T): T[] | undefined =>
    lists[key] === undefined
      ? undefined
      : array(lists[key], `${path}.filters.${key}`).map((entry, index) =>
          item(entry, `${path}.filters.${key}[${index}]`),
        );
  const id = (v: unknown, at: string) => {
    if (!Number.isSafeInteger(v)) fail(at, "is not a whole number");
    return v as number;
  };
  const filterLists: ReportFilters = {};
  const assistantIds = list("assistantIds", id);
  const campaignIds = list("campaignIds", id);
  const callTypes = list("callTypes", text);
  const callStatuses = list("callStatuses", text);
  if (assistantIds) filterLists.assistantIds = assistantIds;
  if (campaignIds) filterLists.campaignIds = campaignIds;
  if (callTypes) filterLists.callTypes = callTypes;
  if (callStatuses) filterLists.callStatuses = callStatuses;
  return {
    name: text(fields.name, `${path}.name`),
    title: textOrNull(fields.title, `${path}.title`),
    filters: filterLists,
  };
}

function filters(value: unknown, path: string): Summary["filters"] {
  const fields = record(value, path);
  const id = (key: string) => {
    const v = fields[key];
    if (v !== null && !Number.isFinite(v)) fail(`${path}.${key}`, "is neither a number nor null");
    return v as number | null;
  };
  return {
    assistantId: id("assistantId"),
    campaignId: id("campaignId"),
    type: textOrNull(fields.type, `${path}.type`),
    status: textOrNull(fields.status, `${path}.status`),
  };
}

/** A stored comparison is shown, never recomputed: kept when it has the shape, dropped otherwise. */
function comparison(value: unknown): Comparison | null {
  return isRecord(value) && typeof value.date === "string" && isRecord(value.deltas)
    ? (value as unknown as Comparison)
    : null;
}

/**
 * Checks a stored daily summary (typically `JSON.parse` of one) and returns it typed as the
 * version it is: `Summary` (2) or `SummaryV1`. StoredSummaryError names the first wrong field.
 */
export function readStoredSummary(json: unknown): StoredSummary {
  const fields = record(json, "");
  const version = fields.schemaVersion;
  if (version !== 1 && version !== SUMMARY_SCHEMA_VERSION) {
    throw new StoredSummaryError(
      `Stored summary has schemaVersion ${JSON.stringify(version) ?? "(missing)"}; this build reads 1 and ${SUMMARY_SCHEMA_VERSION} — rebuild that day with this build.`,
    );
  }
  let date: string;
  try {
    date = assertCalendarDate(text(fields.date, "date"), "Stored summary field date");
  } catch (error) {
    if (error instanceof InvalidDateError) throw new StoredSummaryError(error.message, { cause: error });
    throw error;
  }
  const window = record(fields.window, "window");
  const earlier = isRecord(fields.comparison) ? fields.comparison : {};
  const assistants = namedList(fields.assistants, "assistants", group);
  const campaigns = namedList(fields.campaigns, "campaigns", group);
  const common = {
    date,
    timezone: text(fields.timezone, "timezone"),
    window: { start: text(window.start, "window.start"), end: text(window.end, "window.end") },
    apiTimezone: text(fields.apiTimezone, "apiTimezone"),
    generatedAt: text(fields.generatedAt, "generatedAt"),
    partialAsOf: fields.partialAsOf === undefined ? null : textOrNull(fields.partialAsOf, "partialAsOf"),
    filters: filters(fields.filters, "filters"),
    ...(fields.report === undefined ? {} : { report: reportOf(fields.report, "report") }),
    totals: totals(fields.totals, "totals"),
    byStatus: counts(fields.byStatus, "byStatus"),
    byType: counts(fields.byType, "byType"),
    byAnsweredBy: counts(fields.byAnsweredBy, "byAnsweredBy"),
    byOutcome: counts(fields.byOutcome, "byOutcome"),
    bySentiment: counts(fields.bySentiment, "bySentiment"),
    averageScore: numberOrNull(fields.averageScore, "averageScore"),
    scoredCalls: count(fields.scoredCalls, "scoredCalls"),
    assistants,
    campaigns,
    hourly: hourly(fields.hourly, "hourly"),
    dataQuality: dataQuality(fields.dataQuality, "dataQuality"),
    comparison: {
      previousDay: comparison(earlier.previousDay),
      sameWeekdayLastWeek: comparison(earlier.sameWeekdayLastWeek),
    },
  };
  if (version === 1) return { schemaVersion: 1, ...common } satisfies SummaryV1;
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    ...common,
    exact: exact(fields.exact, "exact", assistants, campaigns),
  } satisfies Summary;
}

/** True for a summary that carries its exact sums (version 2): a period merges it exactly. */
export function isExactSummary(summary: StoredSummary): summary is Summary {
  return summary.schemaVersion === SUMMARY_SCHEMA_VERSION;
}
