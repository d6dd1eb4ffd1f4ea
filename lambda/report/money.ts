/**
 * Money as integer micro-dollars. Sums of integers are exact (up to 2^53 micros, about nine
 * billion dollars), so totals equal the decimal sum of the inputs; floats appear only at the
 * edges: USD numbers in the summary and strings for display.
 */

export const MICROS_PER_USD = 1_000_000;

const FAST_PATH_LIMIT_MICROS = 2 ** 40;

export class MoneyError extends Error {
  override name = "MoneyError";
}

/**
 * The USD value of `micros` as a JS number. IEEE division is correctly rounded, so for an
 * integer `micros` this is the number nearest the exact decimal (`30_850_000` → `30.85`, the
 * same number the literal `30.85` gives) — no drift, no rounding to cents.
 */
export function microsToUsd(micros: number): number {
  return micros / MICROS_PER_USD;
}

/**
 * Converts an API USD amount (`0.025`) to integer micro-dollars without float error: the
 * number's shortest decimal form (what `String()` prints, and what the JSON said) is read
 * digit by digit. Digits below a micro-dollar are rounded half away from zero.
 */
export function usdToMicros(usd: number): number {
  if (!Number.isFinite(usd)) {
    throw new MoneyError(`Cannot convert ${usd} USD to micro-dollars: the amount is not a finite number.`);
  }
  // Fast path, taken for nearly every API amount (the client converts two per call): below
  // 2^40 micros the float product is within 0.0005 of the exact decimal one, so unless it is
  // that close to a half, rounding it gives the same integer as rounding the digits.
  const scaled = usd * MICROS_PER_USD;
  if (Math.abs(scaled) < FAST_PATH_LIMIT_MICROS && Math.abs(Math.abs(scaled % 1) - 0.5) > 0.001) {
    return Math.round(scaled) + 0; // `+ 0` turns -0 into 0
  }
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(usd));
  if (!match) throw new MoneyError(`Cannot read ${usd} as a decimal USD amount.`);
  const [, sign = "", whole = "0", fraction = "", exponent = "0"] = match;
  // Shift the decimal point by the exponent (1e-7, 1.5e+21) on the digit string itself.
  const digits = whole + fraction;
  const pointAt = whole.length + Number(exponent) + 6;
  const padded = pointAt > digits.length ? digits.padEnd(pointAt, "0") : digits;
  const integerDigits = pointAt <= 0 ? "0" : padded.slice(0, pointAt);
  const firstDroppedDigit = pointAt < 0 ? 0 : Number(padded[pointAt] ?? "0");
  const magnitude = BigInt(integerDigits) + (firstDroppedDigit >= 5 ? 1n : 0n);
  const micros = Number(sign === "-" ? -magnitude : magnitude);
  if (!Number.isSafeInteger(micros)) {
    throw new MoneyError(`${usd} USD is too large to sum exactly in micro-dollars (limit about $9 billion).`);
  }
  return micros === 0 ? 0 : micros;
}
