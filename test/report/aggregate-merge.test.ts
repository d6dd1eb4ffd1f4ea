import { describe, expect, it } from "vitest";
import {
  type AggregatorOptions,
  DayAggregator,
  type FinishInput,
  type PartialAggregate,
  PartialAggregateError,
} from "../../lambda/report/aggregate.js";
import type { Call } from "../../lambda/report/call.js";
import { DurationHistogram } from "../../lambda/report/duration-histogram.js";
import { reportWindow } from "../../lambda/report/window.js";
import { makeCall, makeFetchStats } from "../support/call-factory.js";
import { type Random, randomCalls, randomSplit, withKeys } from "../support/random-calls.js";
import { seededRandom } from "../support/seeded-random.js";

// The New York fall-back day: 25 local hours, read from a UTC API, so hourly buckets and the
// window edges are not trivial.
const OPTIONS: AggregatorOptions = {
  window: reportWindow("2025-11-02", "America/New_York"),
  apiTimezone: "UTC",
  filters: { assistantId: null, campaignId: 12, type: "outbound", status: null },
};

const INPUT: FinishInput = {
  fetch: makeFetchStats({ pages: 3, requests: 4, received: 250, apiTotal: 250 }),
  generatedAt: new Date("2025-11-03T11:00:00Z"),
  previousDay: null,
  sameWeekdayLastWeek: null,
};

function randomTimestamp(random: Random): string {
  // 2025-11-02 00:00 UTC to 2025-11-03 12:00 UTC: the New York day is 04:00 to 05:00 the next day.
  const instant = new Date(Date.UTC(2025, 10, 2) + Math.floor(random() * 36 * 3600) * 1000);
  return instant.toISOString().slice(0, 19).replace("T", " ");
}

function onePass(calls: Call[]): DayAggregator {
  const day = new DayAggregator(OPTIONS);
  for (const call of calls) day.add(call);
  return day;
}

/** What a durable step stores and another process reads back. */
function storedPartial(calls: Call[]): PartialAggregate {
  return JSON.parse(JSON.stringify(onePass(calls).partial()));
}

function mergedInParts(random: Random, calls: Call[], parts: number): DayAggregator {
  return DayAggregator.merge(
    OPTIONS,
    randomSplit(random, calls, parts).map((part) => storedPartial(part)),
  );
}

describe("DayAggregator.merge of partial aggregates", () => {
  it("gives the one-pass summary for any contiguous split of the calls, through JSON", () => {
    for (let seed = 1; seed <= 150; seed++) {
      const random = seededRandom(seed);
      const calls = randomCalls(random, Math.floor(random() * 160), randomTimestamp);
      const whole = onePass(calls);
      const expected = whole.finish(INPUT);
      const parts = 1 + Math.floor(random() * 10);
      const merged = mergedInParts(random, calls, parts);
      const context = `seed ${seed}, ${calls.length} calls in ${parts} parts`;
      expect(merged.finish(INPUT), context).toEqual(expected);
      // Byte for byte as stored, key order included.
      expect(JSON.stringify(merged.finish(INPUT)), context).toBe(JSON.stringify(expected));
      expect(merged.variableKeys, context).toEqual(whole.variableKeys);
      expect(merged.evaluationKeys, context).toEqual(whole.evaluationKeys);
    }
  });

  it("keeps first-seen key order across parts: earlier parts' keys first, each once", () => {
    const at = "2025-11-02 15:00:00";
    const first = storedPartial([makeCall({ createdAt: at, variables: { b: 1, a: 1 }, evaluation: { reason: "x" } })]);
    const second = storedPartial([
      makeCall({ createdAt: at, variables: withKeys(["c", "__proto__", "a"], () => 1), evaluation: { summary: "y" } }),
      makeCall({ createdAt: "2025-11-04 15:00:00", variables: { outside: 1 } }),
      makeCall({ createdAt: at, variables: { d: 1, b: 1 }, evaluation: { reason: "z" } }),
    ]);
    const merged = DayAggregator.merge(OPTIONS, [first, second]);
    expect(merged.variableKeys).toEqual(["b", "a", "c", "__proto__", "d"]);
    expect(merged.evaluationKeys).toEqual(["reason", "summary"]);
  });

  it("averages scores whose float sums depend on how the calls are grouped, identically", () => {
    const scores = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
    // Float addition: one pass gives 0.9999999999999999, two halves give 0.5 + 0.5 = 1.
    expect(scores.reduce((a, b) => a + b)).not.toBe(scores.slice(0, 5).reduce((a, b) => a + b) * 2);
    const calls = scores.map((score) => makeCall({ createdAt: "2025-11-02 15:00:00", evaluation: { score } }));
    const merged = DayAggregator.merge(OPTIONS, [storedPartial(calls.slice(0, 5)), storedPartial(calls.slice(5))]);
    expect(merged.finish(INPUT).averageScore).toBe(onePass(calls).finish(INPUT).averageScore);
    expect(merged.finish(INPUT).averageScore).toBe(0.1);
  });

  it("merges nothing into the empty day", () => {
    expect(DayAggregator.merge(OPTIONS, []).finish(INPUT)).toEqual(onePass([]).finish(INPUT));
  });

  it("stores the durations sparsely: 10,000 calls in under 30 kB of JSON", () => {
    const random = seededRandom(2025);
    const partial = onePass(randomCalls(random, 10_000, randomTimestamp)).partial();
    const size = JSON.stringify(partial).length;
    // Measured: 25,703 characters, 20,516 of them the 2,255 distinct durations of the 6,899
    // calls in the window; the dense array alone would be 7,201 numbers.
    expect(size).toBeLessThan(30_000);
    expect(partial.durations.length).toBeLessThan(2_500);
  });
});

describe("DurationHistogram counts", () => {
  it("round-trip through JSON with the same percentiles", () => {
    const histogram = new DurationHistogram();
    for (const seconds of [5, 5, 0.5, 7_200, 7_200.5, 7_201, 50_000, 12.3, 300, 300, 300]) histogram.add(seconds);
    const copy = new DurationHistogram();
    for (const [seconds, count] of JSON.parse(JSON.stringify(histogram.counts()))) copy.add(seconds, count);
    const fractions = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1];
    expect(fractions.map((fraction) => copy.percentile(fraction))).toEqual(
      fractions.map((fraction) => histogram.percentile(fraction)),
    );
    expect(copy.count).toBe(histogram.count);
    expect(histogram.counts()).toEqual([
      [0.5, 1],
      [5, 2],
      [12.3, 1],
      [300, 3],
      [7_200, 1],
      [7_200.5, 1],
      [7_201, 1],
      [50_000, 1],
    ]);
  });
});

describe("DayAggregator.absorb refuses a partial it cannot trust", () => {
  const good = () => storedPartial([makeCall({ createdAt: "2025-11-02 15:00:00" })]);
  const damaged = (change: (partial: Record<string, unknown>) => void): PartialAggregate => {
    const partial = good() as unknown as Record<string, unknown>;
    change(partial);
    return partial as unknown as PartialAggregate;
  };

  it.each([
    [
      "another version",
      damaged((p) => (p.version = 2)),
      /^Partial aggregate has version 2, not 1; .*re-run the part\.$/,
    ],
    ["no version", damaged((p) => delete p.version), /^Partial aggregate has version \(missing\), not 1;/],
    ["a map as an object", damaged((p) => (p.byStatus = { completed: 1 })), /field byStatus is not an array;/],
    ["a count below 1", damaged((p) => (p.byType = [["outbound", 0]])), /field byType\[0\]\[1\] is 0, not a whole/],
    [
      "a repeated name",
      damaged(
        (p) =>
          (p.bySentiment = [
            ["a", 1],
            ["a", 2],
          ]),
      ),
      /field bySentiment\[1\] repeats "a";/,
    ],
    ["23 hours", damaged((p) => (p.hourly = Array(23).fill(0))), /field hourly has 23 entries, not 24;/],
    [
      "an inexact score sum",
      damaged((p) => ((p.all as { scoreSum: string }).scoreSum = "0.1")),
      /all\.scoreSum is not/,
    ],
    ["a dense histogram", damaged((p) => (p.durations = [1, 2, 3])), /field durations\[0\] is not an array;/],
    [
      "unordered durations",
      damaged(
        (p) =>
          (p.durations = [
            [5, 1],
            [4, 1],
          ]),
      ),
      /durations\[1\] is not .* ascending/,
    ],
    ["a missing group", damaged((p) => delete p.campaigns), /field campaigns is not an array;/],
    ["a null group", damaged((p) => ((p.assistants as unknown[])[0] = null)), /assistants\[0\] is not an object/],
    ["a hole for a group", damaged((p) => delete (p.campaigns as unknown[])[0]), /campaigns\[0\] is not an object/],
    ["no partial at all", null as unknown as PartialAggregate, /^Partial aggregate is not a JSON object;/],
  ])("refuses %s with a one-line message naming the field", (_, partial, message) => {
    const day = new DayAggregator(OPTIONS);
    expect(() => day.absorb(partial)).toThrow(PartialAggregateError);
    expect(() => day.absorb(partial)).toThrow(message);
    expect(() => day.absorb(partial)).not.toThrow(/\n/);
  });

  it("refuses a part of another day, and is left as it was", () => {
    const otherDay = new DayAggregator({ ...OPTIONS, window: reportWindow("2025-11-01", "America/New_York") });
    const day = DayAggregator.merge(OPTIONS, [good()]);
    expect(() => day.absorb(otherDay.partial())).toThrow(/^Partial aggregate is for .*"2025-11-01".*another day/);
    expect(day.finish(INPUT)).toEqual(DayAggregator.merge(OPTIONS, [good()]).finish(INPUT));
  });

  it("adds nothing from a part refused for a field checked after others", () => {
    const day = new DayAggregator(OPTIONS);
    expect(() => day.absorb(damaged((p) => (p.evaluationKeys = [1])))).toThrow(/evaluationKeys\[0\] is not a string/);
    expect(day.finish(INPUT)).toEqual(onePass([]).finish(INPUT));
  });
});
