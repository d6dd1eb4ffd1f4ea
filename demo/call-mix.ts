/**
 * How often things happen in the simulated account: the daily volume curve and the mix of
 * call statuses per direction (outbound dialers meet more no-answers and busy lines).
 */
import type { CallStatus } from "./raw-call.js";

// Elapsed hour of the API day → relative call volume: quiet nights, a morning and an
// afternoon peak, a lunch dip. Outbound dialers run in business hours.
const HOURLY_WEIGHTS = [
  0.25, 0.15, 0.1, 0.1, 0.12, 0.3, 0.9, 2.4, 5.5, 8.5, 9.2, 8.6, 6.2, 7.4, 8.8, 8.4, 7.2, 5.4, 3.3, 2.3, 1.6, 1.1, 0.7,
  0.4,
];
const HOURLY_CDF = (() => {
  const total = HOURLY_WEIGHTS.reduce((sum, weight) => sum + weight, 0);
  const cdf = [0];
  let running = 0;
  for (const weight of HOURLY_WEIGHTS) {
    running += weight / total;
    cdf.push(running);
  }
  cdf[24] = 1;
  return cdf;
})();

/** Day fraction in [0, 1) at quantile `q` of the daily curve; monotonic in `q`. */
export function dayFractionAt(q: number): number {
  let hour = 0;
  while (hour < 23 && (HOURLY_CDF[hour + 1] as number) <= q) hour++;
  const low = HOURLY_CDF[hour] as number;
  const high = HOURLY_CDF[hour + 1] as number;
  const within = high > low ? (q - low) / (high - low) : 0;
  return Math.min((hour + Math.min(Math.max(within, 0), 0.999999)) / 24, 0.99999999);
}

export const OUTBOUND_STATUS: readonly (readonly [CallStatus, number])[] = [
  ["completed", 52],
  ["ended", 5],
  ["ended_by_customer", 10],
  ["ended_by_assistant", 8],
  ["no-answer", 12],
  ["busy", 5],
  ["failed", 4],
  ["in-progress", 1.5],
  ["ringing", 0.6],
  ["initiated", 0.9],
];
export const INBOUND_STATUS: readonly (readonly [CallStatus, number])[] = [
  ["completed", 62],
  ["ended", 6],
  ["ended_by_customer", 20],
  ["ended_by_assistant", 7],
  ["failed", 2],
  ["in-progress", 2],
  ["ringing", 0.5],
];
