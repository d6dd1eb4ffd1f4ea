import { afterEach, describe, expect, it } from "vitest";
import { type Simulator, type SimulatorOptions, startSimulator } from "../../demo/simulator.js";
import { AutocallsClient, type AutocallsClientOptions } from "../../lambda/autocalls/client.js";
import { AutocallsAuthError } from "../../lambda/autocalls/errors.js";
import type {
  CallsQuery,
  FetchedPage,
  FetchPause,
  PacerSnapshot,
  PageRange,
  PageStream,
  PartFetchOptions,
} from "../../lambda/ports.js";

const TOKEN = "tok-SECRET-4711";
const DAY: CallsQuery = { dateFrom: "2025-08-04", dateTo: "2025-08-04" };
/** A whole second, the clock's start. */
const T0 = Date.UTC(2025, 7, 5, 14, 0, 0);
const STOP_FROM_MS = 5_000;
const PER_PAGE = 2;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/**
 * One clock for the client and the simulator: it moves when the client sleeps, when the test
 * waits as a durable orchestrator would (`advanceTo`), and by `answerMs` for every answer.
 */
function sharedClock(answerMs = 0) {
  let nowMs = T0;
  const sleeps: number[] = [];
  return {
    sleeps,
    answerMs,
    now: () => nowMs,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        sleeps.push(ms);
        nowMs += ms;
        setImmediate(resolve);
      }),
    advanceTo: (at: number) => {
      nowMs = Math.max(nowMs, at);
    },
    tick: () => {
      nowMs += answerMs;
    },
  };
}

type Clock = ReturnType<typeof sharedClock>;

async function simulator(clock: Clock, options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({
    token: TOKEN,
    callsPerDay: 45,
    today: "2025-08-04",
    now: clock.now,
    holdAnswer: () => {
      clock.tick();
      return undefined;
    },
    ...options,
  });
  closers.push(() => sim.close());
  return sim;
}

function client(sim: Simulator, clock: Clock, options: Partial<AutocallsClientOptions> = {}): AutocallsClient {
  return new AutocallsClient({
    baseUrl: sim.baseUrl,
    token: TOKEN,
    perPage: PER_PAGE,
    random: () => 1,
    now: clock.now,
    sleep: clock.sleep,
    ...options,
  });
}

async function pagesOf(stream: PageStream): Promise<FetchedPage[]> {
  const pages: FetchedPage[] = [];
  for await (const page of stream) pages.push(page);
  return pages;
}

async function idsOf(calls: AsyncIterable<{ id: number }>): Promise<number[]> {
  const ids: number[] = [];
  for await (const call of calls) ids.push(call.id);
  return ids;
}

/** The pages the simulator was asked for, in page order. */
function requestedPages(sim: Simulator): number[] {
  return sim.requests.map((request) => Number(request.query.page)).sort((a, b) => a - b);
}

function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, index) => index + 1);
}

/** Parts of `maxPages` one after another, as the durable orchestrator runs them. */
async function fetchDayInParts(
  api: AutocallsClient,
  clock: Clock,
  maxPages: number,
  carry: boolean,
): Promise<{ pages: FetchedPage[]; parts: PageStream[] }> {
  const pages: FetchedPage[] = [];
  const parts: PageStream[] = [];
  let range: PageRange = { first: 1, maxPages };
  let pacer: PacerSnapshot | undefined;
  for (;;) {
    const stream = api.fetchPages(DAY, range, { pacer, stopForPausesFromMs: STOP_FROM_MS });
    const fetched = await pagesOf(stream);
    pages.push(...fetched);
    parts.push(stream);
    if (carry) pacer = JSON.parse(JSON.stringify(stream.pacerSnapshot())) as PacerSnapshot;
    const last = fetched.at(-1);
    if (stream.stopped !== null) {
      // The durable wait between the steps.
      clock.advanceTo(stream.stopped.resumeAt);
      range = { first: stream.stopped.nextPage, maxPages };
    } else if (last !== undefined && last.page < last.lastPage) {
      range = { first: last.page + 1, maxPages };
    } else {
      return { pages, parts };
    }
    if (parts.length > 50) throw new Error("the parts do not get through the day");
  }
}

describe("AutocallsClient.fetchPages", () => {
  it("yields exactly the pages of the range, in order, with the API's calls", async () => {
    const clock = sharedClock();
    const sim = await simulator(clock, { callsPerDay: 45 });
    const stream = client(sim, clock, { perPage: 10 }).fetchPages(DAY, { first: 2, maxPages: 3 });

    const pages = await pagesOf(stream);

    const truth = await idsOf(sim.callsFor(DAY));
    expect(pages.map((page) => [page.page, page.lastPage, page.total])).toEqual([
      [2, 5, 45],
      [3, 5, 45],
      [4, 5, 45],
    ]);
    expect(pages.map((page) => page.calls.map((call) => call.id))).toEqual([
      truth.slice(10, 20),
      truth.slice(20, 30),
      truth.slice(30, 40),
    ]);
    expect(requestedPages(sim)).toEqual([2, 3, 4]);
    expect(stream.stopped).toBeNull();
    expect(stream.stats).toEqual({
      pages: 5,
      requests: 3,
      retries: 0,
      rateLimited: 0,
      received: 30,
      duplicates: 0,
      apiTotal: 45,
      refetches: 0,
    });
  });

  it("leaves the transcripts in the records' bytes when asked (transcriptsInBytes), the rest decoded as usual", async () => {
    const clock = sharedClock();
    const sim = await simulator(clock, { callsPerDay: 45 });
    const range = { first: 1, maxPages: 5 };
    const plain = await pagesOf(client(sim, clock, { perPage: 10 }).fetchPages(DAY, range));
    const deferred = await pagesOf(
      client(sim, clock, { perPage: 10 }).fetchPages(DAY, range, { transcriptsInBytes: true }),
    );

    const truth: Array<{ id: number; transcript: string | null }> = [];
    for await (const call of sim.callsFor(DAY)) truth.push({ id: call.id, transcript: call.transcript });
    expect(truth.filter((call) => call.transcript !== null).length, "calls with a transcript").toBeGreaterThan(20);
    const calls = deferred.flatMap((page) => page.calls);
    expect(calls.map((call) => call.transcript)).toEqual(truth.map(() => null));
    expect(calls).toEqual(plain.flatMap((page) => page.calls).map((call) => ({ ...call, transcript: null })));
    expect(deferred.flatMap((page) => page.records)).toEqual(
      plain.flatMap((page) => page.records).map((record) => ({ ...record, transcript: null })),
    );
    // The bytes, which a part stores, still hold every transcript as the API sent it.
    const fromBytes = deferred.flatMap((page) => (page.recordBytes ?? []).map((bytes) => JSON.parse(bytes.toString())));
    expect(fromBytes.map((record) => record.transcript)).toEqual(truth.map((call) => call.transcript));
  });

  it("ends at the API's last page when the range reaches past it", async () => {
    const clock = sharedClock();
    const sim = await simulator(clock);
    const stream = client(sim, clock, { perPage: 10 }).fetchPages(DAY, { first: 4, maxPages: 10 });

    expect((await pagesOf(stream)).map((page) => page.page)).toEqual([4, 5]);
    expect(stream.stopped).toBeNull();
  });

  it("yields the one page asked for, empty, when the range starts after the last page", async () => {
    const clock = sharedClock();
    const sim = await simulator(clock);
    const stream = client(sim, clock, { perPage: 10 }).fetchPages(DAY, { first: 7, maxPages: 3 });

    expect(await pagesOf(stream)).toEqual([
      { page: 7, total: 45, lastPage: 5, calls: [], records: [], recordBytes: [] },
    ]);
    expect(stream.stopped).toBeNull();
    expect(requestedPages(sim)).toEqual([7]);
  });

  it("fails as fetchCalls does, e.g. at once on a rejected token", async () => {
    const clock = sharedClock();
    const sim = await simulator(clock);
    const stream = client(sim, clock, { token: "wrong-token" }).fetchPages(DAY, { first: 1, maxPages: 5 });

    await expect(pagesOf(stream)).rejects.toBeInstanceOf(AutocallsAuthError);
    expect(sim.requests).toHaveLength(1);
  });
});

describe("AutocallsClient.fetchPages at a rate limit of 60 a minute", () => {
  // One page at a time where the numbers must be exact: concurrent requests reach the simulator
  // out of order, so a reading can count a request sent after it, and the pacer holds back one early.
  it("stops for pacing after the minute's 60 requests, to resume when the first leaves the window", async () => {
    const clock = sharedClock(50);
    const sim = await simulator(clock, { callsPerDay: 150, rateLimitPerMinute: 60 });
    const pauses: FetchPause[] = [];
    const options: PartFetchOptions = { stopForPausesFromMs: STOP_FROM_MS, onPause: (pause) => pauses.push(pause) };
    const stream = client(sim, clock, { concurrency: 1 }).fetchPages(DAY, { first: 1, maxPages: 100 }, options);

    const pages = await pagesOf(stream);

    expect(pages.map((page) => page.page)).toEqual(oneTo(60));
    expect(sim.requests.map((request) => request.status)).toEqual(Array(60).fill(200));
    // The simulator's window frees its first slot a minute after it answered the first request.
    const firstAnswered = sim.requests[0]?.endedAt as number;
    expect(stream.stopped).toEqual({ nextPage: 61, resumeAt: firstAnswered + 60_000, reason: "pacing" });
    expect(firstAnswered).toBe(T0 + 50);
    expect(clock.sleeps).toEqual([]);
    expect(pauses).toEqual([]);
  });

  it("gets through a whole day in parts carrying the pacer's state: no 429, every page once", async () => {
    const clock = sharedClock(50);
    const sim = await simulator(clock, { callsPerDay: 300, rateLimitPerMinute: 60 });

    const { pages, parts } = await fetchDayInParts(client(sim, clock), clock, 30, true);

    expect(sim.requests.filter((request) => request.status !== 200)).toEqual([]);
    expect(pages.map((page) => page.page)).toEqual(oneTo(150));
    expect(requestedPages(sim)).toEqual(oneTo(150));
    expect(pages.flatMap((page) => page.calls.map((call) => call.id))).toEqual(await idsOf(sim.callsFor(DAY)));
    // The day took more than two minutes of the limit: some parts had to stop and wait.
    expect(parts.filter((part) => part.stopped?.reason === "pacing").length).toBeGreaterThanOrEqual(2);
  });

  it("stops the next part before its first request when the previous one spent the budget", async () => {
    const clock = sharedClock(50);
    const sim = await simulator(clock, { callsPerDay: 150, rateLimitPerMinute: 60 });
    const api = client(sim, clock, { concurrency: 1 });
    const first = api.fetchPages(DAY, { first: 1, maxPages: 60 }, { stopForPausesFromMs: STOP_FROM_MS });
    await pagesOf(first);
    const options = { pacer: first.pacerSnapshot(), stopForPausesFromMs: STOP_FROM_MS };

    const second = api.fetchPages(DAY, { first: 61, maxPages: 10 }, options);

    expect(await pagesOf(second)).toEqual([]);
    expect(second.stopped).toEqual({ nextPage: 61, resumeAt: T0 + 50 + 60_000, reason: "pacing" });
    expect(sim.requests).toHaveLength(60);
  });

  it("provokes a 429 when the next part starts without the previous part's snapshot", async () => {
    const clock = sharedClock(50);
    const sim = await simulator(clock, { callsPerDay: 150, rateLimitPerMinute: 60 });
    const api = client(sim, clock, { concurrency: 1 });
    await pagesOf(api.fetchPages(DAY, { first: 1, maxPages: 60 }, { stopForPausesFromMs: STOP_FROM_MS }));

    const second = api.fetchPages(DAY, { first: 61, maxPages: 10 }, { stopForPausesFromMs: STOP_FROM_MS });

    expect(await pagesOf(second)).toEqual([]);
    expect(sim.requests.at(-1)).toMatchObject({ status: 429, query: { page: "61" } });
    expect(second.stopped).toMatchObject({ nextPage: 61, reason: "rateLimited" });
  });
});

describe("AutocallsClient.fetchPages after a 429", () => {
  /** The first request for page 3 is refused with Retry-After: 30. */
  function retryAfter30On3(): SimulatorOptions["fault"] {
    let left = 1;
    return (request) => (request.page === 3 && left-- > 0 ? { kind: "rateLimit", retryAfterSeconds: 30 } : undefined);
  }

  it("stops at the refused page, to resume after Retry-After and its margin, dropping later pages in flight", async () => {
    const clock = sharedClock();
    const sim = await simulator(clock, { fault: retryAfter30On3() });
    const stream = client(sim, clock, { perPage: 10 }).fetchPages(
      DAY,
      { first: 1, maxPages: 5 },
      { stopForPausesFromMs: STOP_FROM_MS },
    );

    const pages = await pagesOf(stream);

    expect(pages.map((page) => page.page)).toEqual([1, 2]);
    expect(stream.stopped).toEqual({ nextPage: 3, resumeAt: T0 + 30_000 + 250, reason: "rateLimited" });
    // Pages 4 and 5 were asked for before the 429 came back; nothing was asked after it.
    expect(requestedPages(sim)).toEqual([1, 2, 3, 4, 5]);
    expect(stream.stats).toMatchObject({ requests: 5, rateLimited: 1, received: 20 });
    expect(clock.sleeps).toEqual([]);
  });

  it("goes on from the refused page in the next part, and the parts hold the day once", async () => {
    const clock = sharedClock();
    const sim = await simulator(clock, { fault: retryAfter30On3() });

    const { pages } = await fetchDayInParts(client(sim, clock, { perPage: 10 }), clock, 5, true);

    expect(pages.map((page) => page.page)).toEqual([1, 2, 3, 4, 5]);
    expect(pages.flatMap((page) => page.calls.map((call) => call.id))).toEqual(await idsOf(sim.callsFor(DAY)));
    expect(clock.now()).toBe(T0 + 30_250);
  });

  it("stops rather than failing when the pause ends after the deadline: the wait is not this run's", async () => {
    const clock = sharedClock();
    const sim = await simulator(clock, {
      fault: (request) => (request.page === 2 ? { kind: "rateLimit", retryAfterSeconds: 3_600 } : undefined),
    });
    const stream = client(sim, clock, { perPage: 10, concurrency: 1 }).fetchPages(
      DAY,
      { first: 1, maxPages: 5 },
      { stopForPausesFromMs: STOP_FROM_MS, deadline: T0 + 60_000 },
    );

    expect((await pagesOf(stream)).map((page) => page.page)).toEqual([1]);
    expect(stream.stopped).toEqual({ nextPage: 2, resumeAt: T0 + 3_600_250, reason: "rateLimited" });
  });

  it("sleeps a pause shorter than stopForPausesFromMs, as fetchCalls does", async () => {
    const clock = sharedClock();
    const sim = await simulator(clock, {
      fault: (request) => (request.n === 3 ? { kind: "rateLimit", retryAfterSeconds: 2 } : undefined),
    });
    const stream = client(sim, clock, { perPage: 10 }).fetchPages(
      DAY,
      { first: 1, maxPages: 5 },
      { stopForPausesFromMs: STOP_FROM_MS },
    );

    expect((await pagesOf(stream)).map((page) => page.page)).toEqual([1, 2, 3, 4, 5]);
    expect(stream.stopped).toBeNull();
    expect(clock.sleeps).toEqual([2_250]);
  });
});
