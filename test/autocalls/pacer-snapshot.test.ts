import { describe, expect, it } from "vitest";
import { AutocallsError } from "../../lambda/autocalls/errors.js";
import { type PacerOptions, PacerStop, RequestPacer } from "../../lambda/autocalls/pacer.js";
import type { FetchPause, PacerSnapshot } from "../../lambda/ports.js";

const WINDOW_MS = 60_000;

/** A clock that moves only when a pacer sleeps or the test says so; `sleeps` lists the sleeps. */
function clock() {
  let nowMs = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => nowMs,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      nowMs += ms;
    },
    set: (ms: number) => {
      nowMs = ms;
    },
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

type Clock = ReturnType<typeof clock>;

/** A pacer on `time`; `sent` records when each request left. */
function pacerOn(time: Clock, options: Partial<PacerOptions> = {}) {
  const pauses: FetchPause[] = [];
  const pacer = new RequestPacer({
    windowMs: WINDOW_MS,
    now: time.now,
    sleep: time.sleep,
    onPause: (pause) => pauses.push(pause),
    ...options,
  });
  const signal = new AbortController().signal;
  const sent: number[] = [];
  return {
    pacer,
    sent,
    pauses,
    /** Sends one request and answers it at once with the given limit headers. */
    async request(limit?: number, remaining?: number, pauseMs?: number, resetAt?: number) {
      const seq = await pacer.acquire(signal);
      sent.push(time.now());
      pacer.settle(seq, { limit, remaining, ...(resetAt === undefined ? {} : { resetAt }) }, pauseMs);
    },
    acquire: () => pacer.acquire(signal),
  };
}

type Api = ReturnType<typeof pacerOn>;

function refusal(promise: Promise<unknown>): Promise<PacerStop> {
  return promise.then(
    () => {
      throw new Error("expected the pacer to refuse");
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(PacerStop);
      return error as PacerStop;
    },
  );
}

const CARRIED_STATE: {
  name: string;
  earlier: (api: Api, time: Clock) => Promise<void>;
  later: (api: Api) => Promise<void>;
}[] = [
  {
    name: "its own log of a spent budget",
    earlier: async (api, time) => {
      await api.request(3, 2);
      time.advance(10_000);
      await api.request(3, 1);
    },
    later: async (api) => {
      await api.request(3, 0);
      await api.request(3, 2);
      await api.request(3, 2);
    },
  },
  {
    name: "a Remaining reading with requests sent after it",
    earlier: async (api) => {
      const first = await api.acquire();
      api.pacer.settle(first, { limit: 10, remaining: 2 });
      // Sent after the reading and answered without headers (a network error, say).
      const second = await api.acquire();
      api.pacer.settle(second, { limit: undefined, remaining: undefined });
    },
    later: async (api) => {
      for (let i = 0; i < 3; i++) await api.request();
    },
  },
  {
    name: "requests that left the window after the last reading",
    earlier: async (api, time) => {
      await api.request(3, 2);
      time.advance(30_000);
      await api.request(3, 1);
      time.advance(40_000);
    },
    later: async (api) => {
      for (let i = 0; i < 3; i++) await api.request();
    },
  },
  {
    name: "a 429's pause that has not ended",
    earlier: async (api) => {
      await api.request(60, 0, 1_000, 1_000);
    },
    later: async (api) => {
      await api.request(60, 59);
      await api.request(60, 58);
    },
  },
  {
    name: "a reading that stays until X-RateLimit-Reset",
    earlier: async (api) => {
      await api.request(60, 0, undefined, 5_000);
    },
    later: async (api) => {
      await api.request(60, 59);
    },
  },
];

describe("RequestPacer snapshot", () => {
  it.each(CARRIED_STATE)("restored from JSON, sends when the original would: $name", async ({ earlier, later }) => {
    const time = clock();
    const original = pacerOn(time);
    await earlier(original, time);
    const snapshot = JSON.parse(JSON.stringify(original.pacer.snapshot())) as PacerSnapshot;
    const takenAt = time.now();
    const sentBefore = original.sent.length;
    await later(original);
    const expected = original.sent.slice(sentBefore);

    time.set(takenAt);
    const restored = pacerOn(time, { restore: snapshot });
    await later(restored);
    time.set(takenAt);
    const fresh = pacerOn(time);
    await later(fresh);

    expect(restored.sent).toEqual(expected);
    // The state carried over decides something: a pacer without it would send at other times.
    expect(fresh.sent).not.toEqual(expected);
  });

  it("lets a restored pacer send a single probe first when a 429 came last", async () => {
    const time = clock();
    const original = pacerOn(time);
    await original.request(undefined, undefined, 2_000);

    const restored = pacerOn(time, { restore: original.pacer.snapshot() });
    const probe = await restored.acquire();
    let nextSent = false;
    const next = restored.acquire().then((seq) => {
      nextSent = true;
      return seq;
    });
    await new Promise((resolve) => setImmediate(resolve));

    expect(time.now()).toBe(2_000);
    expect(nextSent).toBe(false);
    restored.pacer.settle(probe, { limit: undefined, remaining: undefined });
    expect(await next).toBe(2);
  });

  it("is plain versioned JSON in epoch ms, keeping only expiries still ahead and at most `limit` of them", async () => {
    const time = clock();
    time.set(1_000_000);
    const api = pacerOn(time);
    const inFlight = [];
    for (let i = 0; i < 5; i++) inFlight.push(await api.acquire());
    for (const seq of inFlight) api.pacer.settle(seq, { limit: 3, remaining: 0 });

    const snapshot = api.pacer.snapshot();
    time.advance(WINDOW_MS);

    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot).toEqual({
      version: 1,
      takenAt: 1_000_000,
      limit: 3,
      remaining: 0,
      remainingUntil: null,
      windowExpiries: [1_060_000, 1_060_000, 1_060_000],
      pausedUntil: null,
      probeFirst: false,
      lastSentAt: 1_000_000,
    });
    expect(api.pacer.snapshot()).toMatchObject({ windowExpiries: [], remaining: 5 });
  });

  it("refuses a snapshot it cannot read, saying to start over", () => {
    const time = clock();

    expect(() => pacerOn(time, { restore: { version: 2 } as unknown as PacerSnapshot })).toThrow(AutocallsError);
    expect(() => pacerOn(time, { restore: { version: 2 } as unknown as PacerSnapshot })).toThrow(/first page/);
  });
});

describe("RequestPacer with stopForPausesFromMs", () => {
  it("refuses a pacing wait that long without sleeping or announcing it, and stays refused", async () => {
    const time = clock();
    const api = pacerOn(time, { stopForPausesFromMs: 5_000 });
    for (let remaining = 2; remaining >= 0; remaining--) await api.request(3, remaining);

    const stop = await refusal(api.acquire());

    expect(stop).toMatchObject({ resumeAt: WINDOW_MS, reason: "pacing" });
    expect(time.sleeps).toEqual([]);
    expect(api.pauses).toEqual([]);
    time.set(WINDOW_MS);
    await refusal(api.acquire());
  });

  it("refuses a 429's pause that long, saying rateLimited", async () => {
    const time = clock();
    const api = pacerOn(time, { stopForPausesFromMs: 5_000 });
    await api.request(undefined, undefined, 30_250);

    expect(await refusal(api.acquire())).toMatchObject({ resumeAt: 30_250, reason: "rateLimited" });
  });

  it("sleeps shorter waits as before", async () => {
    const time = clock();
    const api = pacerOn(time, { stopForPausesFromMs: 5_000 });
    await api.request(undefined, undefined, 4_999);
    await api.request();

    expect(api.sent).toEqual([0, 4_999]);
    expect(time.sleeps).toEqual([4_999]);
  });

  it("adds the budget waits after a short 429 pause before deciding", async () => {
    const time = clock();
    const api = pacerOn(time, { stopForPausesFromMs: 5_000 });
    // The 429 asks for 1 s, but the three requests of the minute are spent until 60 s.
    await api.request(3, 2);
    await api.request(3, 1);
    await api.request(3, 0, 1_000);

    expect(await refusal(api.acquire())).toMatchObject({ resumeAt: WINDOW_MS, reason: "rateLimited" });
  });

  it("moves the time to resume when a request in flight at the refusal comes back with a 429", async () => {
    const time = clock();
    const api = pacerOn(time, { stopForPausesFromMs: 5_000 });
    await api.request(3, 2);
    await api.request(3, 1);
    const inFlight = await api.acquire();
    await refusal(api.acquire());

    api.pacer.settle(inFlight, { limit: 3, remaining: 0 }, 90_000);

    expect(api.pacer.stopped()).toEqual({ resumeAt: 90_000, reason: "rateLimited" });
  });
});
