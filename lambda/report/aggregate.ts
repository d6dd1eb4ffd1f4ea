import type { Call, FetchStats } from "./call.js";
import { compareIfComparable } from "./compare.js";
import { DurationHistogram } from "./duration-histogram.js";
import { share } from "./format.js";
import { exactGroupList, GroupAccumulator, groupList, increment, incrementAll, toCounts } from "./group-accumulator.js";
import { microsToUsd } from "./money.js";
import {
  PARTIAL_AGGREGATE_VERSION,
  type PartialAggregate,
  PartialAggregateError,
  type PartialGroup,
  type PartialScope,
  readPartialAggregate,
} from "./partial-aggregate.js";
import type { SummaryReport } from "./report-definition.js";
import { SUMMARY_SCHEMA_VERSION, type Summary, type Totals } from "./summary.js";
import { isInWindow, type ReportWindow, shiftDate } from "./window.js";
import { ZoneClock } from "./zone-clock.js";

export type { PartialAggregate } from "./partial-aggregate.js";
export { PartialAggregateError } from "./partial-aggregate.js";

export const NO_VALUE = "(none)";
export const UNKNOWN_VALUE = "(unknown)";
export const NO_CAMPAIGN = "(no campaign)";
export const UNKNOWN_ASSISTANT = "(unknown assistant)";

/** The evaluation keys the summary reads itself; any others are listed in `evaluationKeys`. */
const KNOWN_EVALUATION_KEYS = new Set(["sentiment", "outcome", "score"]);

export interface AggregatorOptions {
  window: ReportWindow;
  /** Timezone the API's `created_at` strings are read in. */
  apiTimezone: string;
  filters: Summary["filters"];
  /** A named report's name, title and filter lists, recorded in its summary (#17). */
  report?: SummaryReport;
}

export interface FinishInput {
  fetch: FetchStats;
  generatedAt: Date;
  /** Set for a preview: the instant the day's calls were fetched up to. */
  partialAsOf?: Date | null;
  /** The stored summary of the day before, or null when there is none. */
  previousDay: Summary | null;
  /** The stored summary of the same weekday a week earlier, or null when there is none. */
  sameWeekdayLastWeek: Summary | null;
}

/** A call the report cannot place or sum; the client is expected to have rejected it already. */
export class CallDataError extends Error {
  override name = "CallDataError";
}

/**
 * Reads a 0–10 evaluation score. Language-model evaluations sometimes send the number as a
 * string (`"8.5"`), so plain decimal strings count; anything else (`"high"`, `""`, `true`,
 * NaN, null) means the call has no score.
 */
export function readScore(value: unknown): number | null {
  if (typeof value === "number") return finiteOrNull(value);
  // A string of hundreds of digits reads as Infinity, which no average can hold.
  if (typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return finiteOrNull(Number(value));
  return null;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** A label for an evaluation value: strings as they are, numbers/booleans as text, else `(none)`. */
function evaluationLabel(value: unknown): string {
  if (typeof value === "string") return value.trim() === "" ? NO_VALUE : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return NO_VALUE;
}

function nameOr(value: string | null, fallback: string): string {
  return value === null || value.trim() === "" ? fallback : value;
}

/**
 * The day's numbers in one pass over the calls. Memory grows with the number of distinct
 * statuses, assistants, campaigns, keys and duration values — never with the number of calls.
 */
export class DayAggregator {
  private readonly options: AggregatorOptions;
  private readonly all: GroupAccumulator = new GroupAccumulator("(all)");
  private humanAnswered = 0;
  private carrierCostMicros = 0;
  private outsideWindow = 0;
  private missingEvaluations = 0;
  private readonly durations = new DurationHistogram();
  private readonly byStatus = new Map<string, number>();
  private readonly byType = new Map<string, number>();
  private readonly byAnsweredBy = new Map<string, number>();
  private readonly bySentiment = new Map<string, number>();
  private readonly hourly: number[] = Array.from({ length: 24 }, () => 0);
  private readonly assistants = new Map<string, GroupAccumulator>();
  private readonly campaigns = new Map<string, GroupAccumulator>();
  private readonly variableKeySet = new Set<string>();
  private readonly evaluationKeySet = new Set<string>();
  private readonly clock: ZoneClock;

  constructor(options: AggregatorOptions) {
    this.options = options;
    this.clock = new ZoneClock(options.apiTimezone, options.window.timezone);
  }

  /** `variables` keys seen on in-window calls, in first-seen order. */
  get variableKeys(): string[] {
    return [...this.variableKeySet];
  }

  /** `evaluation` keys other than sentiment/outcome/score seen on in-window calls, first-seen order. */
  get evaluationKeys(): string[] {
    return [...this.evaluationKeySet];
  }

  /**
   * Counts the call when its `created_at` (read in the API timezone) falls in
   * `[window.start, window.end)` and returns true; otherwise counts it as outside the window
   * and returns false. Calls arrive already de-duplicated by the client.
   */
  add(call: Call): boolean {
    const createdAt = this.clock.instant(call.createdAt);
    if (createdAt === null) {
      throw new CallDataError(
        `Call ${call.id} has created_at "${call.createdAt}", which is not a YYYY-MM-DD HH:MM:SS timestamp — the API response changed shape; check the client's validation.`,
      );
    }
    if (!Number.isSafeInteger(call.totalCostMicros) || !Number.isSafeInteger(call.carrierCostMicros)) {
      throw new CallDataError(
        `Call ${call.id} has costs ${call.totalCostMicros}/${call.carrierCostMicros} micro-dollars; they must be whole numbers for exact sums — convert with usdToMicros.`,
      );
    }
    if (!Number.isFinite(call.durationSeconds)) {
      throw new CallDataError(
        `Call ${call.id} lasted ${call.durationSeconds} seconds; a duration must be a finite number — the client reads a missing one as 0.`,
      );
    }
    if (!isInWindow(createdAt, this.options.window)) {
      this.outsideWindow += 1;
      return false;
    }

    const evaluation = call.evaluation;
    const connected = call.durationSeconds > 0;
    const outcome = evaluationLabel(evaluation?.outcome);
    const score = readScore(evaluation?.score);

    this.all.add(call, connected, outcome, score);
    if (connected) this.durations.add(call.durationSeconds);
    if (call.answeredBy === "human") this.humanAnswered += 1;
    this.carrierCostMicros += call.carrierCostMicros;

    increment(this.byStatus, nameOr(call.status, UNKNOWN_VALUE));
    increment(this.byType, nameOr(call.type, UNKNOWN_VALUE));
    increment(this.byAnsweredBy, nameOr(call.answeredBy, UNKNOWN_VALUE));
    increment(this.bySentiment, evaluationLabel(evaluation?.sentiment));
    const hour = this.clock.localHour(createdAt);
    this.hourly[hour] = (this.hourly[hour] ?? 0) + 1;

    this.group(this.assistants, nameOr(call.assistantName, UNKNOWN_ASSISTANT)).add(call, connected, outcome, score);
    this.group(this.campaigns, nameOr(call.campaignName, NO_CAMPAIGN)).add(call, connected, outcome, score);

    for (const key of Object.keys(call.variables)) this.variableKeySet.add(key);
    if (evaluation === null) {
      this.missingEvaluations += 1;
    } else {
      for (const key of Object.keys(evaluation)) {
        if (!KNOWN_EVALUATION_KEYS.has(key)) this.evaluationKeySet.add(key);
      }
    }
    return true;
  }

  finish(input: FinishInput): Summary {
    const { window, apiTimezone, filters } = this.options;
    const overall = this.all.stats();
    const summary: Summary = {
      schemaVersion: SUMMARY_SCHEMA_VERSION,
      date: window.date,
      timezone: window.timezone,
      window: { start: window.start.toISOString(), end: window.end.toISOString() },
      apiTimezone,
      generatedAt: input.generatedAt.toISOString(),
      partialAsOf: input.partialAsOf?.toISOString() ?? null,
      filters: { ...filters },
      ...(this.options.report === undefined ? {} : { report: this.options.report }),
      totals: this.totals(),
      byStatus: toCounts(this.byStatus),
      byType: toCounts(this.byType),
      byAnsweredBy: toCounts(this.byAnsweredBy),
      byOutcome: overall.byOutcome,
      bySentiment: toCounts(this.bySentiment),
      averageScore: overall.averageScore,
      scoredCalls: this.all.scoredCalls,
      assistants: groupList(this.assistants),
      campaigns: groupList(this.campaigns),
      hourly: [...this.hourly],
      dataQuality: {
        received: input.fetch.received,
        duplicates: input.fetch.duplicates,
        outsideWindow: this.outsideWindow,
        apiTotal: input.fetch.apiTotal,
        missingEvaluations: this.missingEvaluations,
        pages: input.fetch.pages,
        requests: input.fetch.requests,
        retries: input.fetch.retries,
        rateLimited: input.fetch.rateLimited,
        refetches: input.fetch.refetches,
      },
      comparison: { previousDay: null, sameWeekdayLastWeek: null },
      exact: {
        durationSeconds: this.all.durationSeconds.toString(),
        scoreSum: this.all.scoreSum.toString(),
        durations: this.durations.counts(),
        assistants: exactGroupList(this.assistants),
        campaigns: exactGroupList(this.campaigns),
      },
    };
    summary.comparison = {
      previousDay: compareIfComparable(summary, input.previousDay, shiftDate(window.date, -1)),
      sameWeekdayLastWeek: compareIfComparable(summary, input.sameWeekdayLastWeek, shiftDate(window.date, -7)),
    };
    return summary;
  }

  /**
   * This aggregator's numbers as plain JSON, for a part of the day aggregated in one
   * durable-execution step and merged in another; survives `JSON.parse(JSON.stringify(…))`.
   */
  partial(): PartialAggregate {
    return {
      version: PARTIAL_AGGREGATE_VERSION,
      scope: this.scope(),
      all: this.all.partial(),
      assistants: [...this.assistants.values()].map((group) => group.partial()),
      campaigns: [...this.campaigns.values()].map((group) => group.partial()),
      humanAnswered: this.humanAnswered,
      carrierCostMicros: this.carrierCostMicros,
      outsideWindow: this.outsideWindow,
      missingEvaluations: this.missingEvaluations,
      durations: this.durations.counts(),
      byStatus: [...this.byStatus],
      byType: [...this.byType],
      byAnsweredBy: [...this.byAnsweredBy],
      bySentiment: [...this.bySentiment],
      hourly: [...this.hourly],
      variableKeys: this.variableKeys,
      evaluationKeys: this.evaluationKeys,
    };
  }

  /**
   * Adds a part's numbers, as if its calls had been added here. Absorb the parts in the
   * order their calls were fetched: keys first seen in an earlier part stay first. The part
   * is checked whole before anything is added, so a refused one leaves this aggregator as it
   * was: PartialAggregateError when it is not a version-1 partial of the same day and filters.
   */
  absorb(stored: PartialAggregate): void {
    const part = readPartialAggregate(stored);
    const expected = JSON.stringify(this.scope());
    if (JSON.stringify(part.scope) !== expected) {
      throw new PartialAggregateError(
        `Partial aggregate is for ${JSON.stringify(part.scope)}, not ${expected}; it belongs to another day or filter — re-run the part.`,
      );
    }
    this.all.absorb(part.all);
    this.absorbGroups(this.assistants, part.assistants);
    this.absorbGroups(this.campaigns, part.campaigns);
    this.humanAnswered += part.humanAnswered;
    this.carrierCostMicros += part.carrierCostMicros;
    this.outsideWindow += part.outsideWindow;
    this.missingEvaluations += part.missingEvaluations;
    for (const [seconds, count] of part.durations) this.durations.add(seconds, count);
    incrementAll(this.byStatus, part.byStatus);
    incrementAll(this.byType, part.byType);
    incrementAll(this.byAnsweredBy, part.byAnsweredBy);
    incrementAll(this.bySentiment, part.bySentiment);
    for (const [hour, calls] of part.hourly.entries()) this.hourly[hour] = (this.hourly[hour] ?? 0) + calls;
    for (const key of part.variableKeys) this.variableKeySet.add(key);
    for (const key of part.evaluationKeys) this.evaluationKeySet.add(key);
  }

  /** The day from its parts, in fetch order; `finish` gives what one pass over the same calls gives. */
  static merge(options: AggregatorOptions, parts: Iterable<PartialAggregate>): DayAggregator {
    const day = new DayAggregator(options);
    for (const part of parts) day.absorb(part);
    return day;
  }

  private scope(): PartialScope {
    const { window, apiTimezone, filters } = this.options;
    const { assistantId, campaignId, type, status } = filters;
    // Fixed key order: absorb compares scopes as JSON text.
    return {
      date: window.date,
      timezone: window.timezone,
      apiTimezone,
      filters: { assistantId, campaignId, type, status },
    };
  }

  private absorbGroups(groups: Map<string, GroupAccumulator>, parts: PartialGroup[]): void {
    for (const part of parts) this.group(groups, part.name).absorb(part);
  }

  private totals(): Totals {
    const { calls, connectedCalls, totalCostMicros } = this.all;
    const durationSeconds = this.all.durationSeconds.toNumber();
    const platformCostMicros = totalCostMicros - this.carrierCostMicros;
    const totalCost = microsToUsd(totalCostMicros);
    return {
      calls,
      connectedCalls,
      connectRate: share(connectedCalls, calls),
      humanAnswered: this.humanAnswered,
      humanRate: share(this.humanAnswered, calls),
      durationSeconds,
      averageDurationSeconds: share(durationSeconds, connectedCalls),
      medianDurationSeconds: this.durations.percentile(0.5),
      p90DurationSeconds: this.durations.percentile(0.9),
      totalCost,
      carrierCost: microsToUsd(this.carrierCostMicros),
      platformCost: microsToUsd(platformCostMicros),
      totalCostMicros,
      carrierCostMicros: this.carrierCostMicros,
      platformCostMicros,
      costPerCall: share(totalCost, calls),
      // Connected calls are exactly those with talk time, so minutes are zero only when none connected.
      costPerConnectedMinute: connectedCalls === 0 ? null : share(totalCost, durationSeconds / 60),
    };
  }

  private group(groups: Map<string, GroupAccumulator>, name: string): GroupAccumulator {
    let group = groups.get(name);
    if (group === undefined) {
      group = new GroupAccumulator(name);
      groups.set(name, group);
    }
    return group;
  }
}
