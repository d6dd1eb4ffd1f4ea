import { describe, expect, it } from "vitest";
import { ANNOUNCED_PAUSE_MS, RequestPacer } from "../../lambda/autocalls/pacer.js";
import type { FetchPause } from "../../lambda/ports.js";

const WINDOW_MS = 60_000;

/** A pacer on a clock that moves only when it sleeps; `sent` records when each request left. */
function pacer() {
  let nowMs = 0;
  const sent: number[] = [];
  const pauses: FetchPause[] = [];
  const requests = new RequestPacer({
    windowMs: WINDOW_MS,
    onPause: (pause) => pauses.push(pause),
    now: () => nowMs,
    sleep: async (ms) => {
      nowMs += ms;
    },
  });
  const signal = new AbortController().signal;
  return {
    sent,
    pauses,
    advance: (ms: number) => {
      nowMs += ms;
    },
    /** Sends one request and answers it at once with the given limit headers. */
    async request(limit?: number, remaining?: number, pauseMs?: number, resetAt?: number) {
      const seq = await requests.acquire(signal);
      sent.push(nowMs);
      requests.settle(seq, { limit, remaining, ...(resetAt === undefined ? {} : { resetAt }) }, pauseMs);
    },
    acquire: () => requests.acquire(signal),
    settle: requests.settle.bind(requests),
  };
}

describe("RequestPacer", () => {
  it("sends at once while the API reports no limit", async () => {
    const api = pacer();

    for (let i = 0; i < 5; i++) await api.request();

    expect(api.sent).toEqual([0, 0, 0, 0, 0]);
  });

  it("spends the budget at once, then waits for the window to free a slot instead of provoking a 429", async () => {
    const api = pacer();

    for (let remaining = 2; remaining >= 0; remaining--) await api.request(3, remaining);
    await api.request(3, 2);

    expect(api.sent).toEqual([0, 0, 0, WINDOW_MS]);
  });

  it("counts requests still in flight against the limit", async () => {
    const api = pacer();
    await api.request(3);

    const inFlight = [await api.acquire(), await api.acquire()];
    await api.request(3);

    expect(inFlight).toEqual([2, 3]);
    expect(api.sent).toEqual([0, WINDOW_MS]);
  });

  it("trusts a low X-RateLimit-Remaining when another client shares the budget", async () => {
    const api = pacer();

    await api.request(10, 1);
    await api.request(10, 0);
    await api.request(10, 5);

    // Its own log would allow 8 more; the API said none were left, so it waited for its first slot to free.
    expect(api.sent).toEqual([0, 0, WINDOW_MS]);
  });

  it("pauses everyone for Retry-After after a 429, then lets a single probe go first", async () => {
    const api = pacer();
    const first = await api.acquire();
    const second = await api.acquire();

    api.settle(first, { limit: undefined, remaining: undefined }, 7_000);
    // The second was sent before the 429; its answer says nothing about whether the pause is over.
    const probe = api.acquire();
    const afterProbe = api.acquire();
    const probeSeq = await probe;
    let afterProbeSent = false;
    void afterProbe.then(() => {
      afterProbeSent = true;
    });
    api.settle(second, { limit: undefined, remaining: undefined });
    await new Promise((resolve) => setImmediate(resolve));

    expect(probeSeq).toBe(3);
    expect(afterProbeSent).toBe(false);
    api.settle(probeSeq, { limit: undefined, remaining: undefined });
    expect(await afterProbe).toBe(4);
  });

  it("does not send before Retry-After has passed", async () => {
    const api = pacer();

    await api.request(undefined, undefined, 7_000);
    await api.request();

    expect(api.sent).toEqual([0, 7_000]);
  });

  it("lets a 429's Remaining: 0 expire when Retry-After says the budget is back", async () => {
    const api = pacer();

    // Laravel's 429: Retry-After 1 with X-RateLimit-Limit 60 and X-RateLimit-Remaining 0.
    await api.request(60, 0, 1_000, 1_000);
    await api.request(60, 59);
    await api.request(60, 58);

    // Not 60 s: the stale reading was replaced by the server's own statement of when to retry.
    expect(api.sent).toEqual([0, 1_000, 1_000]);
  });

  it("keeps a 429's Remaining: 0 until a slot frees when the API did not say when to retry", async () => {
    const api = pacer();

    // No Retry-After and no X-RateLimit-Reset: the pause is only the client's own backoff.
    await api.request(60, 0, 1_000);
    await api.request(60, 59);

    expect(api.sent).toEqual([0, WINDOW_MS]);
  });

  it("announces a pause of ANNOUNCED_PAUSE_MS or more, saying whether the API asked for it", async () => {
    const api = pacer();

    await api.request(3, 2, ANNOUNCED_PAUSE_MS - 1); // too short to mention
    await api.request(3, 1, ANNOUNCED_PAUSE_MS); // a 429's pause
    await api.request(3, 0);
    await api.request(3, 2); // the budget is spent: pacing until the first request leaves the window

    const start = ANNOUNCED_PAUSE_MS - 1;
    expect(api.pauses).toEqual([
      { ms: ANNOUNCED_PAUSE_MS, until: start + ANNOUNCED_PAUSE_MS, reason: "rateLimited" },
      { ms: WINDOW_MS - start - ANNOUNCED_PAUSE_MS, until: WINDOW_MS, reason: "pacing" },
    ]);
  });
});
