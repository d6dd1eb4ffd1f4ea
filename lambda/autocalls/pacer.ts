import type { FetchPause, PacerSnapshot } from "../ports.js";
import { AutocallsError } from "./errors.js";

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
 *
 * A fetch in parts (durable execution) does not sleep long waits: with `stopForPausesFromMs`
 * the pacer refuses instead, and `snapshot()`/`restore` carry what it knows to the next part.
 */
export interface PacerOptions {
  /** The limiter's window; Laravel's API limiter counts per minute. */
  windowMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  /** Told of every wait of ANNOUNCED_PAUSE_MS or more, before it starts (not of a refused one). */
  onPause?: (pause: FetchPause) => void;
  /** The state another pacer ended with (its `snapshot()`), to go on from. */
  restore?: PacerSnapshot | undefined;
  /**
   * A wait of at least this long (after a 429, then for budget) is not slept: `acquire` rejects
   * with a PacerStop saying until when, and so does every later `acquire` of this pacer.
   */
  stopForPausesFromMs?: number | undefined;
}

/** `acquire` refused to sleep a long wait: no request may go before `resumeAt` (epoch ms). */
export class PacerStop extends Error {
  readonly resumeAt: number;
  readonly reason: FetchPause["reason"];

  constructor(resumeAt: number, reason: FetchPause["reason"]) {
    super(`Requests wait until ${new Date(resumeAt).toISOString()} (${reason}); not sleeping that long here.`);
    this.name = "PacerStop";
    this.resumeAt = resumeAt;
    this.reason = reason;
  }
}

/** Shorter waits go unmentioned: a person notices a stall from a few seconds on. */
export const ANNOUNCED_PAUSE_MS = 5_000;

// Without a known limit the log decides nothing yet; this only bounds a snapshot's size.
const MAX_SNAPSHOT_EXPIRIES_WITHOUT_LIMIT = 1_000;

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
  private stop: PacerStop | undefined;

  constructor(options: PacerOptions) {
    this.options = options;
    const stopFromMs = options.stopForPausesFromMs;
    if (stopFromMs !== undefined && !(stopFromMs >= 0 && stopFromMs < Number.POSITIVE_INFINITY)) {
      throw new AutocallsError(`stopForPausesFromMs must be a non-negative number of milliseconds, got ${stopFromMs}.`);
    }
    if (options.restore !== undefined) this.restore(options.restore);
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

  /**
   * What the pacer knows, for a pacer in another part to go on from: a restored pacer sends when
   * this one would have, provided nothing is in flight now (as after a part's iteration) and the
   * clock does not run backwards between the parts. Otherwise it approximates: requests in
   * flight count as answered now, the earliest they can be; a probe in flight is forgotten.
   */
  snapshot(): PacerSnapshot {
    const takenAt = this.options.now();
    const fresh = this.remaining !== undefined && takenAt < this.readingExpiresAt;
    let remaining: number | null = null;
    if (this.remaining !== undefined && fresh) {
      // Normalized to a reading taken now: the sequence numbers it was relative to end with this pacer.
      const freed = this.expiries.filter((expiry) => expiry > this.readingAt && expiry <= takenAt).length;
      remaining = this.remaining - (this.sent - this.remainingSeq) + freed;
    }
    const expiries = this.expiries.filter((expiry) => expiry > takenAt);
    for (let i = 0; i < this.inFlight; i++) insertSorted(expiries, takenAt + this.options.windowMs);
    return {
      version: 1,
      takenAt,
      limit: this.limit ?? null,
      remaining,
      remainingUntil: fresh && this.readingExpiresAt < Number.POSITIVE_INFINITY ? this.readingExpiresAt : null,
      // More than `limit` (after 429s): the newest `limit` say when the log frees budget; dropping
      // the older ones can only delay what the Remaining reading frees.
      windowExpiries: expiries.slice(-(this.limit ?? MAX_SNAPSHOT_EXPIRIES_WITHOUT_LIMIT)),
      pausedUntil: this.pausedUntil > takenAt ? this.pausedUntil : null,
      probeFirst: this.probeAfterSeq !== undefined,
      lastSentAt: this.lastSendAt > Number.NEGATIVE_INFINITY ? this.lastSendAt : null,
    };
  }

  /**
   * Once `acquire` has refused: when requests may resume, and why. Taken once the requests in
   * flight at the refusal are answered, it goes by what they said: a 429 among them pushes the
   * time away, a fresher X-RateLimit-Remaining may bring it nearer.
   */
  stopped(): { resumeAt: number; reason: FetchPause["reason"] } | undefined {
    const stop = this.stop;
    if (stop === undefined) return undefined;
    const now = this.options.now();
    const reason = stop.reason === "rateLimited" || now < this.pausedUntil ? "rateLimited" : "pacing";
    return { resumeAt: this.readyAt(now), reason };
  }

  private restore(snapshot: PacerSnapshot): void {
    checkSnapshot(snapshot);
    this.limit = snapshot.limit ?? undefined;
    if (snapshot.remaining !== null) {
      // Sequence numbers start again at 1, all after the reading.
      this.remaining = snapshot.remaining;
      this.remainingSeq = 0;
      this.readingAt = snapshot.takenAt;
      this.readingExpiresAt = snapshot.remainingUntil ?? Number.POSITIVE_INFINITY;
    }
    this.expiries = [...snapshot.windowExpiries].sort((a, b) => a - b);
    this.pausedUntil = snapshot.pausedUntil ?? 0;
    this.probeAfterSeq = snapshot.probeFirst ? 0 : undefined;
    this.lastSendAt = snapshot.lastSentAt ?? Number.NEGATIVE_INFINITY;
  }

  private async waitForTurn(signal: AbortSignal): Promise<number> {
    for (;;) {
      signal.throwIfAborted();
      if (this.stop !== undefined) throw this.stop;
      const now = this.options.now();
      this.refuseLongWait(now);
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

  /** With `stopForPausesFromMs`: throws (and stays stopped) when the wait ahead is that long. */
  private refuseLongWait(now: number): void {
    const stopFromMs = this.options.stopForPausesFromMs;
    if (stopFromMs === undefined) return;
    const readyAt = this.readyAt(now);
    if (readyAt <= now || readyAt - now < stopFromMs) return;
    this.stop = new PacerStop(readyAt, now < this.pausedUntil ? "rateLimited" : "pacing");
    throw this.stop;
  }

  /**
   * When the next request could leave if no answer came in meanwhile: the 429's pause, then the
   * budget waits one after another as `waitForTurn` would sleep them. A wait for an answer
   * counts as none: answers come within a request timeout and can only bring the time nearer.
   */
  private readyAt(now: number): number {
    let at = Math.max(now, this.pausedUntil);
    if (this.probeAfterSeq !== undefined && this.probeInFlight) return at;
    // Each step reaches the next expiry or the steady-rate probe; the bound only guards rounding.
    for (let step = 0; step <= this.expiries.length + 2; step++) {
      const wait = this.budgetWait(at);
      if (wait === "answer" || wait <= 0) break;
      at += wait;
    }
    return at;
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

function checkSnapshot(snapshot: PacerSnapshot): void {
  const { limit, remaining, remainingUntil, pausedUntil, lastSentAt } = snapshot;
  const valid =
    (snapshot as { version: unknown }).version === 1 &&
    Number.isFinite(snapshot.takenAt) &&
    [limit, remaining, remainingUntil, pausedUntil, lastSentAt].every(
      (value) => value === null || Number.isFinite(value),
    ) &&
    Array.isArray(snapshot.windowExpiries) &&
    snapshot.windowExpiries.every((expiry) => Number.isFinite(expiry));
  if (!valid) {
    throw new AutocallsError(
      "The rate-limit state carried over from the previous part is not a version 1 pacer snapshot — fetch the day again from its first page.",
    );
  }
}

function insertSorted(values: number[], value: number): void {
  let index = values.length;
  while (index > 0 && (values[index - 1] as number) > value) index--;
  values.splice(index, 0, value);
}
