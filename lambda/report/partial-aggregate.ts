/**
 * A part of a day's aggregate as plain JSON, so that a part aggregated in one process (one
 * durable-execution step) can be stored and merged in another. Maps are `[key, count]` pairs,
 * since an object would make a name like `__proto__` a prototype instead of a key; exact sums
 * are decimal strings (see exact-sum.ts). Checked by hand on the way in: the domain has no zod.
 */
import { isRecord, jsonChecks } from "./json-checks.js";
import type { Summary } from "./summary.js";

export const PARTIAL_AGGREGATE_VERSION = 1;

/** Counts by name as `[name, count]` pairs, each name once, each count at least 1. */
export type CountEntries = [string, number][];

/** One group's numbers (the day, an assistant, a campaign) as `GroupStats` is built from. */
export interface PartialGroup {
  name: string;
  calls: number;
  connectedCalls: number;
  /** Talk time of connected calls, exactly, as a decimal string (`"1234"`, `"12.5"`). */
  durationSeconds: string;
  totalCostMicros: number;
  /** Sum of the scores of scored calls, exactly, as a decimal string (`"25.5"`). */
  scoreSum: string;
  scoredCalls: number;
  byOutcome: CountEntries;
}

/** Which day a part belongs to: a part of another day or another filter is refused. */
export interface PartialScope {
  date: string;
  timezone: string;
  apiTimezone: string;
  filters: Summary["filters"];
}

export interface PartialAggregate {
  version: typeof PARTIAL_AGGREGATE_VERSION;
  scope: PartialScope;
  /** The whole part as one group, named `(all)`. */
  all: PartialGroup;
  assistants: PartialGroup[];
  campaigns: PartialGroup[];
  humanAnswered: number;
  carrierCostMicros: number;
  outsideWindow: number;
  missingEvaluations: number;
  /** Connected calls' durations as `[seconds, count]`, ascending, one pair per distinct value. */
  durations: [number, number][];
  byStatus: CountEntries;
  byType: CountEntries;
  byAnsweredBy: CountEntries;
  bySentiment: CountEntries;
  /** Calls per local hour of the report's timezone, 24 entries. */
  hourly: number[];
  /** In first-seen order within the part. */
  variableKeys: string[];
  evaluationKeys: string[];
}

/** A stored partial aggregate that cannot be merged; the message names the field. */
export class PartialAggregateError extends Error {
  override name = "PartialAggregateError";
}

type Path = string;

function fail(path: Path, problem: string): never {
  const subject = path === "" ? "Partial aggregate" : `Partial aggregate field ${path}`;
  throw new PartialAggregateError(`${subject} ${problem}; the stored part is damaged or not one — re-run the part.`);
}

const { array, text, count, micros, exactSum, uniqueNames, namedList, durations, hourly } = jsonChecks(fail);

function countEntries(value: unknown, path: Path): CountEntries {
  const entries = array(value, path).map((entry, index): [string, number] => {
    const pair = array(entry, `${path}[${index}]`);
    if (pair.length !== 2) fail(`${path}[${index}]`, "is not a [name, count] pair");
    return [text(pair[0], `${path}[${index}][0]`), count(pair[1], `${path}[${index}][1]`, 1)];
  });
  uniqueNames(
    entries.map(([name]) => name),
    path,
  );
  return entries;
}

function keyList(value: unknown, path: Path): string[] {
  const keys = array(value, path).map((key, index) => text(key, `${path}[${index}]`));
  uniqueNames(keys, path);
  return keys;
}

function group(value: unknown, path: Path): PartialGroup {
  if (!isRecord(value)) fail(path, "is not an object");
  const calls = count(value.calls, `${path}.calls`);
  const connectedCalls = count(value.connectedCalls, `${path}.connectedCalls`);
  const scoredCalls = count(value.scoredCalls, `${path}.scoredCalls`);
  if (connectedCalls > calls || scoredCalls > calls) fail(path, "counts more connected or scored calls than calls");
  return {
    name: text(value.name, `${path}.name`),
    calls,
    connectedCalls,
    durationSeconds: exactSum(value.durationSeconds, `${path}.durationSeconds`),
    totalCostMicros: micros(value.totalCostMicros, `${path}.totalCostMicros`),
    scoreSum: exactSum(value.scoreSum, `${path}.scoreSum`),
    scoredCalls,
    byOutcome: countEntries(value.byOutcome, `${path}.byOutcome`),
  };
}

function scope(value: unknown, path: Path): PartialScope {
  if (!isRecord(value) || !isRecord(value.filters)) fail(path, "is not an object with filters");
  const { assistantId, campaignId, type, status } = value.filters;
  const idOrNull = (id: unknown, name: string) => {
    if (id !== null && !Number.isFinite(id)) fail(`${path}.filters.${name}`, "is neither a number nor null");
    return id as number | null;
  };
  const textOrNull = (word: unknown, name: string) => (word === null ? null : text(word, `${path}.filters.${name}`));
  return {
    date: text(value.date, `${path}.date`),
    timezone: text(value.timezone, `${path}.timezone`),
    apiTimezone: text(value.apiTimezone, `${path}.apiTimezone`),
    filters: {
      assistantId: idOrNull(assistantId, "assistantId"),
      campaignId: idOrNull(campaignId, "campaignId"),
      type: textOrNull(type, "type"),
      status: textOrNull(status, "status"),
    },
  };
}

/**
 * Checks a stored partial aggregate (typically `JSON.parse` of one) and returns it typed;
 * throws a one-line PartialAggregateError naming the first wrong field otherwise.
 */
export function readPartialAggregate(value: unknown): PartialAggregate {
  if (!isRecord(value)) fail("", "is not a JSON object");
  if (value.version !== PARTIAL_AGGREGATE_VERSION) {
    throw new PartialAggregateError(
      `Partial aggregate has version ${JSON.stringify(value.version) ?? "(missing)"}, not ${PARTIAL_AGGREGATE_VERSION}; it was written by another release of the report — re-run the part.`,
    );
  }
  return {
    version: PARTIAL_AGGREGATE_VERSION,
    scope: scope(value.scope, "scope"),
    all: group(value.all, "all"),
    assistants: namedList(value.assistants, "assistants", group),
    campaigns: namedList(value.campaigns, "campaigns", group),
    humanAnswered: count(value.humanAnswered, "humanAnswered"),
    carrierCostMicros: micros(value.carrierCostMicros, "carrierCostMicros"),
    outsideWindow: count(value.outsideWindow, "outsideWindow"),
    missingEvaluations: count(value.missingEvaluations, "missingEvaluations"),
    durations: durations(value.durations, "durations"),
    byStatus: countEntries(value.byStatus, "byStatus"),
    byType: countEntries(value.byType, "byType"),
    byAnsweredBy: countEntries(value.byAnsweredBy, "byAnsweredBy"),
    bySentiment: countEntries(value.bySentiment, "bySentiment"),
    hourly: hourly(value.hourly, "hourly"),
    variableKeys: keyList(value.variableKeys, "variableKeys"),
    evaluationKeys: keyList(value.evaluationKeys, "evaluationKeys"),
  };
}
