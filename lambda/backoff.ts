/**
 * The waiting between retries, shared by the Autocalls client and the SES mailer: one backoff
 * policy and one abortable sleep. Whether to retry at all stays with each caller.
 */
import { setTimeout as delay } from "node:timers/promises";

export interface BackoffPolicy {
  /** The first retry's step; each further retry doubles it. */
  baseMs: number;
  /** No step grows beyond this. */
  capMs: number;
  /** Source of jitter in [0, 1). */
  random: () => number;
}

/**
 * How long to wait before retry `retry` (0 for the first): capped exponential backoff with
 * "equal jitter" (AWS architecture blog, "Exponential Backoff And Jitter") — a random time
 * between half and all of `min(capMs, baseMs * 2^retry)`. Not full jitter (zero to all): both
 * callers retry against a rate window (SES's sending rate per second, an API coming back),
 * where a retry drawn near zero lands in the window that just refused it and wastes one of
 * few attempts; the random half still spreads the pages that failed together.
 */
export function backoffDelayMs(retry: number, policy: BackoffPolicy): number {
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** retry);
  return Math.round(step * (0.5 + policy.random() / 2));
}

/**
 * Resolves after `ms`. When `signal` aborts first it rejects with the signal's own reason (not
 * Node's generic AbortError), so whoever aborted says why.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal === undefined ? {} : { signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}
