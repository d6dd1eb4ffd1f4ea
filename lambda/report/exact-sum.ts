/**
 * An exact sum of finite doubles, so that a day summed in parts equals the day summed in one
 * pass. Float addition is not associative — (a + b) + c can differ from a + (b + c) in the
 * last bit — so per-part float sums added together would not reproduce the one-pass sum.
 *
 * Every finite double is an integer times a power of two (m·2^e, |m| < 2^53, e ≥ −1074), so
 * a sum of doubles is one too: it is kept as a BigInt `units · 2^exponent`, with whole-number
 * terms (every duration, most scores) summed in a plain number while that stays exact. The
 * value only becomes a double in `toNumber`, rounded once, to nearest; it travels between
 * processes as its exact decimal expansion (a dyadic fraction always has a finite one).
 */

// Reads a double's biased exponent; one shared view, since the domain is single-threaded.
const BITS = new DataView(new ArrayBuffer(8));
const TWO_TO_32 = 2 ** 32;
/** The smallest exponent a double's last bit can have (the subnormal 2^−1074). */
const MIN_EXPONENT = -1074;
const EXACT_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** `value` as `[m, e]` with m an odd integer (|m| < 2^53) and value = m·2^e; value ≠ 0, finite. */
function decompose(value: number): [number, number] {
  BITS.setFloat64(0, value);
  const biased = (BITS.getUint16(0) >>> 4) & 0x7ff;
  let exponent = biased === 0 ? MIN_EXPONENT : biased - 1075;
  // Scaling by a power of two is exact; two steps because 2^1074 itself is not a double.
  const half = Math.trunc(-exponent / 2);
  let significand = value * 2 ** half * 2 ** (-exponent - half);
  // Drop trailing zero bits so that sums of short fractions (8.5 = 17·2^−1) stay small.
  let low = Math.abs(significand) % TWO_TO_32;
  if (low === 0) {
    significand /= TWO_TO_32;
    exponent += 32;
    low = Math.abs(significand) % TWO_TO_32;
  }
  const zeros = 31 - Math.clz32(low & -low);
  return [significand / 2 ** zeros, exponent + zeros];
}

function bitLength(magnitude: bigint): number {
  return magnitude === 0n ? 0 : magnitude.toString(2).length;
}

/**
 * The double nearest `units · 2^exponent` (ties to even), as a function of the value alone.
 * Beyond 55 significant bits the dropped ones are folded into a sticky bit, so Number()
 * rounds once; only a sum below 2^−1022 (subnormal) can be rounded twice.
 */
function dyadicToNumber(units: bigint, exponent: number): number {
  const magnitude = units < 0n ? -units : units;
  const excess = bitLength(magnitude) - 55;
  let rounded: number;
  if (excess <= 0) {
    rounded = Number(magnitude) * 2 ** exponent;
  } else {
    const kept = magnitude >> BigInt(excess);
    const sticky = kept << BigInt(excess) === magnitude ? 0n : 1n;
    rounded = Number(kept | sticky) * 2 ** (exponent + excess);
  }
  return units < 0n ? -rounded : rounded;
}

export class ExactSum {
  /** Whole-number terms, while their sum is a safe integer (exact as a double). */
  private whole = 0;
  /** Everything else: `units · 2^exponent`, exponent ≤ 0. */
  private units = 0n;
  private exponent = 0;

  /** Adds a finite double exactly. */
  add(value: number): void {
    if (!Number.isFinite(value)) throw new RangeError(`Cannot sum ${value} exactly: not a finite number.`);
    if (Number.isInteger(value)) {
      const whole = this.whole + value;
      if (Number.isSafeInteger(whole)) {
        this.whole = whole;
        return;
      }
    }
    if (value === 0) return;
    const [significand, exponent] = decompose(value);
    this.addUnits(BigInt(significand), exponent);
  }

  /** Adds another exact sum (a part's) to this one. */
  addSum(other: ExactSum): void {
    const whole = this.whole + other.whole;
    if (Number.isSafeInteger(whole)) this.whole = whole;
    else this.addUnits(BigInt(other.whole), 0);
    this.addUnits(other.units, other.exponent);
  }

  /** The sum rounded once to the nearest double: the same number however the terms were grouped. */
  toNumber(): number {
    if (this.units === 0n) return this.whole;
    return dyadicToNumber(this.scaled(), this.exponent);
  }

  /** The exact sum in decimal (`"17"`, `"-0.5"`, `"15.399999999999999467…"`), read back by `parse`. */
  toString(): string {
    let units = this.scaled();
    let places = -this.exponent;
    if (units === 0n) return "0";
    // Fewest binary places first: each one left is one more decimal place (2^−p = 5^p / 10^p).
    const zeros = Math.min(places, bitLength(units & -units) - 1);
    units >>= BigInt(zeros);
    places -= zeros;
    const negative = units < 0n;
    const digits = ((negative ? -units : units) * 5n ** BigInt(places)).toString().padStart(places + 1, "0");
    const point = digits.length - places;
    const decimal = places === 0 ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
    return negative ? `-${decimal}` : decimal;
  }

  /**
   * Reads `toString`'s output back; null when the text is not a plain decimal or not a sum of
   * doubles (a fraction that is not a multiple of 2^−1074 — e.g. `"0.1"`, which no double is).
   */
  static parse(text: string): ExactSum | null {
    const match = EXACT_DECIMAL.exec(text);
    if (!match) return null;
    const [, sign = "", whole = "0", fraction = ""] = match;
    if (fraction.length > -MIN_EXPONENT) return null;
    const power = 5n ** BigInt(fraction.length);
    const digits = BigInt(whole + fraction);
    if (digits % power !== 0n) return null;
    const sum = new ExactSum();
    sum.units = (sign === "-" ? -1n : 1n) * (digits / power);
    sum.exponent = -fraction.length;
    return sum;
  }

  /** Whole and units together, as units of 2^exponent. */
  private scaled(): bigint {
    return (BigInt(this.whole) << BigInt(-this.exponent)) + this.units;
  }

  private addUnits(units: bigint, exponent: number): void {
    if (units === 0n) return;
    if (exponent < this.exponent) {
      this.units <<= BigInt(this.exponent - exponent);
      this.exponent = exponent;
    }
    this.units += units << BigInt(exponent - this.exponent);
  }
}
