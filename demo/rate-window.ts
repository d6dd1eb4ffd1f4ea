/** The simulated API's rate limit: a sliding 60 s window, as Laravel's throttle middleware counts. */
export class RateWindow {
  private readonly answered: number[] = [];

  /** `perMinute` undefined: no limit and no `X-RateLimit-*` headers. */
  constructor(private readonly perMinute: number | undefined) {
    if (perMinute !== undefined && (!Number.isInteger(perMinute) || perMinute < 1)) {
      throw new RangeError(`rateLimitPerMinute is ${perMinute}; use a positive integer.`);
    }
  }

  /** `X-RateLimit-Limit` / `X-RateLimit-Remaining` when a limit is set. */
  headers(remaining: number): Record<string, string> {
    return this.perMinute === undefined
      ? {}
      : { "X-RateLimit-Limit": String(this.perMinute), "X-RateLimit-Remaining": String(Math.max(0, remaining)) };
  }

  /** Counts the request in the sliding window; returns the seconds to wait when it is full. */
  take(now: number): { retryAfterSeconds: number | null; remaining: number } {
    const limit = this.perMinute;
    if (limit === undefined) return { retryAfterSeconds: null, remaining: 0 };
    const window = this.answered;
    while (window.length > 0 && (window[0] as number) <= now - 60_000) window.shift();
    if (window.length >= limit) {
      const freesAt = (window[0] as number) + 60_000;
      return { retryAfterSeconds: Math.max(1, Math.ceil((freesAt - now) / 1000)), remaining: 0 };
    }
    window.push(now);
    return { retryAfterSeconds: null, remaining: limit - window.length };
  }
}
