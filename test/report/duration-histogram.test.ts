import { describe, expect, it } from "vitest";
import { DurationHistogram } from "../../lambda/report/duration-histogram.js";

function histogramOf(...seconds: number[]): DurationHistogram {
  const histogram = new DurationHistogram();
  for (const value of seconds) histogram.add(value);
  return histogram;
}

describe("DurationHistogram", () => {
  it("has no percentile when empty", () => {
    expect(histogramOf().percentile(0.5)).toBeNull();
  });

  it("returns the value at rank ⌈fraction × count⌉, rounding the rank up", () => {
    // 0.9 × 7 = 6.3 → rank 7.
    expect(histogramOf(1, 2, 3, 4, 5, 6, 7).percentile(0.9)).toBe(7);
    expect(histogramOf(1, 2, 3, 4, 5, 6, 7).percentile(0.5)).toBe(4);
  });

  it("returns the smallest value for fraction 0 and the largest for 1", () => {
    const histogram = histogramOf(30, 10, 20);
    expect(histogram.percentile(0)).toBe(10);
    expect(histogram.percentile(1)).toBe(30);
  });

  it("counts repeated values by multiplicity", () => {
    expect(histogramOf(5, 5, 5, 100).percentile(0.75)).toBe(5);
    expect(histogramOf(5, 5, 5, 100).count).toBe(4);
  });

  it("orders fractional and very long durations among the whole seconds", () => {
    const histogram = histogramOf(2.5, 3, 2, 50_000, 9_999.5);
    expect([0.2, 0.4, 0.6, 0.8, 1].map((fraction) => histogram.percentile(fraction))).toEqual([
      2, 2.5, 3, 9_999.5, 50_000,
    ]);
  });
});
