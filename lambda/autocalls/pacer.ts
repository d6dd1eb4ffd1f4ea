import type { FetchPause } from "../ports.js";

/**
 * Decides when the next request may leave, from what the API said about its rate limit.
 *
 * Every request of a fetch passes `acquire` (one at a time, in order) before it is sent:
 * - after a 429 everyone waits for `Retry-After`, then a single probe goes first, so a 429 is
 *   followed by waiting, never by a burst;
 * - once `X-RateLimit-Limit` is known, the pacer keeps a log of its own requests and never has
 *   more than `limit` of them inside one window. Each request counts until `windowMs` after its
 *   answer arrived — the server counted it no later than that — so the log is never more lenient
 *   than a sliding-window, fixed-window or token-bucket limiter on the other side;
 * - `X-RateLimit-Remaining` covers what the log cannot see (another client using the same
 *   token): the latest reading, minus the requests sent after it, plus this client's requests
 *   that have left the window since, is a lower bound of the budget actually left — until the
 *   API's own statement of when the budget is back (`Retry-After` on a 429, `X-RateLimit-Reset`)
 *   has passed: then the reading is stale (Laravel sends `Remaining: 0` with every 429) and only
 *   the log and the probe after a 429 hold the requests back.
 * Requests therefore go at once while there is budget and otherwise wait exactly until some
 * is freed, which uses the full allowed rate without provoking a 429.
 */
export interface PacerOptions {
  /** The limiter's window; Laravel's API limiter counts per minute. */
  windowMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  /** Told of every wait of ANNOUNCED_PAUSE_MS or more, before it starts. */
  onPause?: (pause: FetchPause) => void;
}

/** Shorter waits go unmentioned: a person notices a stall from a few seconds on. */
export const ANNOUNCED_PAUSE_MS = 5_000;

export interface RateLimitReading {
  limit: number | undefined;
  remaining: number | undefined;
  /** Epoch ms at which the API said the budget is back (Retry-After, X-RateLimit-Reset). */
  resetAt?: number;
}

export class RequestPacer {
  private readonly options: PacerOptions;
  private queue: Promise<unknown> = Promise.resolve();
  private sent = 0;
  private inFlight = 0;
  private lastSendAt = Number.NEGATIVE_INFINITY;
  private pausedUntil = 0;
  /** After a 429: requests up to this sequence number were sent before it and prove nothing. */
  private probeAfterSeq: number | undefined;
  private probeInFlight = false;
  private limit: number | undefined;
  private remaining: number | undefined;
  private remainingSeq = 0;
  private readingAt = Number.NEGATIVE_INFINITY;
  private readingExpiresAt = Number.POSITIVE_INFINITY;
  /** When each finished request leaves the window, ascending. */
  private expiries: number[] = [];
  private readonly changeWaiters = new Set<() => void>();

  constructor(options: PacerOptions) {
    this.options = options;
  }

  /** Resolves with the request's sequence number when it may be sent; pass it to `settle`. */
  acquire(signal: AbortSignal): Promise<number> {
    const turn = this.queue.then(() => this.waitForTurn(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Records a finished request and what its answer said about the limit. `pauseMs` is set for
   * a 429: how long everyone waits (Retry-After, or a backoff delay when it was missing).
   */
  settle(seq: number, reading: RateLimitReading, pauseMs?: number): void {
    const now = this.options.now();
    this.inFlight--;
    insertSorted(this.expiries, now + this.options.windowMs);
    if (reading.limit !== undefined && reading.limit > 0) this.limit = reading.limit;
    if (reading.remaining !== undefined && seq >= this.remainingSeq) {
      this.remaining = reading.remaining;
      this.remainingSeq = seq;
      this.readingAt = now;
      this.readingExpiresAt = reading.resetAt ?? Number.POSITIVE_INFINITY;
    }
    const probeAfterSeq = this.probeAfterSeq;
    if (probeAfterSeq !== undefined && seq > probeAfterSeq) this.probeInFlight = false;
    if (pauseMs !== undefined) {
      this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
      this.probeAfterSeq = this.sent;
    } else if (probeAfterSeq !== undefined && seq > probeAfterSeq) {
      this.probeAfterSeq = undefined;
    }
    for (const wake of this.changeWaiters) wake();
    this.changeWaiters.clear();
  }

  private async waitForTurn(signal: AbortSignal): Promise<number> {
    for (;;) {
      signal.throwIfAborted();
      const now = this.options.now();
      if (now < this.pausedUntil) {
        await this.pause(this.pausedUntil - now, "rateLimited", signal);
        continue;
      }
      const wait = this.probeAfterSeq !== undefined && this.probeInFlight ? "answer" : this.budgetWait(now);
      if (wait === "answer") {
        await this.nextChange(signal);
        continue;
      }
      if (wait <= 0) break;
      await this.pause(wait, "pacing", signal);
    }
    this.lastSendAt = this.options.now();
    if (this.probeAfterSeq !== undefined) this.probeInFlight = true;
    this.inFlight++;
    this.sent++;
    return this.sent;
  }

  private pause(ms: number, reason: FetchPause["reason"], signal: AbortSignal): Promise<void> {
    if (ms >= ANNOUNCED_PAUSE_MS) this.options.onPause?.({ ms, until: this.options.now() + ms, reason });
    return this.options.sleep(ms, signal);
  }

  /** 0 to go now, a delay in ms, or "answer" when only the next answer can free budget. */
  private budgetWait(now: number): number | "answer" {
    const limit = this.limit;
    if (limit === undefined) return 0;
    // Entries that left the window before both now and the last reading matter to neither count.
    const horizon = Math.min(now, this.readingAt);
    let drop = 0;
    while (drop < this.expiries.length && (this.expiries[drop] as number) <= horizon) drop++;
    if (drop > 0) this.expiries.splice(0, drop);

    let active = this.inFlight;
    let freedSinceReading = 0;
    let nextExpiry: number | undefined;
    for (const expiry of this.expiries) {
      if (expiry > now) {
        active++;
        nextExpiry ??= expiry;
      } else if (expiry > this.readingAt) {
        freedSinceReading++;
      }
    }
    let budget = limit - active;
    if (this.remaining !== undefined && now < this.readingExpiresAt) {
      budget = Math.min(budget, this.remaining - (this.sent - this.remainingSeq) + freedSinceReading);
    }
    if (budget > 0) return 0;
    if (nextExpiry !== undefined) return nextExpiry - now;
    if (this.inFlight > 0) return "answer";
    // Someone else holds the budget and nothing of ours will free any: probe at the steady rate.
    return this.lastSendAt + this.options.windowMs / limit - now;
  }

  private nextChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.changeWaiters.delete(wake);
        reject(signal.reason);
      };
      const wake = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      this.changeWaiters.add(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

function insertSorted(values: number[], value: number): void {
  let index = values.length;
  while (index > 0 && (values[index - 1] as number) > value) index--;
  values.splice(index, 0, value);
}
