import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Fault, type Simulator, type SimulatorOptions, startSimulator } from "../../demo/simulator.js";
import { AutocallsClient, type AutocallsClientOptions } from "../../lambda/autocalls/client.js";
import {
  AutocallsAuthError,
  AutocallsDeadlineError,
  AutocallsIncompleteError,
  AutocallsPauseTooLongError,
  AutocallsRequestError,
  AutocallsResponseError,
  AutocallsUnavailableError,
} from "../../lambda/autocalls/errors.js";
import type { CallsQuery, FetchPause } from "../../lambda/ports.js";
import { closedPortEndpoint } from "../support/faulty-endpoints.js";

const TOKEN = "tok-SECRET-4711";
const DAY: CallsQuery = { dateFrom: "2025-08-04", dateTo: "2025-08-04" };
// 45 calls at 10 per page: 5 pages, the last one short.
const CALLS_PER_DAY = 45;
const PER_PAGE = 10;
/** A whole second, for clocks that must not move on their own. */
const FROZEN_AT = Date.UTC(2025, 7, 5, 14, 0, 0);

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ token: TOKEN, callsPerDay: CALLS_PER_DAY, today: "2025-08-04", ...options });
  closers.push(() => sim.close());
  return sim;
}

/**
 * Time that passes only when the client sleeps, so backoffs and Retry-After cost nothing.
 * `frozenAt` stops the real clock underneath too, for exact sums of the sleeps.
 */
function virtualTime(frozenAt?: number) {
  let skewMs = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => (frozenAt ?? Date.now()) + skewMs,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        sleeps.push(ms);
        skewMs += ms;
        setImmediate(resolve);
      }),
  };
}

/** Timers that fire only when the test says so; `fired` lists the durations they stood for. */
function manualTimers() {
  const pending = new Map<() => void, number>();
  const fired: number[] = [];
  return {
    fired,
    timer: (ms: number, cancel: AbortSignal) => {
      const limit = new AbortController();
      const fire = () => limit.abort(new DOMException("The manual timer fired.", "TimeoutError"));
      pending.set(fire, ms);
      cancel.addEventListener("abort", () => pending.delete(fire), { once: true });
      return limit.signal;
    },
    fireAll(which: (ms: number) => boolean = () => true) {
      for (const [fire, ms] of [...pending]) {
        if (!which(ms)) continue;
        pending.delete(fire);
        fired.push(ms);
        fire();
      }
    },
  };
}

function client(sim: { baseUrl: string }, options: Partial<AutocallsClientOptions> = {}): AutocallsClient {
  const time = virtualTime();
  return new AutocallsClient({
    baseUrl: sim.baseUrl,
    token: TOKEN,
    perPage: PER_PAGE,
    random: () => 1,
    now: time.now,
    sleep: time.sleep,
    ...options,
  });
}

async function idsOf(calls: AsyncIterable<{ id: number }>): Promise<number[]> {
  const ids: number[] = [];
  for await (const call of calls) ids.push(call.id);
  return ids;
}

function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected the fetch to fail");
    },
    (error: Error) => error,
  );
}

/** A fault for the first `times` requests of `page`, then normal answers. */
function onPage(page: number, fault: Fault, times = 1): SimulatorOptions["fault"] {
  let left = times;
  return (request) => {
    if (request.page !== page || left === 0) return undefined;
    left--;
    return fault;
  };
}

describe("AutocallsClient paging", () => {
  it("yields every call of the query in the API's page order", async () => {
    const sim = await simulator();

    const ids = await idsOf(client(sim).fetchCalls(DAY));

    expect(ids).toEqual(await idsOf(sim.callsFor(DAY)));
  });

  it("asks for 100 calls a page and passes the date range and every filter through", async () => {
    const sim = await simulator();
    const query: CallsQuery = { ...DAY, assistantId: 2, campaignId: 1, type: "outbound", status: "completed" };

    const ids = await idsOf(client(sim, { perPage: undefined }).fetchCalls(query));

    expect(sim.requests[0]?.query).toEqual({
      date_from: "2025-08-04",
      date_to: "2025-08-04",
      assistant_id: "2",
      campaign_id: "1",
      type: "outbound",
      status: "completed",
      per_page: "100",
      page: "1",
    });
    expect(ids).toEqual(await idsOf(sim.callsFor(query)));
  });

  it("refuses to send an id beyond the safe integer range rather than as 1e+23", async () => {
    const sim = await simulator();

    const error = await failureOf(idsOf(client(sim).fetchCalls({ ...DAY, assistantId: 1e23 })));

    expect(error.message).toMatch(/assistant id 1e\+23 is not a whole number .*9007199254740991/);
    expect(sim.requests).toHaveLength(0);
  });

  it("sends the token only in the Authorization header", async () => {
    const sim = await simulator();

    await idsOf(client(sim).fetchCalls(DAY));

    expect(sim.requests.every((request) => request.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(sim.requests.some((request) => JSON.stringify(request.query).includes(TOKEN))).toBe(false);
  });

  it("fetches the pages after the first concurrently, never more than `concurrency` at once", async () => {
    // Answers after page 1 wait until three requests are open at once, so a correct client
    // reaches exactly three however slow the machine is.
    let releaseAnswers = () => {};
    const threeOpen = new Promise<void>((resolve) => {
      releaseAnswers = resolve;
    });
    const sim: Simulator = await simulator({
      callsPerDay: 120,
      holdAnswer: ({ page }) => {
        if (page === 1) return undefined;
        if (sim.requests.filter((request) => request.endedAt === 0).length >= 3) releaseAnswers();
        return threeOpen;
      },
    });

    await idsOf(client(sim, { concurrency: 3 }).fetchCalls(DAY));

    expect(sim.requests).toHaveLength(12);
    expect(sim.maxInFlight).toBe(3);
  });

  it("does not run more than `concurrency` pages ahead of a consumer that stops reading", async () => {
    const sim = await simulator({ callsPerDay: 120 });
    const calls = client(sim, { concurrency: 2 }).fetchCalls(DAY)[Symbol.asyncIterator]();

    for (let read = 0; read <= PER_PAGE; read++) await calls.next(); // all of page 1, the first call of page 2
    // Page 3 is as far ahead as the client may go; by the time it has been answered, a client
    // running further ahead would have asked for page 4 too.
    const answeredPages = () => sim.requests.map((request) => (request.endedAt > 0 ? request.query.page : "open"));
    await vi.waitFor(() => expect(answeredPages()).toEqual(["1", "2", "3"]), { timeout: 10_000 });

    expect(answeredPages()).toEqual(["1", "2", "3"]);
    await calls.return?.();
  });

  it("stops requesting when the consumer stops early", async () => {
    const sim = await simulator({ callsPerDay: 120, latencyMs: 10 });
    // Counted as the client calls fetch: once the loop has closed the stream, every request it
    // will ever send has been started, so the count is final without waiting.
    let started = 0;
    const counting: typeof fetch = (input, init) => {
      started++;
      return fetch(input, init);
    };

    for await (const _call of client(sim, { concurrency: 2, fetch: counting }).fetchCalls(DAY)) break;

    expect(started).toBe(1);
    await vi.waitFor(() => expect(sim.requests.every((request) => request.endedAt > 0)).toBe(true));
    expect(sim.requests).toHaveLength(1);
  });

  it("reports the fetch in stats and progress after each page", async () => {
    const sim = await simulator();
    const progress: string[] = [];
    const stream = client(sim).fetchCalls(DAY, {
      onProgress: ({ pagesDone, pagesTotal }) => progress.push(`${pagesDone}/${pagesTotal}`),
    });

    await idsOf(stream);

    expect(progress).toEqual(["1/5", "2/5", "3/5", "4/5", "5/5"]);
    expect(stream.stats).toEqual({
      pages: 5,
      requests: 5,
      retries: 0,
      rateLimited: 0,
      received: 45,
      duplicates: 0,
      apiTotal: 45,
      refetches: 0,
    });
  });

  it("yields nothing for a day without calls", async () => {
    const sim = await simulator({ callsPerDay: 0 });

    expect(await idsOf(client(sim).fetchCalls(DAY))).toEqual([]);
  });

  it("refuses a second iteration of the same stream", async () => {
    const sim = await simulator();
    const stream = client(sim).fetchCalls(DAY);
    await idsOf(stream);

    expect(() => stream[Symbol.asyncIterator]()).toThrow(/iterated only once/);
  });
});

describe("AutocallsClient through transient faults", () => {
  it("waits for Retry-After after a 429 and still returns every call", async () => {
    const time = virtualTime();
    const sim = await simulator({ fault: onPage(3, { kind: "rateLimit", retryAfterSeconds: 7 }) });
    const stream = client(sim, { now: time.now, sleep: time.sleep }).fetchCalls(DAY);

    const ids = await idsOf(stream);

    expect(ids).toEqual(await idsOf(sim.callsFor(DAY)));
    expect(Math.max(...time.sleeps)).toBeGreaterThanOrEqual(7_000);
    expect(stream.stats).toMatchObject({ rateLimited: 1, retries: 1, requests: 6 });
  });

  it("resumes after Retry-After when a 429 also says X-RateLimit-Remaining: 0, as Laravel's does", async () => {
    const time = virtualTime(FROZEN_AT);
    // 13 pages, one at a time (nothing else in flight can bring a fresher reading); every 7th request is refused the way Laravel refuses it.
    const laravel429: Fault = {
      kind: "status",
      status: 429,
      body: JSON.stringify({ message: "Too Many Attempts." }),
      headers: { "Retry-After": "1", "X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0" },
    };
    const sim = await simulator({
      callsPerDay: 130,
      rateLimitPerMinute: 60,
      fault: (request) => (request.n % 7 === 0 ? laravel429 : undefined),
    });
    const stream = client(sim, { now: time.now, sleep: time.sleep, concurrency: 1 }).fetchCalls(DAY);

    const ids = await idsOf(stream);

    expect(ids).toEqual(await idsOf(sim.callsFor(DAY)));
    // 13 pages need 15 requests: the 7th and the 14th are refused. Each costs its Retry-After
    // (1 s plus the client's 250 ms margin), not the minute the stale reading would suggest.
    expect(stream.stats).toMatchObject({ requests: 15, rateLimited: 2 });
    expect(time.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(2 * 1_250);
  });

  it("treats X-RateLimit-Reset on a 429 as when the budget is back", async () => {
    const time = virtualTime(FROZEN_AT);
    const sim = await simulator({
      fault: onPage(2, {
        kind: "status",
        status: 429,
        headers: {
          "X-RateLimit-Limit": "60",
          "X-RateLimit-Remaining": "0",
          "X-RateLimit-Reset": String(FROZEN_AT / 1000 + 30),
        },
      }),
    });
    const stream = client(sim, { now: time.now, sleep: time.sleep, concurrency: 1 }).fetchCalls(DAY);

    expect(await idsOf(stream)).toEqual(await idsOf(sim.callsFor(DAY)));
    // 30 s plus the 250 ms margin, once.
    expect(time.sleeps).toEqual([30_250]);
  });

  it("fails at once when Retry-After asks for more time than the deadline leaves", async () => {
    const time = virtualTime(FROZEN_AT);
    const sim = await simulator({ fault: onPage(2, { kind: "rateLimit", retryAfterSeconds: 3_600 }) });
    const deadline = FROZEN_AT + 10 * 60_000;

    const stream = client(sim, { now: time.now, sleep: time.sleep, concurrency: 1 }).fetchCalls(DAY, { deadline });
    const error = await failureOf(idsOf(stream));

    expect(error).toBeInstanceOf(AutocallsPauseTooLongError);
    // FROZEN_AT is 14:00 UTC: an hour later is 15:00.
    expect(error.message).toBe(
      "The Autocalls API asks to wait 60 min (Retry-After) — more than this run has left; re-run after 15:00 UTC.",
    );
    expect(time.sleeps).toEqual([]);
    expect(sim.requests).toHaveLength(2);
  });

  it("announces a long rate-limit pause that fits the deadline, once, with how long and until when", async () => {
    const time = virtualTime(FROZEN_AT);
    const sim = await simulator({ fault: onPage(2, { kind: "rateLimit", retryAfterSeconds: 45 }) });
    const pauses: FetchPause[] = [];

    const stream = client(sim, { now: time.now, sleep: time.sleep }).fetchCalls(DAY, {
      deadline: FROZEN_AT + 10 * 60_000,
      onPause: (pause) => pauses.push(pause),
    });

    expect(await idsOf(stream)).toEqual(await idsOf(sim.callsFor(DAY)));
    expect(pauses).toEqual([{ ms: 45_250, until: FROZEN_AT + 45_250, reason: "rateLimited" }]);
  });

  it("backs off after a 429 without Retry-After", async () => {
    const time = virtualTime(FROZEN_AT);
    const sim = await simulator({ fault: onPage(2, { kind: "rateLimit" }, 2) });
    const stream = client(sim, { now: time.now, sleep: time.sleep, backoffBaseMs: 100 }).fetchCalls(DAY);

    const ids = await idsOf(stream);

    expect(ids).toEqual(await idsOf(sim.callsFor(DAY)));
    // random() = 1: the full exponential step, 100 ms then 200 ms.
    expect(time.sleeps).toEqual(expect.arrayContaining([100, 200]));
    expect(stream.stats.rateLimited).toBe(2);
  });

  it.each<[string, Fault]>([
    ["a 503", { kind: "status", status: 503 }],
    ["a proxy's HTML error page", { kind: "html", status: 502 }],
    ["a 200 with an HTML body", { kind: "status", status: 200, body: "<html>maintenance</html>" }],
    ["truncated JSON", { kind: "truncate" }],
    ["a connection dropped mid-body", { kind: "truncate", midStream: true }],
    ["a connection reset", { kind: "reset" }],
  ])("retries %s and still returns every call", async (_name, fault) => {
    const sim = await simulator({ fault: onPage(2, fault, 2) });
    const stream = client(sim).fetchCalls(DAY);

    const ids = await idsOf(stream);

    expect(ids).toEqual(await idsOf(sim.callsFor(DAY)));
    expect(stream.stats.retries).toBe(2);
  });

  it("gives up on a hung request after requestTimeoutMs and retries it", async () => {
    const timers = manualTimers();
    // The hung request's timeout fires as soon as the server holds it; one page at a time, so
    // no other request's timeout is running then.
    let hung = false;
    const sim = await simulator({
      fault: (request) => {
        if (request.page !== 4 || hung) return undefined;
        hung = true;
        setImmediate(() => timers.fireAll());
        return { kind: "hang" };
      },
    });
    const stream = client(sim, { timer: timers.timer, concurrency: 1 }).fetchCalls(DAY);

    const ids = await idsOf(stream);

    expect(ids).toEqual(await idsOf(sim.callsFor(DAY)));
    expect(stream.stats.retries).toBe(1);
    expect(timers.fired).toEqual([30_000]);
  });

  it("fails as unavailable, worth retrying later, when a page keeps failing", async () => {
    const sim = await simulator({ fault: onPage(2, { kind: "status", status: 500 }, 100) });

    const error = await failureOf(idsOf(client(sim, { maxRetries: 3, concurrency: 1 }).fetchCalls(DAY)));

    expect(error).toBeInstanceOf(AutocallsUnavailableError);
    expect(error.message).toBe(
      "The Autocalls API is unavailable: page 2 failed 4 times (last: HTTP 500) after page 1 succeeded — the API is slow or overloaded; retry later.",
    );
  });

  it("says the API is slow, not unreachable, when a page keeps failing after others succeeded", async () => {
    const sim = await simulator({ fault: onPage(2, { kind: "reset" }, 100) });

    const error = await failureOf(idsOf(client(sim, { maxRetries: 3, concurrency: 1 }).fetchCalls(DAY)));

    expect(error).toBeInstanceOf(AutocallsUnavailableError);
    expect(error.message).toMatch(
      /^The Autocalls API is unavailable: page 2 failed 4 times \(last: network error: .*\) after page 1 succeeded — the API is slow or overloaded; retry later\.$/,
    );
    expect(error).toMatchObject({ answered: true, pagesDone: 1 });
  });

  it("gives up after two tries when the very first requests are refused: the address is wrong", async () => {
    const time = virtualTime();
    const baseUrl = `${await closedPortEndpoint()}/api`;

    const stream = client({ baseUrl }, { now: time.now, sleep: time.sleep });
    const error = await failureOf(idsOf(stream.fetchCalls(DAY)));

    expect(error).toBeInstanceOf(AutocallsUnavailableError);
    expect(error).toMatchObject({ attempts: 2, answered: false, pagesDone: 0 });
    expect(error.message).toMatch(/page 1 failed 2 times \(last: network error: .*ECONNREFUSED/);
  });

  it("keeps retrying a refused connection once the API has answered: an outage mid-run is transient", async () => {
    const sim = await simulator();
    // A server cannot refuse a connection and then accept again on the same port without a
    // race, so the refusals come from a fetch that stands in front of the simulator.
    let refusals = 3;
    const refusingAfterPage1: typeof fetch = (input, init) => {
      if (new URL(String(input)).searchParams.get("page") !== "1" && refusals-- > 0) {
        const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
        return Promise.reject(new TypeError("fetch failed", { cause: refused }));
      }
      return fetch(input, init);
    };
    const stream = client(sim, { fetch: refusingAfterPage1, concurrency: 1 }).fetchCalls(DAY);

    expect(await idsOf(stream)).toEqual(await idsOf(sim.callsFor(DAY)));
    expect(stream.stats.retries).toBe(3);
  });

  it("fails naming the page when a 200 body stays unreadable", async () => {
    const sim = await simulator({ fault: onPage(3, { kind: "truncate" }, 100) });

    const error = await failureOf(idsOf(client(sim).fetchCalls(DAY)));

    expect(error).toBeInstanceOf(AutocallsResponseError);
    expect(error.message).toMatch(/for page 3: truncated or invalid JSON/);
  });

  it("re-fetches when rows drift between pages and returns each call once", async () => {
    const sim = await simulator({ drift: { afterRequest: 2, insert: 7 } });
    const stream = client(sim, { concurrency: 1 }).fetchCalls(DAY);

    const ids = await idsOf(stream);

    expect(new Set(ids)).toEqual(new Set(await idsOf(sim.callsFor(DAY))));
    expect(ids).toHaveLength(52);
    expect(stream.stats).toMatchObject({
      apiTotal: 52,
      pages: 6,
      refetches: 1,
      duplicates: stream.stats.received - 52,
    });
  });
});

describe("AutocallsClient failures that retrying cannot fix", () => {
  it("fails at once on a rejected token, after one request, saying what to check", async () => {
    const sim = await simulator();

    const error = await failureOf(idsOf(client(sim, { token: "wrong-token" }).fetchCalls(DAY)));

    expect(error).toBeInstanceOf(AutocallsAuthError);
    expect(error.message).toBe(
      "The Autocalls API answered HTTP 401: the API token was rejected — check AUTOCALLS_API_TOKEN / the secret.",
    );
    expect(sim.requests).toHaveLength(1);
  });

  it("fails at once on a 422 and passes on Laravel's message", async () => {
    const sim = await simulator();

    const error = await failureOf(idsOf(client(sim).fetchCalls({ ...DAY, type: "fax" })));

    expect(error).toBeInstanceOf(AutocallsRequestError);
    expect(error.message).toMatch(/HTTP 422: The selected type is invalid\..*check the report date and the .* filters/);
    expect(sim.requests).toHaveLength(1);
  });

  it("fails at once on a 404 with a hint about the base URL", async () => {
    const sim = await simulator();

    const error = await failureOf(idsOf(client({ baseUrl: `${sim.baseUrl}/v2` }).fetchCalls(DAY)));

    expect(error).toBeInstanceOf(AutocallsRequestError);
    expect(error.message).toMatch(/HTTP 404.*check AUTOCALLS_BASE_URL/);
  });

  it("fails naming the page when a call has no id", async () => {
    const body = JSON.stringify({
      current_page: 1,
      data: [{ created_at: "2025-08-04 10:00:00" }],
      last_page: 1,
      total: 1,
    });
    const sim = await simulator({ fault: () => ({ kind: "status", status: 200, body }) });

    const error = await failureOf(idsOf(client(sim).fetchCalls(DAY)));

    expect(error).toBeInstanceOf(AutocallsResponseError);
    expect(error.message).toMatch(/for page 1: data\[0\]\.id: missing/);
    expect(sim.requests).toHaveLength(1);
  });

  it("stops every other page as soon as one fails for good", async () => {
    const sim = await simulator({
      callsPerDay: 200,
      latencyMs: 30,
      fault: onPage(2, { kind: "status", status: 403 }),
    });

    const error = await failureOf(idsOf(client(sim, { concurrency: 4 }).fetchCalls(DAY)));

    expect(error).toBeInstanceOf(AutocallsAuthError);
    expect(sim.requests.length).toBeLessThanOrEqual(5);
  });

  it("fails loudly when the count stays short after the re-fetches", async () => {
    const api = await jsonServer({ current_page: 1, data: [call(1), call(2), call(3)], last_page: 1, total: 5 });

    const stream = client(api, { maxRefetches: 2 }).fetchCalls(DAY);
    const error = await failureOf(idsOf(stream));

    expect(error).toBeInstanceOf(AutocallsIncompleteError);
    expect(error.message).toMatch(/^Received 3 unique calls but the Autocalls API reported 5 .*after 2 re-fetches/);
    expect(api.requests()).toBe(3);
  });

  it("says from what to what the total changed, never two equal numbers as if they disagreed", async () => {
    // Page 1 says 2 calls; by page 2 a third one has arrived and page 2 carries it.
    const sim = await simulator({
      fault: ({ page }) => ({
        kind: "status",
        status: 200,
        body: JSON.stringify(
          page === 1
            ? { current_page: 1, data: [call(1)], last_page: 2, total: 2 }
            : { current_page: 2, data: [call(2), call(3)], last_page: 3, total: 3 },
        ),
      }),
    });

    const error = await failureOf(idsOf(client(sim).fetchCalls(DAY)));

    expect(error).toBeInstanceOf(AutocallsIncompleteError);
    expect(error.message).toMatch(/total changed from 2 to 3 while paging .*after 2 re-fetches/);
    expect(error.message).not.toMatch(/Received 3 unique calls but the Autocalls API reported 3/);
  });
});

describe("AutocallsClient deadline and safety", () => {
  it("ends with a deadline error, and no request open, when a server hangs past the deadline", async () => {
    const timers = manualTimers();
    const deadline = Date.now() + 3_600_000;
    // The deadline is reached the moment page 3 hangs — the only timer longer than a request's 30 s.
    const sim = await simulator({
      fault: (request) => {
        if (request.page !== 3) return undefined;
        setImmediate(() => timers.fireAll((ms) => ms > 30_000));
        return { kind: "hang" };
      },
    });

    const error = await failureOf(
      idsOf(
        new AutocallsClient({ baseUrl: sim.baseUrl, token: TOKEN, perPage: PER_PAGE, timer: timers.timer }).fetchCalls(
          DAY,
          { deadline },
        ),
      ),
    );

    expect(error).toBeInstanceOf(AutocallsDeadlineError);
    expect(error.message).toMatch(/did not finish before the deadline .*\(\d of 5 pages done\)/);
    await vi.waitFor(() => expect(sim.requests.every((request) => request.endedAt > 0)).toBe(true));
  });

  it("sends no request when the deadline has already passed", async () => {
    const sim = await simulator();

    const error = await failureOf(idsOf(client(sim).fetchCalls(DAY, { deadline: Date.now() - 1 })));

    expect(error).toBeInstanceOf(AutocallsDeadlineError);
    expect(sim.requests).toHaveLength(0);
  });

  it("stops when the caller aborts", async () => {
    const sim = await simulator({ latencyMs: 50 });
    const controller = new AbortController();
    const reason = new Error("shutting down");

    const fetching = failureOf(idsOf(client(sim).fetchCalls(DAY, { signal: controller.signal })));
    controller.abort(reason);

    expect(await fetching).toBe(reason);
  });

  it("never follows next_page_url to another host", async () => {
    const elsewhere = await simulator();
    const sim = await simulator({
      fault: (request) =>
        request.page === 1
          ? {
              kind: "status",
              status: 200,
              body: JSON.stringify({
                current_page: 1,
                data: [call(1)],
                last_page: 2,
                total: 2,
                next_page_url: `${elsewhere.baseUrl}/user/calls?page=2`,
              }),
            }
          : {
              kind: "status",
              status: 200,
              body: JSON.stringify({ current_page: 2, data: [call(2)], last_page: 2, total: 2 }),
            },
    });

    expect(await idsOf(client(sim).fetchCalls(DAY))).toEqual([1, 2]);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("does not follow a redirect, which would carry the token elsewhere", async () => {
    const elsewhere = await simulator();
    const sim = await simulator({
      fault: () => ({ kind: "status", status: 302, headers: { Location: `${elsewhere.baseUrl}/user/calls` } }),
    });

    const error = await failureOf(idsOf(client(sim).fetchCalls(DAY)));

    expect(error).toBeInstanceOf(AutocallsRequestError);
    expect(error.message).toMatch(/a redirect to http:\/\/127\.0\.0\.1:\d+\/api\/user\/calls/);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("keeps the token out of every log line and error", async () => {
    const lines: unknown[] = [];
    const logger = {
      debug: (...args: unknown[]) => lines.push(args),
      info: (...args: unknown[]) => lines.push(args),
      warn: (...args: unknown[]) => lines.push(args),
    };
    const flaky = await simulator({
      fault: (request) =>
        request.n % 3 === 0
          ? { kind: "status", status: 422, body: JSON.stringify({ message: `bad ${TOKEN}` }) }
          : undefined,
    });
    const failures = [
      await failureOf(idsOf(client(flaky, { logger }).fetchCalls(DAY))),
      await failureOf(idsOf(client(flaky, { logger, token: `${TOKEN}x` }).fetchCalls(DAY))),
    ];
    const hanging = await simulator({ fault: onPage(2, { kind: "reset" }, 100) });
    failures.push(await failureOf(idsOf(client(hanging, { logger, maxRetries: 1 }).fetchCalls(DAY))));

    const everything = JSON.stringify([
      lines,
      failures.map((error) => [error.message, error.stack, String(error.cause)]),
    ]);
    expect(lines.length).toBeGreaterThan(5);
    expect(everything).not.toContain("SECRET");
  });

  it("rejects a token a header cannot carry without quoting it", () => {
    expect(() => new AutocallsClient({ baseUrl: "https://app.autocalls.ai/api", token: "tok SECRET" })).toThrow(
      /^The Autocalls API token is empty or contains spaces or non-ASCII characters/,
    );
  });
});

function call(id: number): Record<string, unknown> {
  return { id, created_at: "2025-08-04 10:00:00", total_cost: 0.01 };
}

/** A server that answers every request with the same JSON page — for counts the simulator keeps consistent. */
async function jsonServer(body: unknown): Promise<{ baseUrl: string; requests: () => number }> {
  let requests = 0;
  const server: Server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, requests: () => requests };
}
