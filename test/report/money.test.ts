import { describe, expect, it } from "vitest";
import { MoneyError, microsToUsd, usdToMicros } from "../../lambda/report/money.js";

describe("usdToMicros", () => {
  it("converts API amounts to whole micro-dollars without float error", () => {
    expect(usdToMicros(0.025)).toBe(25_000);
    expect(usdToMicros(0.02)).toBe(20_000);
    // 0.000489 * 1e6 is 488.99999999999994 in floats; truncating it would lose a micro-dollar.
    expect(usdToMicros(0.000489)).toBe(489);
    expect(usdToMicros(1234.56789)).toBe(1_234_567_890);
  });

  it("reads amounts that JavaScript prints in exponent form", () => {
    expect(usdToMicros(1e-6)).toBe(1);
    expect(usdToMicros(5e-7)).toBe(1);
    expect(usdToMicros(4e-7)).toBe(0);
  });

  it("rounds digits below a micro-dollar half away from zero", () => {
    expect(usdToMicros(0.0000015)).toBe(2);
    expect(usdToMicros(-0.0000015)).toBe(-2);
    expect(usdToMicros(0.0000014)).toBe(1);
  });

  it("rejects amounts that are not finite or too large to sum exactly", () => {
    expect(() => usdToMicros(Number.NaN)).toThrow(MoneyError);
    expect(() => usdToMicros(1e12)).toThrow(/too large/);
  });
});

describe("microsToUsd", () => {
  it("gives the number nearest the exact decimal", () => {
    expect(microsToUsd(30_850_000)).toBe(30.85);
    expect(microsToUsd(300_000)).toBe(0.3);
    expect(microsToUsd(1)).toBe(0.000001);
  });

  it("keeps sums that drift with naive float addition exact", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(microsToUsd(usdToMicros(0.1) + usdToMicros(0.2))).toBe(0.3);

    let naive = 0;
    let micros = 0;
    for (let i = 0; i < 1234; i++) {
      naive += 0.025;
      micros += usdToMicros(0.025);
    }
    expect(naive).not.toBe(30.85);
    expect(microsToUsd(micros)).toBe(30.85);
  });
});

describe("usdToMicros on amounts with up to nine decimals", () => {
  /** The exact answer from the decimal digits, rounded half away from zero at the micro-dollar. */
  function expectedMicros(units: bigint, decimals: number): number {
    const scale = 10n ** BigInt(decimals);
    const scaled = units * 1_000_000n;
    const magnitude = (scaled < 0n ? -scaled : scaled) * 2n + scale;
    const rounded = magnitude / (2n * scale);
    return Number(scaled < 0n ? -rounded : rounded);
  }

  it("agrees with the digits on both sides of every half micro-dollar", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    for (let i = 0; i < 5_000; i++) {
      const decimals = Math.floor(random() * 10);
      const units = BigInt(Math.floor((random() - 0.5) * 2 * 10 ** (decimals + 4)));
      const text = `${units < 0n ? "-" : ""}${(units < 0n ? -units : units)
        .toString()
        .padStart(decimals + 1, "0")
        .replace(new RegExp(`(\\d{${decimals}})$`), ".$1")}`;
      expect(usdToMicros(Number(text)), text).toBe(expectedMicros(units, decimals));
    }
  });
});
