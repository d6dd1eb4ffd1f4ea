import { afterEach, describe, expect, it } from "vitest";
import { type Simulator, type SimulatorOptions, startSimulator } from "../demo/simulator.js";
import { AutocallsClient } from "../lambda/autocalls/client.js";
import { LocalPartStore } from "../lambda/call-spool.js";
import {
  aggregatorOptions,
  DEFAULT_TUNING,
  fetchDayInParts,
  forgetPartIds,
  mergedDay,
  readDayCalls,
  singleReportTap,
} from "../lambda/day-fetch.js";
import type { FetchedPage, PagedCallsSource } from "../lambda/ports.js";
import { DayAggregator } from "../lambda/report/aggregate.js";
import type { Call } from "../lambda/report/call.js";
import { reportWindow } from "../lambda/report/window.js";
import { inProcessSteps, type StepRunner } from "../lambda/steps.js";

/**
 * The checkpointed fetch in this process, against the simulated API: parts of a few pages,
 * de-duplication and the completeness check across parts, and the waits between parts.
 */
const DATE = "2025-08-04";
const window = reportWindow(DATE, "UTC");
const aggregation = aggregatorOptions({ window, apiTimezone: "UTC", filters: {} });
const taps = singleReportTap(aggregation);
const query = { dateFrom: DATE, dateTo: DATE };

let sim: Simulator | undefined;
let parts: LocalPartStore | undefined;
afterEach(async () => {
  await sim?.close();
  await parts?.dispose();
  sim = undefined;
  parts = undefined;
});

async function setup(options: SimulatorOptions) {
  sim = await startSimulator({ token: "t", apiTimezone: "UTC", today: "2025-08-10", ...options });
  parts = new LocalPartStore();
  const calls = new AutocallsClient({ baseUrl: sim.baseUrl, token: "t", perPage: 10, concurrency: 3 });
  return { sim, parts, calls };
}

/** Steps that record their names, so a test sees the parts and waits it took. */
function recordingSteps(): StepRunner & { names: string[]; waits: number[] } {
  const inner = inProcessSteps({ sleep: async () => {} });
  const names: string[] = [];
  const waits: number[] = [];
  return {
    names,
    waits,
    step: (name, fn, options) => {
      names.push(name);
      return inner.step(name, fn, options);
    },
    wait: async (name, seconds) => {
      names.push(name);
      waits.push(seconds);
    },
    child: (name, fn) => inner.child(name, fn),
  };
}

/** The client's pages as `change` makes them: what an API that changes under the fetch would send. */
function withPages(calls: PagedCallsSource, change: (page: FetchedPage) => FetchedPage): PagedCallsSource {
  return {
    fetchPages: (...args) => {
      const stream = calls.fetchPages(...args);
      return {
        get stats() {
          return stream.stats;
        },
        get stopped() {
          return stream.stopped;
        },
        pacerSnapshot: () => stream.pacerSnapshot(),
        async *[Symbol.asyncIterator]() {
          for await (const page of stream) yield change(page);
        },
      };
    },
  };
}

async function collect(iterable: AsyncIterable<Call>) {
  const out: Call[] = [];
  for await (const call of iterable) out.push(call);
  return out;
}

describe("fetchDayInParts", () => {
  it("fetches a day in parts of at most maxPagesPerPart pages, each page once, and merges to the one-pass aggregate", async () => {
    const { sim, parts, calls } = await setup({ callsPerDay: 95 });
    const steps = recordingSteps();

    const fetched = await fetchDayInParts(
      steps,
      { runId: "run-1" },
      query,
      taps,
      { date: DATE, includeTranscripts: true },
      { calls, parts },
      { ...DEFAULT_TUNING, maxPagesPerPart: 3 },
    );

    // 95 calls at 10 a page are 10 pages: parts of 3, 3, 3 and 1.
    expect(steps.names).toEqual(["fetch part 1", "fetch part 2", "fetch part 3", "fetch part 4"]);
    expect(fetched).toMatchObject({ parts: 4, calls: 95, stats: { pages: 10, apiTotal: 95, duplicates: 0 } });
    expect(sim.requests.map((request) => Number(request.query.page)).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);

    const expected: number[] = [];
    for await (const raw of sim.callsFor(query)) expected.push(raw.id);
    expect((await collect(readDayCalls(parts, fetched))).map((call) => call.id)).toEqual(expected);

    const onePass = new DayAggregator(aggregation);
    for (const call of await collect(readDayCalls(parts, fetched))) onePass.add(call);
    const input = { fetch: fetched.stats, generatedAt: new Date(0), previousDay: null, sameWeekdayLastWeek: null };
    expect((await mergedDay(parts, fetched, aggregation)).finish(input)).toEqual(onePass.finish(input));
  });

  it.each([
    ["in one process", false],
    ["with every part in a new process (ids read back from the manifests)", true],
  ])("de-duplicates across parts and reads the day again when rows drift between parts, %s", async (_, fresh) => {
    // After the 4th request 7 new calls appear at the head: later pages shift, repeating rows
    // of earlier parts and stating a new total.
    const { sim, parts, calls } = await setup({ callsPerDay: 60, drift: { afterRequest: 4, insert: 7 } });
    const recording = recordingSteps();
    const steps: StepRunner = {
      ...recording,
      step: (name, fn, options) => {
        if (fresh) forgetPartIds();
        return recording.step(name, fn, options);
      },
    };

    const fetched = await fetchDayInParts(
      steps,
      { runId: "run-2" },
      query,
      taps,
      { date: DATE, includeTranscripts: true },
      { calls, parts },
      { ...DEFAULT_TUNING, maxPagesPerPart: 2 },
    );

    const truth: number[] = [];
    for await (const raw of sim.callsFor(query)) truth.push(raw.id);
    expect(truth).toHaveLength(67);
    const stored = (await collect(readDayCalls(parts, fetched))).map((call) => call.id);
    expect(new Set(stored).size).toBe(stored.length);
    expect([...stored].sort((a, b) => a - b)).toEqual([...truth].sort((a, b) => a - b));
    expect(fetched.stats.refetches).toBe(1);
    expect(fetched.stats.duplicates).toBeGreaterThan(0);
    expect(fetched.stats.apiTotal).toBe(67);
  });

  it("ends a pass as soon as the API's last page shrinks, instead of a step per page it no longer has", async () => {
    // 100 calls, 10 pages; after page 3 the API says there are 4 calls and 1 page (rows deleted).
    const { parts, calls } = await setup({ callsPerDay: 100 });
    let shrunk = false;
    const shrinking = withPages(calls, (page) => {
      if (page.page > 3) shrunk = true;
      return shrunk ? { ...page, total: 4, lastPage: 1, calls: [] } : page;
    });
    const steps = recordingSteps();

    await expect(
      fetchDayInParts(
        steps,
        { runId: "run-shrink" },
        query,
        taps,
        { date: DATE, includeTranscripts: true },
        { calls: shrinking, parts },
        { ...DEFAULT_TUNING, maxPagesPerPart: 2, maxRefetches: 0 },
      ),
    ).rejects.toThrow(/total changed from 100 to 4 while paging/);
    // Parts 1–2 hold pages 1–4; the part that saw the change ends the pass.
    expect(steps.names).toEqual(["fetch part 1", "fetch part 2"]);
  });

  it("fails loudly, storing nothing for the report, when the day never adds up", async () => {
    // New calls keep appearing after every few requests: no pass can agree with itself.
    const { parts, calls } = await setup({ callsPerDay: 40 });
    let requests = 0;
    const drifting = withPages(calls, (page) => {
      requests += 1;
      // Every page after the first of a pass claims one more call than page 1 did.
      return page.page === 1 ? page : { ...page, total: page.total + requests };
    });

    await expect(
      fetchDayInParts(
        recordingSteps(),
        { runId: "run-3" },
        query,
        taps,
        { date: DATE, includeTranscripts: true },
        { calls: drifting, parts },
        { ...DEFAULT_TUNING, maxPagesPerPart: 2 },
      ),
    ).rejects.toThrow(/total changed from 40 to \d+ while paging .* after 2 re-fetches/);
  });

  it.each([
    [100, ["fetch part 1", "rate limit pause 1", "fetch part 2", "rate limit pause 2", "fetch part 3"]],
    // Parts that end with the budget just spent: only the carried rate-limit state tells the
    // next part to wait before its first request.
    [
      4,
      [
        "fetch part 1",
        "fetch part 2",
        "rate limit pause 1",
        "fetch part 3",
        "fetch part 4",
        "rate limit pause 2",
        "fetch part 5",
      ],
    ],
  ])(
    "waits out the rate limit between parts of at most %i pages, never provoking a 429, each page once",
    async (maxPagesPerPart, expectedSteps) => {
      // One virtual clock for the simulated API's rate window, the client and the waits.
      let now = Date.parse("2025-08-05T06:00:00Z");
      const clock = () => now;
      sim = await startSimulator({
        token: "t",
        apiTimezone: "UTC",
        today: "2025-08-10",
        callsPerDay: 100,
        rateLimitPerMinute: 4,
        now: clock,
      });
      parts = new LocalPartStore();
      const calls = new AutocallsClient({
        baseUrl: sim.baseUrl,
        token: "t",
        perPage: 10,
        concurrency: 1,
        now: clock,
        sleep: async (ms) => {
          now += ms;
        },
      });
      const steps = recordingSteps();
      const waitFor = steps.wait;
      steps.wait = async (name, seconds) => {
        await waitFor(name, seconds);
        now += seconds * 1000;
      };

      const fetched = await fetchDayInParts(
        steps,
        { runId: "run-4" },
        query,
        taps,
        { date: DATE, includeTranscripts: true },
        { calls, parts, now: clock },
        { ...DEFAULT_TUNING, maxPagesPerPart },
      );

      // 10 pages at 4 a minute: 4, wait, 4, wait, 2 — each wait until the window frees.
      expect(steps.names).toEqual(expectedSteps);
      expect(steps.waits).toHaveLength(2);
      for (const seconds of steps.waits) expect(seconds).toBeGreaterThanOrEqual(59);
      expect(fetched).toMatchObject({ calls: 100, pauses: 2 });
      expect(sim.requests.filter((request) => request.status === 429)).toEqual([]);
      expect(sim.requests.map((request) => Number(request.query.page))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    },
  );
});
