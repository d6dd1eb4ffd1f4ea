import { describe, expect, it } from "vitest";
import { DayAggregator } from "../../lambda/report/aggregate.js";
import type { Call } from "../../lambda/report/call.js";
import { compareIfComparable, compareSummaries, incomparableReason } from "../../lambda/report/compare.js";
import type { Summary, SummaryV1 } from "../../lambda/report/summary.js";
import { reportWindow } from "../../lambda/report/window.js";
import { makeCall, makeFetchStats } from "../support/call-factory.js";

const NO_FILTERS: Summary["filters"] = { assistantId: null, campaignId: null, type: null, status: null };

interface DayInput {
  date: string;
  timezone?: string;
  filters?: Summary["filters"];
  calls?: Call[];
  previousDay?: Summary | null;
  sameWeekdayLastWeek?: Summary | null;
}

/** A real summary of `calls`, all created at noon UTC on `date`. */
function summaryOf({ date, timezone = "UTC", filters = NO_FILTERS, calls = [], ...earlier }: DayInput): Summary {
  const day = new DayAggregator({ window: reportWindow(date, timezone), apiTimezone: "UTC", filters });
  for (const call of calls) day.add({ ...call, createdAt: `${date} 12:00:00` });
  return day.finish({
    fetch: makeFetchStats(),
    generatedAt: new Date(`${date}T23:00:00Z`),
    previousDay: earlier.previousDay ?? null,
    sameWeekdayLastWeek: earlier.sameWeekdayLastWeek ?? null,
  });
}

function calls(count: number, overrides: Partial<Call> = {}): Call[] {
  return Array.from({ length: count }, () => makeCall(overrides));
}

describe("compareSummaries", () => {
  it("gives current, previous, change and change ratio for every headline KPI", () => {
    const earlier = summaryOf({
      date: "2025-08-03",
      calls: [
        ...calls(3, { durationSeconds: 100, evaluation: { score: 6 } }),
        ...calls(1, { durationSeconds: 0, evaluation: null }),
      ],
    });
    const current = summaryOf({
      date: "2025-08-04",
      calls: calls(6, { durationSeconds: 100, evaluation: { score: 9 } }),
    });
    const { date, deltas } = compareSummaries(current, earlier);
    expect(date).toBe("2025-08-03");
    expect(deltas.calls).toEqual({ current: 6, previous: 4, change: 2, changeRatio: 0.5 });
    expect(deltas.connectedCalls).toEqual({ current: 6, previous: 3, change: 3, changeRatio: 1 });
    expect(deltas.connectRate).toEqual({ current: 1, previous: 0.75, change: 0.25, changeRatio: 0.25 / 0.75 });
    expect(deltas.durationSeconds).toEqual({ current: 600, previous: 300, change: 300, changeRatio: 1 });
    expect(deltas.averageScore).toEqual({ current: 9, previous: 6, change: 3, changeRatio: 0.5 });
  });

  it("computes the cost change from exact micros, without float drift", () => {
    const earlier = summaryOf({ date: "2025-08-03", calls: calls(1, { totalCostMicros: 100_000 }) });
    const current = summaryOf({ date: "2025-08-04", calls: calls(1, { totalCostMicros: 400_000 }) });
    expect(0.4 - 0.1).not.toBe(0.3);
    expect(compareSummaries(current, earlier).deltas.totalCost).toEqual({
      current: 0.4,
      previous: 0.1,
      change: 0.3,
      changeRatio: 3,
    });
  });

  it("has no change ratio when the earlier value is 0", () => {
    const earlier = summaryOf({ date: "2025-08-03" });
    const current = summaryOf({ date: "2025-08-04", calls: calls(2) });
    expect(compareSummaries(current, earlier).deltas.calls).toEqual({
      current: 2,
      previous: 0,
      change: 2,
      changeRatio: null,
    });
  });

  it("has no change when either value is undefined for its day", () => {
    const emptyDay = summaryOf({ date: "2025-08-03" });
    const current = summaryOf({ date: "2025-08-04", calls: calls(2) });
    expect(compareSummaries(current, emptyDay).deltas.connectRate).toEqual({
      current: 1,
      previous: null,
      change: null,
      changeRatio: null,
    });
    expect(compareSummaries(emptyDay, current).deltas.averageScore).toEqual({
      current: null,
      previous: 8.5,
      change: null,
      changeRatio: null,
    });
  });

  it("reads a KPI missing from a stored summary as null rather than failing", () => {
    const stored = summaryOf({ date: "2025-08-03", calls: calls(1) }) as unknown as Record<string, unknown>;
    delete stored.averageScore;
    const current = summaryOf({ date: "2025-08-04", calls: calls(1) });
    expect(compareSummaries(current, stored as unknown as Summary).deltas.averageScore.previous).toBeNull();
  });
});

describe("comparable summaries", () => {
  const current = summaryOf({ date: "2025-08-04", calls: calls(1) });

  it("accepts the stored summary of the expected day with the same timezone and filters", () => {
    expect(incomparableReason(current, summaryOf({ date: "2025-08-03" }), "2025-08-03")).toBeNull();
  });

  it("gives no comparison when there is no stored summary", () => {
    expect(compareIfComparable(current, null, "2025-08-03")).toBeNull();
  });

  it("gives no comparison with a summary of another schema version", () => {
    const stored = { ...summaryOf({ date: "2025-08-03" }), schemaVersion: 0 } as unknown as Summary;
    expect(incomparableReason(current, stored, "2025-08-03")).toMatch(/schemaVersion/);
    expect(compareIfComparable(current, stored, "2025-08-03")).toBeNull();
  });

  it("compares with a version-1 summary stored before the exact sums existed: its headline KPIs mean the same", () => {
    const { exact: _, ...withoutExact } = summaryOf({ date: "2025-08-03", calls: calls(2) });
    const stored: SummaryV1 = { ...withoutExact, schemaVersion: 1 };
    expect(incomparableReason(current, stored, "2025-08-03")).toBeNull();
    expect(compareIfComparable(current, stored, "2025-08-03")?.deltas.calls).toMatchObject({ current: 1, previous: 2 });
  });

  it("gives no comparison with a day read in another timezone", () => {
    const stored = summaryOf({ date: "2025-08-03", timezone: "Europe/Berlin" });
    expect(compareIfComparable(current, stored, "2025-08-03")).toBeNull();
  });

  it("gives no comparison with a day counted under other filters", () => {
    const stored = summaryOf({ date: "2025-08-03", filters: { ...NO_FILTERS, campaignId: 3 } });
    expect(compareIfComparable(current, stored, "2025-08-03")).toBeNull();
  });

  it("compares a named report's day with the stage's single-report history of the same filters (#17 migration)", () => {
    const named = (filters: object) => ({
      ...summaryOf({ date: "2025-08-04", filters: { ...NO_FILTERS, campaignId: 3 }, calls: calls(1) }),
      report: { name: "daily", title: "All calls", filters },
    });
    const history = summaryOf({ date: "2025-08-03", filters: { ...NO_FILTERS, campaignId: 3 } });
    expect(incomparableReason(named({ campaignIds: [3] }), history, "2025-08-03")).toBeNull();
    expect(incomparableReason(named({ campaignIds: [3, 4] }), history, "2025-08-03")).toBe("its filters differ");
    expect(incomparableReason(named({ campaignIds: [3], callTypes: ["web"] }), history, "2025-08-03")).toBe(
      "its filters differ",
    );
    // The lists' order does not matter.
    const other = { ...named({ campaignIds: [4, 3] }), date: "2025-08-03" };
    expect(incomparableReason(named({ campaignIds: [3, 4] }), other, "2025-08-03")).toBeNull();
  });

  it("gives no comparison with a summary stored for another date", () => {
    expect(compareIfComparable(current, summaryOf({ date: "2025-08-02" }), "2025-08-03")).toBeNull();
  });
});

describe("DayAggregator.finish comparisons", () => {
  it("compares with the previous day and the same weekday a week earlier", () => {
    const summary = summaryOf({
      date: "2025-08-04",
      calls: calls(3),
      previousDay: summaryOf({ date: "2025-08-03", calls: calls(2) }),
      sameWeekdayLastWeek: summaryOf({ date: "2025-07-28", calls: calls(6) }),
    });
    expect(summary.comparison.previousDay?.date).toBe("2025-08-03");
    expect(summary.comparison.previousDay?.deltas.calls.change).toBe(1);
    expect(summary.comparison.sameWeekdayLastWeek?.date).toBe("2025-07-28");
    expect(summary.comparison.sameWeekdayLastWeek?.deltas.calls.changeRatio).toBe(-0.5);
  });

  it("leaves both comparisons null when no earlier summary is stored", () => {
    expect(summaryOf({ date: "2025-08-04", calls: calls(1) }).comparison).toEqual({
      previousDay: null,
      sameWeekdayLastWeek: null,
    });
  });

  it("does not compare a stored summary passed for the wrong slot", () => {
    const lastWeek = summaryOf({ date: "2025-07-28" });
    const summary = summaryOf({ date: "2025-08-04", previousDay: lastWeek, sameWeekdayLastWeek: lastWeek });
    expect(summary.comparison.previousDay).toBeNull();
    expect(summary.comparison.sameWeekdayLastWeek).not.toBeNull();
  });
});
