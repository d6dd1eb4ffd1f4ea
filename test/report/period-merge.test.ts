import { describe, expect, it } from "vitest";
import { DayAggregator } from "../../lambda/report/aggregate.js";
import type { Call, FetchStats } from "../../lambda/report/call.js";
import { type Period, periodContaining, periodFromLabel, periodWindow } from "../../lambda/report/period.js";
import { mergeDailySummaries, PeriodMergeError, type PeriodReport } from "../../lambda/report/period-merge.js";
import { readStoredSummary } from "../../lambda/report/stored-summary.js";
import type { StoredSummary, Summary, SummaryV1 } from "../../lambda/report/summary.js";
import { isInWindow, parseApiTimestamp, reportWindow } from "../../lambda/report/window.js";
import { makeCall, makeFetchStats } from "../support/call-factory.js";
import { type Random, randomCalls, randomSplit } from "../support/random-calls.js";
import { seededRandom } from "../support/seeded-random.js";

const FILTERS: Summary["filters"] = { assistantId: null, campaignId: null, type: null, status: null };
const GENERATED_AT = new Date("2025-12-01T07:00:00Z");
const HOUR_MS = 60 * 60 * 1000;

function randomFetch(random: Random): FetchStats {
  const n = () => Math.floor(random() * 50);
  return makeFetchStats({ pages: n(), requests: n(), retries: n(), rateLimited: n(), received: n(), apiTotal: n() });
}

function addFetch(a: FetchStats, b: FetchStats): FetchStats {
  const sum = { ...a };
  for (const key of Object.keys(sum) as Array<keyof FetchStats>) sum[key] += b[key];
  return sum;
}

/** A day's summary as the daily pipeline stores it: aggregated in random parts, through JSON. */
function storedDay(random: Random, date: string, timezone: string, calls: Call[], fetch: FetchStats): StoredSummary {
  const options = { window: reportWindow(date, timezone), apiTimezone: "UTC", filters: FILTERS };
  const parts = randomSplit(random, calls, 1 + Math.floor(random() * 3)).map((part) => {
    const aggregator = new DayAggregator(options);
    for (const call of part) aggregator.add(call);
    return JSON.parse(JSON.stringify(aggregator.partial()));
  });
  const summary = DayAggregator.merge(options, parts).finish({
    fetch,
    generatedAt: GENERATED_AT,
    previousDay: null,
    sameWeekdayLastWeek: null,
  });
  return readStoredSummary(JSON.parse(JSON.stringify(summary)));
}

interface Dataset {
  /** The one-pass aggregate of every call over the period's window. */
  whole: Summary;
  days: StoredSummary[];
}

/**
 * Random calls from a day before the period to a day after it, aggregated once over the whole
 * period and once per day; a call outside the period lands on a random day, where it counts
 * as outside that day's window, as it does outside the period's.
 */
function dataset(seed: number, period: Period, timezone: string): Dataset {
  const random = seededRandom(seed);
  const window = periodWindow(period, timezone);
  const from = window.start.getTime() - 24 * HOUR_MS;
  const span = window.end.getTime() + 24 * HOUR_MS - from;
  const timestamp = (r: Random) =>
    new Date(from + Math.floor(r() * (span / 1000)) * 1000).toISOString().slice(0, 19).replace("T", " ");
  const calls = randomCalls(random, Math.floor(random() * 40 * period.dates.length), timestamp);

  const windows = period.dates.map((date) => reportWindow(date, timezone));
  const callsByDay = period.dates.map((): Call[] => []);
  for (const call of calls) {
    const instant = parseApiTimestamp(call.createdAt, "UTC") as Date;
    const index = windows.findIndex((day) => isInWindow(instant, day));
    callsByDay[index === -1 ? Math.floor(random() * windows.length) : index]?.push(call);
  }
  const fetches = period.dates.map(() => randomFetch(random));
  const days = period.dates.map((date, index) =>
    storedDay(random, date, timezone, callsByDay[index] ?? [], fetches[index] ?? makeFetchStats()),
  );

  const onePass = new DayAggregator({ window, apiTimezone: "UTC", filters: FILTERS });
  for (const call of calls) onePass.add(call);
  const whole = onePass.finish({
    fetch: fetches.reduce(addFetch, makeFetchStats({ pages: 0, requests: 0 })),
    generatedAt: GENERATED_AT,
    previousDay: null,
    sameWeekdayLastWeek: null,
  });
  // The days in a random order: the merge puts them in the period's.
  days.sort(() => random() - 0.5);
  return { whole, days };
}

function merge(period: Period, days: StoredSummary[], options = {}): PeriodReport {
  return mergeDailySummaries(period, days, { generatedAt: GENERATED_AT, ...options });
}

/** A version-2 day as a version-1 file had it: no exact sums. */
function asVersion1(day: StoredSummary): SummaryV1 {
  const { exact: _, ...rest } = day as Summary;
  return readStoredSummary({ ...JSON.parse(JSON.stringify(rest)), schemaVersion: 1 }) as SummaryV1;
}

describe("mergeDailySummaries equals one pass over the period's calls", () => {
  const cases: Array<[string, Period, string, number]> = [
    ["the New York fall-back week", periodContaining("week", "2025-11-02"), "America/New_York", 20],
    ["leap February in Berlin", periodFromLabel("2024-02"), "Europe/Berlin", 6],
    ["February 2025 in Tokyo", periodFromLabel("2025-02"), "Asia/Tokyo", 6],
  ];

  it.each(cases)(
    "for %s: counts, money, exact sums, histogram medians, hourly — every field",
    (_, period, zone, seeds) => {
      for (let seed = 1; seed <= seeds; seed++) {
        const { whole, days } = dataset(seed, period, zone);
        const report = merge(period, days);
        const context = `seed ${seed}, ${whole.totals.calls} calls`;
        // The histograms hold a count per distinct duration (resolution: exact), so the period's
        // median and p90 are equal to the one-pass ones, not merely close.
        expect(report.summary, context).toEqual(whole);
        expect(JSON.stringify(report.summary), context).toBe(JSON.stringify(whole));
        expect(report.approximate, context).toEqual([]);
      }
    },
  );

  it("keeps the days in the period's order, with their hourly counts as the day × hour grid", () => {
    const period = periodContaining("week", "2025-11-02");
    const { days } = dataset(7, period, "America/New_York");
    const report = merge(period, days);
    expect(report.days.map((day) => day.date)).toEqual(period.dates);
    expect(report.dayByHour.map((row) => row.date)).toEqual(period.dates);
    for (const [index, row] of report.dayByHour.entries()) {
      expect(row.hourly).toEqual(report.days[index]?.summary.hourly);
    }
    const byHour = Array.from({ length: 24 }, (_, hour) =>
      report.dayByHour.reduce((sum, row) => sum + (row.hourly[hour] ?? 0), 0),
    );
    expect(byHour).toEqual(report.summary.hourly);
  });

  it("dates the period summary by its first day, over the 169 hours of the fall-back week", () => {
    const period = periodContaining("week", "2025-11-02");
    const report = merge(period, dataset(3, period, "America/New_York").days);
    expect(report.summary.date).toBe("2025-10-27");
    const { start, end } = report.summary.window;
    expect((Date.parse(end) - Date.parse(start)) / HOUR_MS).toBe(169);
    expect(report.period).toEqual(period);
  });
});

describe("mergeDailySummaries refuses a set of days that is not the period", () => {
  const period = periodFromLabel("2025-W32");
  const { days } = dataset(11, period, "UTC");
  const without = (...dates: string[]) => days.filter((day) => !dates.includes(day.date));

  it("names every missing day", () => {
    expect(() => merge(period, without("2025-08-06", "2025-08-09"))).toThrow(PeriodMergeError);
    expect(() => merge(period, without("2025-08-06", "2025-08-09"))).toThrow(
      /week 2025-W32 lacks the summaries of 2025-08-06, 2025-08-09: build those days first/,
    );
  });

  it("refuses a day given twice, a day outside the period and a preview", () => {
    expect(() => merge(period, [...days, days[0] as StoredSummary])).toThrow(/given twice/);
    const outside = dataset(12, periodFromLabel("2025-W33"), "UTC").days[0] as StoredSummary;
    expect(() => merge(period, [...without(outside.date), outside])).toThrow(/is not a day of week 2025-W32/);
    const preview = { ...(days[0] as Summary), partialAsOf: "2025-08-05T10:00:00.000Z" };
    expect(() => merge(period, [...without(preview.date), preview])).toThrow(/preview of an unfinished day/);
  });

  it("refuses days counted in another timezone or with other filters", () => {
    const odd = { ...(days[2] as Summary), filters: { ...FILTERS, campaignId: 4 } };
    expect(() => merge(period, [...without(odd.date), odd])).toThrow(new RegExp(`${odd.date} was reported in UTC`));
    const berlin = { ...(days[2] as Summary), timezone: "Europe/Berlin" };
    expect(() => merge(period, [...without(berlin.date), berlin])).toThrow(/rebuild the odd day/);
  });
});

describe("mergeDailySummaries with version-1 days", () => {
  const period = periodContaining("week", "2025-11-02");
  const { whole, days } = dataset(21, period, "America/New_York");

  it("keeps counts, money, breakdowns and hourly exact and names what is approximate", () => {
    const report = merge(period, days.map(asVersion1));
    const { totals } = report.summary;
    for (const key of ["calls", "connectedCalls", "humanAnswered", "totalCostMicros", "carrierCostMicros"] as const) {
      expect(totals[key]).toBe(whole.totals[key]);
    }
    expect(report.summary.byOutcome).toEqual(whole.byOutcome);
    expect(report.summary.hourly).toEqual(whole.hourly);
    expect(report.summary.scoredCalls).toBe(whole.scoredCalls);
    expect(report.summary.averageScore).toBeCloseTo(whole.averageScore as number, 9);
    // The random calls include fractional durations, so talk time itself is approximate too.
    expect(report.approximate).toEqual([
      "totals.durationSeconds",
      "totals.averageDurationSeconds",
      "totals.costPerConnectedMinute",
      "totals.medianDurationSeconds",
      "totals.p90DurationSeconds",
      "averageScore",
      "assistants[].durationSeconds",
      "assistants[].averageScore",
      "campaigns[].durationSeconds",
      "campaigns[].averageScore",
    ]);
  });

  it("keeps a lone version-1 day's own median and p90", () => {
    // Nine calls: the median is the 5th (50 s), p90 the 9th (90 s).
    const calls = [10, 20, 30, 40, 50, 60, 70, 80, 90].map((durationSeconds) =>
      makeCall({ createdAt: "2025-08-06 12:00:00", durationSeconds }),
    );
    const week = periodFromLabel("2025-W32");
    const stored = week.dates.map((date) =>
      asVersion1(storedDay(seededRandom(1), date, "UTC", date === "2025-08-06" ? calls : [], makeFetchStats())),
    );
    const report = merge(week, stored);
    expect(report.summary.totals).toMatchObject({ medianDurationSeconds: 50, p90DurationSeconds: 90 });
    // Whole-second talk time stays exact; the percentiles do not.
    expect(report.summary.totals.durationSeconds).toBe(450);
    expect(report.approximate).toEqual([
      "totals.medianDurationSeconds",
      "totals.p90DurationSeconds",
      "averageScore",
      "assistants[].averageScore",
      "campaigns[].averageScore",
    ]);
  });

  it("weights a group's version-1 averages by its estimated scored calls", () => {
    const week = periodFromLabel("2025-W32");
    const scored = (createdAt: string, score: number) =>
      makeCall({ createdAt, assistantName: "Ada", evaluation: { score } });
    const callsOf: Record<string, Call[]> = {
      "2025-08-04": [scored("2025-08-04 09:00:00", 8)],
      "2025-08-05": [6, 6, 6].map((score) => scored("2025-08-05 09:00:00", score)),
    };
    const stored = week.dates.map((date) =>
      asVersion1(storedDay(seededRandom(1), date, "UTC", callsOf[date] ?? [], makeFetchStats())),
    );
    // Every call is scored, so sharing a day's scored calls out by calls is exact here: (8 + 18) / 4.
    expect(merge(week, stored).summary.assistants[0]?.averageScore).toBe(6.5);
  });

  it("is exact again when every day is version 2, and only the version-1 days' fields are marked when mixed", () => {
    const mixed = days.map((day) => (day.date === "2025-10-29" ? asVersion1(day) : day));
    const report = merge(period, mixed);
    expect(report.summary.totals.calls).toBe(whole.totals.calls);
    expect(report.approximate.length).toBeGreaterThan(0);
    expect(merge(period, days).approximate).toEqual([]);
  });
});

describe("mergeDailySummaries comparisons", () => {
  const period = periodFromLabel("2025-W32");
  const earlier = (label: string, seed: number) => {
    const other = periodFromLabel(label);
    return merge(other, dataset(seed, other, "UTC").days);
  };
  const current = dataset(31, period, "UTC");

  it("compares with the previous week and the same week a year ago when they are given", () => {
    const previous = earlier("2025-W31", 32);
    const lastYear = earlier("2024-W32", 33);
    const report = merge(period, current.days, { previousPeriod: previous, samePeriodLastYear: lastYear });
    expect(report.comparison.previousPeriod).toMatchObject({ label: "2025-W31", date: "2025-07-28" });
    expect(report.comparison.previousPeriod?.deltas.calls).toEqual({
      current: current.whole.totals.calls,
      previous: previous.summary.totals.calls,
      change: current.whole.totals.calls - previous.summary.totals.calls,
      changeRatio:
        previous.summary.totals.calls === 0
          ? null
          : (current.whole.totals.calls - previous.summary.totals.calls) / previous.summary.totals.calls,
    });
    expect(report.comparison.samePeriodLastYear).toMatchObject({ label: "2024-W32", date: "2024-08-05" });
  });

  it("gives no comparison when none is stored or the one given is not the expected period", () => {
    expect(merge(period, current.days).comparison).toEqual({ previousPeriod: null, samePeriodLastYear: null });
    const wrong = merge(period, current.days, { previousPeriod: earlier("2025-W30", 34) });
    expect(wrong.comparison.previousPeriod).toBeNull();
  });

  it("has no same week a year ago for a week 53 the previous year lacked", () => {
    const week53 = periodFromLabel("2026-W53");
    const report = merge(week53, dataset(35, week53, "UTC").days, { samePeriodLastYear: earlier("2025-W52", 36) });
    expect(report.comparison.samePeriodLastYear).toBeNull();
  });
});
