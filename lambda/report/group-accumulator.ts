/**
 * The per-group numbers of a day (the whole day, one assistant, one campaign) and the
 * counting helpers the aggregator shares with them.
 */
import type { Call } from "./call.js";
import { ExactSum } from "./exact-sum.js";
import { share } from "./format.js";
import { microsToUsd } from "./money.js";
import type { CountEntries, PartialGroup } from "./partial-aggregate.js";
import type { Counts, ExactGroupSums, GroupStats } from "./summary.js";

export function increment(counts: Map<string, number>, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/** Adds a part's `[name, count]` pairs into `counts`. */
export function incrementAll(counts: Map<string, number>, entries: CountEntries): void {
  for (const [key, count] of entries) increment(counts, key, count);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Counts as a JSON object, largest first then by name; `fromEntries` keeps `__proto__` a plain key. */
export function toCounts(counts: Map<string, number>): Counts {
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || byName(a[0], b[0])));
}

export class GroupAccumulator {
  calls = 0;
  connectedCalls = 0;
  totalCostMicros = 0;
  scoredCalls = 0;
  // Exact, so that a day summed in parts gives the same numbers as one pass (exact-sum.ts).
  readonly durationSeconds = new ExactSum();
  readonly scoreSum = new ExactSum();
  private readonly byOutcome = new Map<string, number>();

  constructor(readonly name: string) {}

  add(call: Call, connected: boolean, outcome: string, score: number | null): void {
    this.calls += 1;
    if (connected) {
      this.connectedCalls += 1;
      this.durationSeconds.add(call.durationSeconds);
    }
    this.totalCostMicros += call.totalCostMicros;
    increment(this.byOutcome, outcome);
    if (score !== null) {
      this.scoreSum.add(score);
      this.scoredCalls += 1;
    }
  }

  stats(): GroupStats {
    return {
      name: this.name,
      calls: this.calls,
      connectedCalls: this.connectedCalls,
      durationSeconds: this.durationSeconds.toNumber(),
      totalCost: microsToUsd(this.totalCostMicros),
      totalCostMicros: this.totalCostMicros,
      byOutcome: toCounts(this.byOutcome),
      // The exact sum rounded once, then divided: the same average however the day was split.
      averageScore: share(this.scoreSum.toNumber(), this.scoredCalls),
    };
  }

  /** The sums behind `stats()`'s rounded numbers, for the summary's `exact` block. */
  exactSums(): ExactGroupSums {
    return {
      name: this.name,
      durationSeconds: this.durationSeconds.toString(),
      scoreSum: this.scoreSum.toString(),
      scoredCalls: this.scoredCalls,
    };
  }

  partial(): PartialGroup {
    return {
      name: this.name,
      calls: this.calls,
      connectedCalls: this.connectedCalls,
      durationSeconds: this.durationSeconds.toString(),
      totalCostMicros: this.totalCostMicros,
      scoreSum: this.scoreSum.toString(),
      scoredCalls: this.scoredCalls,
      byOutcome: [...this.byOutcome],
    };
  }

  /** Adds a part's numbers for the same group; `part` has been checked by readPartialAggregate. */
  absorb(part: PartialGroup): void {
    this.calls += part.calls;
    this.connectedCalls += part.connectedCalls;
    this.durationSeconds.addSum(ExactSum.parse(part.durationSeconds) as ExactSum);
    this.totalCostMicros += part.totalCostMicros;
    this.scoreSum.addSum(ExactSum.parse(part.scoreSum) as ExactSum);
    this.scoredCalls += part.scoredCalls;
    incrementAll(this.byOutcome, part.byOutcome);
  }
}

/** Most calls first, then by name: the order of the summary's group lists. */
function sortedGroups(groups: Map<string, GroupAccumulator>): GroupAccumulator[] {
  return [...groups.values()].sort((a, b) => b.calls - a.calls || byName(a.name, b.name));
}

export function groupList(groups: Map<string, GroupAccumulator>): GroupStats[] {
  return sortedGroups(groups).map((group) => group.stats());
}

/** The groups' exact sums, in `groupList`'s order. */
export function exactGroupList(groups: Map<string, GroupAccumulator>): ExactGroupSums[] {
  return sortedGroups(groups).map((group) => group.exactSums());
}
