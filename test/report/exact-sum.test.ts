import { describe, expect, it } from "vitest";
import { ExactSum } from "../../lambda/report/exact-sum.js";
import { seededRandom } from "../support/seeded-random.js";

function sumOf(...values: number[]): ExactSum {
  const sum = new ExactSum();
  for (const value of values) sum.add(value);
  return sum;
}

/** A double of any magnitude, sign and precision, including subnormals and whole numbers. */
function randomDouble(random: () => number): number {
  const kind = random();
  if (kind < 0.2) return Math.round((random() - 0.5) * 2 ** 60);
  if (kind < 0.3) return (random() - 0.5) * 2 ** -1060;
  const value = (random() - 0.5) * 2 ** Math.round((random() - 0.5) * 200);
  return kind < 0.6 ? value : Math.round(value * 1000) / 1000;
}

describe("ExactSum", () => {
  it("sums ten 0.1s to 1, where float addition gives 0.9999999999999999", () => {
    const values = Array.from({ length: 10 }, () => 0.1);
    expect(values.reduce((a, b) => a + b)).toBe(0.9999999999999999);
    expect(sumOf(...values).toNumber()).toBe(1);
  });

  it("keeps a term that float addition absorbs into a larger one", () => {
    expect(1e16 + 1 - 1e16).toBe(0);
    expect(sumOf(1e16, 1, -1e16).toNumber()).toBe(1);
  });

  it("writes the exact decimal value of the doubles it summed", () => {
    expect(sumOf(0.1).toString()).toBe("0.1000000000000000055511151231257827021181583404541015625");
    expect(sumOf(8.5, 9, 7.25).toString()).toBe("24.75");
    expect(sumOf(-0.5, -1).toString()).toBe("-1.5");
    expect(sumOf(0.5, -0.5).toString()).toBe("0");
    expect(new ExactSum().toString()).toBe("0");
  });

  it("reads back what it wrote, subnormals and sums past 2^53 included", () => {
    for (const sum of [sumOf(0.1, 0.2), sumOf(5e-324, 1), sumOf(2 ** 53, 2 ** 53, 0.5), sumOf(-3.75)]) {
      const copy = ExactSum.parse(sum.toString());
      expect(copy?.toString()).toBe(sum.toString());
      expect(copy?.toNumber()).toBe(sum.toNumber());
    }
  });

  it("refuses text that is not the exact value of a sum of doubles", () => {
    for (const text of ["0.1", "1e5", "", "abc", "1.", ".5", "+1", " 1", `0.${"5".padStart(1075, "0")}`]) {
      expect(ExactSum.parse(text)).toBeNull();
    }
  });

  it("gives the same number however the terms are grouped, rounded once to nearest", () => {
    const random = seededRandom(11);
    for (let round = 0; round < 200; round++) {
      const values = Array.from({ length: 1 + Math.floor(random() * 30) }, () => randomDouble(random));
      const whole = sumOf(...values);
      const cut = Math.floor(random() * (values.length + 1));
      const grouped = sumOf(...values.slice(0, cut));
      grouped.addSum(sumOf(...values.slice(cut)));
      expect(grouped.toString()).toBe(whole.toString());
      expect(grouped.toNumber()).toBe(whole.toNumber());
      // V8 reads decimal text correctly rounded, which makes it an independent reference here.
      expect(whole.toNumber()).toBe(Number(whole.toString()));
    }
  });

  it("overflows to Infinity only when the exact sum does", () => {
    expect(sumOf(Number.MAX_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE).toNumber()).toBe(Number.MAX_VALUE);
    expect(sumOf(Number.MAX_VALUE, Number.MAX_VALUE).toNumber()).toBe(Number.POSITIVE_INFINITY);
  });

  it("refuses a term that is not finite", () => {
    expect(() => sumOf(Number.NaN)).toThrow(RangeError);
    expect(() => sumOf(Number.POSITIVE_INFINITY)).toThrow(/not a finite number/);
  });
});
