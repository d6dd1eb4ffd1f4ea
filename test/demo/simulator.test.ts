import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RawCall,
  SIMULATED_ASSISTANTS,
  SIMULATED_CAMPAIGNS,
  type Simulator,
  type SimulatorOptions,
  simulatedClientPhoneNumber,
  startSimulator,
} from "../../demo/simulator.js";

const TOKEN = "demo-token";
const TODAY = "2025-08-04";

// The example page of the API reference, as the conformance checks compare against it: the
// envelope's keys and one call's fields and their types.
const REFERENCE_PAGE = JSON.parse(readFileSync(new URL("../fixtures/calls-page.json", import.meta.url), "utf8")) as {
  data: Record<string, unknown>[];
};
const REFERENCE_ENVELOPE_KEYS = Object.keys(REFERENCE_PAGE).sort();
const REFERENCE_CALL = REFERENCE_PAGE.data[0] as Record<string, unknown>;
/** Fields the reference documents as "or null". */
const NULLABLE_FIELDS = new Set(["campaign_name", "transcript", "evaluation", "webhook_response", "recording_url"]);

interface Page {
  current_page: number;
  data: RawCall[];
  first_page_url: string;
  from: number | null;
  last_page: number;
  last_page_url: string;
  links: { url: string | null; label: string; active: boolean }[];
  next_page_url: string | null;
  path: string;
  per_page: number;
  prev_page_url: string | null;
  to: number | null;
  total: number;
}

type Query = Record<string, string | number>;

function callsUrl(sim: Simulator, query: Query = {}): string {
  const search = new URLSearchParams(
    Object.entries(query).map(([name, value]): [string, string] => [name, String(value)]),
  );
  return `${sim.baseUrl}/user/calls?${search}`;
}

function getCalls(sim: Simulator, query: Query = {}, init: RequestInit = {}): Promise<Response> {
  return fetch(callsUrl(sim, query), { headers: { Authorization: `Bearer ${TOKEN}` }, ...init });
}

async function getPage(sim: Simulator, query: Query = {}): Promise<Page> {
  const response = await getCalls(sim, query);
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
}

/** Every page of a query, following `last_page` as a client would. */
async function fetchAllPages(sim: Simulator, query: Query): Promise<RawCall[]> {
  const first = await getPage(sim, { ...query, page: 1 });
  const calls = [...first.data];
  for (let page = 2; page <= first.last_page; page++) calls.push(...(await getPage(sim, { ...query, page })).data);
  return calls;
}

async function groundTruth(sim: Simulator, query: Parameters<Simulator["callsFor"]>[0]): Promise<RawCall[]> {
  const calls: RawCall[] = [];
  for await (const call of sim.callsFor(query)) calls.push(call);
  return calls;
}

async function withSimulator<T>(options: SimulatorOptions, use: (sim: Simulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ today: TODAY, ...options });
  try {
    return await use(sim);
  } finally {
    await sim.close();
  }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

const ONE_DAY = { date_from: TODAY, date_to: TODAY };

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ today: TODAY, callsPerDay: 120 });
});
afterAll(async () => {
  await sim.close();
});

describe("the paginator envelope", () => {
  it("has exactly the keys of Laravel's length-aware paginator", async () => {
    const page = await getPage(sim, ONE_DAY);

    expect(Object.keys(page).sort()).toEqual([...REFERENCE_ENVELOPE_KEYS].sort());
  });

  it("serves every field of the reference call with the reference's JSON type", async () => {
    const page = await getPage(sim, { ...ONE_DAY, per_page: 100 });

    for (const call of page.data) {
      for (const [field, example] of Object.entries(REFERENCE_CALL)) {
        const allowed = NULLABLE_FIELDS.has(field) ? [jsonType(example), "null"] : [jsonType(example)];
        expect(allowed, `${field} of call ${call.id}`).toContain(jsonType(call[field]));
      }
    }
  });

  it("defaults to 15 calls per page", async () => {
    const page = await getPage(sim, ONE_DAY);

    expect(page).toMatchObject({ current_page: 1, per_page: 15, from: 1, to: 15, total: 120, last_page: 8 });
    expect(page.data).toHaveLength(15);
  });

  it("lists « Previous, every page and Next » in links, marking the current page active", async () => {
    const page = await getPage(sim, { ...ONE_DAY, per_page: 30, page: 2 });

    expect(page.links.map((link) => [link.label, link.active])).toEqual([
      ["« Previous", false],
      ["1", false],
      ["2", true],
      ["3", false],
      ["4", false],
      ["Next »", false],
    ]);
    expect(page.links[0]?.url).toBe(page.prev_page_url);
    expect(page.links.at(-1)?.url).toBe(page.next_page_url);
  });

  it("collapses links into a slider with '...' gaps from 14 pages on, as Laravel's UrlWindow does", async () => {
    const page = await getPage(sim, { ...ONE_DAY, per_page: 6, page: 10 });

    expect(page.last_page).toBe(20);
    expect(page.links.map((link) => link.label)).toEqual([
      "« Previous",
      "1",
      "2",
      "...",
      "7",
      "8",
      "9",
      "10",
      "11",
      "12",
      "13",
      "...",
      "19",
      "20",
      "Next »",
    ]);
  });

  it("builds page URLs on the server's own origin, carrying the other query parameters", async () => {
    const page = await getPage(sim, { ...ONE_DAY, type: "outbound", per_page: 10, page: 2 });
    const expected = (n: number) =>
      `${sim.baseUrl}/user/calls?date_from=${TODAY}&date_to=${TODAY}&type=outbound&per_page=10&page=${n}`;

    expect(page.path).toBe(`${sim.baseUrl}/user/calls`);
    expect(page.first_page_url).toBe(expected(1));
    expect(page.prev_page_url).toBe(expected(1));
    expect(page.next_page_url).toBe(expected(3));
    expect(page.last_page_url).toBe(expected(page.last_page));
  });

  it("ends with next_page_url null on the last page", async () => {
    const page = await getPage(sim, { ...ONE_DAY, per_page: 100, page: 2 });

    expect(page).toMatchObject({ current_page: 2, last_page: 2, from: 101, to: 120, next_page_url: null });
  });

  it("answers a page past the end with empty data and null from/to", async () => {
    const page = await getPage(sim, { ...ONE_DAY, per_page: 100, page: 9 });

    expect(page).toMatchObject({ current_page: 9, data: [], from: null, to: null, total: 120, next_page_url: null });
  });
});

describe("pagination", () => {
  it("covers every call of a date range exactly once with per_page 100", async () => {
    const range = { date_from: "2025-08-03", date_to: TODAY };

    const calls = await fetchAllPages(sim, { ...range, per_page: 100 });

    const truth = await groundTruth(sim, { dateFrom: "2025-08-03", dateTo: TODAY });
    expect(calls.map((call) => call.id)).toEqual(truth.map((call) => call.id));
    expect(new Set(calls.map((call) => call.id)).size).toBe(240);
  });

  it("covers every call exactly once with per_page 7, whose pages straddle the date boundary", async () => {
    const calls = await fetchAllPages(sim, { date_from: "2025-08-03", date_to: TODAY, per_page: 7 });

    expect(calls).toHaveLength(240);
    expect(new Set(calls.map((call) => call.id)).size).toBe(240);
  });

  it("orders calls newest first: created_at descending, then id descending", async () => {
    const calls = await fetchAllPages(sim, { date_from: "2025-08-03", date_to: TODAY, per_page: 100 });

    for (let i = 1; i < calls.length; i++) {
      const [newer, older] = [calls[i - 1] as RawCall, calls[i] as RawCall];
      expect(newer.created_at >= older.created_at).toBe(true);
      if (newer.created_at === older.created_at) expect(newer.id).toBeGreaterThan(older.id);
    }
  });

  it("serves the 7 API dates ending at today when no dates are given", async () => {
    const page = await getPage(sim, { per_page: 100 });
    const oldest = await getPage(sim, { per_page: 100, page: page.last_page });

    expect(page.total).toBe(7 * 120);
    expect(page.data[0]?.created_at.slice(0, 10)).toBe(TODAY);
    expect(oldest.data.at(-1)?.created_at.slice(0, 10)).toBe("2025-07-29");
  });
});

describe("filters", () => {
  const assistant = SIMULATED_ASSISTANTS[1];
  const campaign = SIMULATED_CAMPAIGNS[0];
  const cases: [string, Query, (call: RawCall) => boolean][] = [
    ["status", { status: "completed" }, (call) => call.status === "completed"],
    ["type", { type: "inbound" }, (call) => call.type === "inbound"],
    ["assistant_id", { assistant_id: assistant?.id ?? 0 }, (call) => call.assistant_name === assistant?.name],
    ["campaign_id", { campaign_id: campaign?.id ?? 0 }, (call) => call.campaign_name === campaign?.name],
  ];

  it.each(cases)("%s returns exactly the matching calls of the range", async (_name, filter, isMatch) => {
    const all = await groundTruth(sim, { dateFrom: "2025-08-03", dateTo: TODAY });

    const calls = await fetchAllPages(sim, { date_from: "2025-08-03", date_to: TODAY, per_page: 100, ...filter });

    const expected = all.filter(isMatch).map((call) => call.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
    expect(calls.map((call) => call.id)).toEqual(expected);
  });

  it("phone_number returns the calls of that client number only", async () => {
    const repeated = await withSimulator({ callsPerDay: 3000 }, async (busy) => {
      const truth = await groundTruth(busy, { dateFrom: TODAY, dateTo: TODAY });
      const counts = new Map<string, number>();
      for (const call of truth) counts.set(call.client_phone_number, (counts.get(call.client_phone_number) ?? 0) + 1);
      const [number, count] = [...counts].sort((a, b) => b[1] - a[1])[0] as [string, number];
      const calls = await fetchAllPages(busy, { ...ONE_DAY, phone_number: number, per_page: 100 });
      return { number, count, calls };
    });

    expect(repeated.count).toBeGreaterThan(1);
    expect(repeated.calls).toHaveLength(repeated.count);
    expect(repeated.calls.every((call) => call.client_phone_number === repeated.number)).toBe(true);
  });

  it("derives client numbers in E.164 from the seed", () => {
    expect(simulatedClientPhoneNumber(1, 0)).toMatch(/^\+[1-9]\d{7,14}$/);
  });

  it("keeps created_at inside the requested dates, inclusive at both ends", async () => {
    const calls = await fetchAllPages(sim, { date_from: "2025-07-30", date_to: "2025-07-31", per_page: 100 });

    expect(new Set(calls.map((call) => call.created_at.slice(0, 10)))).toEqual(new Set(["2025-07-30", "2025-07-31"]));
  });

  it("writes created_at as wall-clock time in apiTimezone, skipping the hour a spring-forward day lacks", async () => {
    const calls = await withSimulator({ apiTimezone: "America/New_York", callsPerDay: 20_000 }, (ny) =>
      groundTruth(ny, { dateFrom: "2025-03-09", dateTo: "2025-03-09" }),
    );

    const hours = new Set(calls.map((call) => call.created_at.slice(11, 13)));
    expect(calls.every((call) => call.created_at.startsWith("2025-03-09 "))).toBe(true);
    expect(hours.has("01")).toBe(true);
    expect(hours.has("02")).toBe(false);
    expect(hours.has("03")).toBe(true);
  });
});

describe("authentication and routing", () => {
  it("answers 401 Unauthenticated. without a bearer token", async () => {
    const response = await fetch(callsUrl(sim));

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: "Unauthenticated." });
  });

  it("answers 401 for a wrong token", async () => {
    const response = await fetch(callsUrl(sim), { headers: { Authorization: "Bearer not-the-token" } });

    expect(response.status).toBe(401);
  });

  it("answers 404 JSON for any other path", async () => {
    const response = await fetch(`${sim.baseUrl}/user/call`, { headers: { Authorization: `Bearer ${TOKEN}` } });

    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/json");
  });

  it("answers 405 for methods other than GET", async () => {
    const response = await getCalls(sim, {}, { method: "POST" });

    expect(response.status).toBe(405);
  });
});

describe("validation (422, Laravel's shape)", () => {
  it("rejects per_page 101 with Laravel's message", async () => {
    const response = await getCalls(sim, { per_page: 101 });

    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      message: "The per page field must not be greater than 100.",
      errors: { per_page: ["The per page field must not be greater than 100."] },
    });
  });

  it("rejects a date that is not on the calendar", async () => {
    const response = await getCalls(sim, { date_from: "2025-02-30" });

    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ errors: { date_from: [expect.stringContaining("Y-m-d")] } });
  });

  it("rejects date_from after date_to", async () => {
    const response = await getCalls(sim, { date_from: TODAY, date_to: "2025-08-01" });

    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ errors: { date_to: [expect.any(String)] } });
  });

  it.each([
    ["status", "finished"],
    ["type", "sms"],
    ["assistant_id", "abc"],
    ["campaign_id", "1.5"],
    ["page", "0"],
  ])("names %s when its value %s is invalid", async (field, value) => {
    const response = await getCalls(sim, { [field]: value });

    expect(response.status).toBe(422);
    expect(Object.keys(((await response.json()) as { errors: object }).errors)).toEqual([field]);
  });
});

describe("the dataset", () => {
  let day: RawCall[];
  beforeAll(async () => {
    day = await withSimulator({ callsPerDay: 2000 }, (big) => groundTruth(big, { dateFrom: TODAY, dateTo: TODAY }));
  });

  it("gives the same seed and options byte-identical responses", async () => {
    const bodies = await Promise.all(
      [1, 2].map(() =>
        withSimulator({ seed: 7 }, async (twin) => {
          const text = await (await getCalls(twin, { per_page: 50, page: 3 })).text();
          return text.replaceAll(twin.baseUrl, "BASE");
        }),
      ),
    );

    expect(bodies[0]).toBe(bodies[1]);
  });

  it("gives another seed other calls", async () => {
    const [first, second] = await Promise.all(
      [1, 2].map((seed) => withSimulator({ seed }, async (other) => (await getPage(other, ONE_DAY)).data)),
    );

    expect(first).not.toEqual(second);
  });

  it("keeps ids unique across dates", async () => {
    const calls = await fetchAllPages(sim, { per_page: 100 });

    expect(new Set(calls.map((call) => call.id)).size).toBe(calls.length);
  });

  it("gives calls that never connected zero duration, zero cost and no transcript or evaluation", () => {
    const unconnected = day.filter((call) =>
      ["busy", "no-answer", "failed", "initiated", "ringing"].includes(call.status),
    );

    expect(unconnected.length).toBeGreaterThan(0);
    for (const call of unconnected) {
      expect(call).toMatchObject({ duration: 0, transcript: null, evaluation: null, total_cost: 0 });
    }
  });

  it("mixes statuses, answered_by values and types, mostly completed outbound calls by humans", () => {
    const share = (pick: (call: RawCall) => boolean) => day.filter(pick).length / day.length;

    expect(share((call) => call.type === "outbound")).toBeGreaterThan(0.5);
    expect(share((call) => call.status === "completed")).toBeGreaterThan(0.4);
    expect(share((call) => call.answered_by === "human")).toBeGreaterThan(0.5);
    expect(new Set(day.map((call) => call.status)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(day.map((call) => call.answered_by))).toEqual(new Set(["human", "machine", "unknown"]));
    expect(new Set(day.map((call) => call.assistant_name)).size).toBe(SIMULATED_ASSISTANTS.length);
  });

  it("never charges a total below the carrier cost", () => {
    expect(day.every((call) => call.total_cost >= call.carrier_cost)).toBe(true);
    expect(day.some((call) => call.carrier_cost > 0)).toBe(true);
  });

  it("scores evaluations from 0 to 10 with one decimal, occasionally with extra keys", () => {
    const evaluations = day.flatMap((call) => (call.evaluation ? [call.evaluation] : []));

    for (const evaluation of evaluations) {
      const score = evaluation.score as number;
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(10);
      expect(Math.round(score * 10) / 10).toBe(score);
    }
    expect(evaluations.some((evaluation) => "summary" in evaluation)).toBe(true);
  });

  it("updates every call at or after its creation", () => {
    expect(day.every((call) => call.updated_at >= call.created_at)).toBe(true);
  });

  it("writes transcripts of realistic length, from hundreds to thousands of characters", () => {
    const lengths = day.flatMap((call) => (call.transcript ? [call.transcript.length] : [])).sort((a, b) => a - b);

    expect(lengths[Math.floor(lengths.length / 2)]).toBeGreaterThan(300);
    expect(lengths.at(-1)).toBeGreaterThan(5000);
  });

  it("gives each assistant its own variable keys", () => {
    const keysOf = (name: string) =>
      new Set(day.filter((call) => call.assistant_name === name).flatMap((call) => Object.keys(call.variables)));

    expect(keysOf("Appointment Scheduler").has("appointment_date")).toBe(true);
    expect(keysOf("Sales Assistant").has("appointment_date")).toBe(false);
  });

  it("includes a few hostile values: formula-like customer names and script tags in transcripts", async () => {
    const week = await withSimulator({ callsPerDay: 2000 }, (big) =>
      groundTruth(big, { dateFrom: "2025-07-31", dateTo: TODAY }),
    );

    const formulas = week.filter((call) => /^[=+\-@]/.test(String(call.variables.customer_name ?? "")));
    const scripts = week.filter((call) => call.transcript?.includes("<script>"));
    expect(formulas.length).toBeGreaterThan(0);
    expect(formulas.length).toBeLessThan(week.length / 100);
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.length).toBeLessThan(week.length / 100);
  });

  it("serves page 1 of a million-call day without materialising the day", async () => {
    const heapBefore = process.memoryUsage().heapUsed;

    const page = await withSimulator({ callsPerDay: 1_000_000 }, (huge) =>
      getPage(huge, { ...ONE_DAY, per_page: 100 }),
    );

    // A materialised day of transcripts would take gigabytes.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
    expect(page).toMatchObject({ total: 1_000_000, last_page: 10_000 });
    expect(page.data).toHaveLength(100);
  });
});

describe("faults", () => {
  it("answers a status fault with its status, body and headers", async () => {
    const status = await withSimulator(
      { fault: () => ({ kind: "status", status: 503, body: '{"message":"down"}', headers: { "Retry-After": "2" } }) },
      async (faulty) => {
        const response = await getCalls(faulty);
        return { code: response.status, retryAfter: response.headers.get("retry-after"), body: await response.text() };
      },
    );

    expect(status).toEqual({ code: 503, retryAfter: "2", body: '{"message":"down"}' });
  });

  it("answers an html fault with a proxy's HTML error page, 502 by default", async () => {
    const answer = await withSimulator({ fault: () => ({ kind: "html" }) }, async (faulty) => {
      const response = await getCalls(faulty);
      return { code: response.status, type: response.headers.get("content-type"), body: await response.text() };
    });

    expect(answer.code).toBe(502);
    expect(answer.type).toBe("text/html");
    expect(answer.body).toContain("<html>");
  });

  it("answers a rateLimit fault with 429 and Retry-After only when one is given", async () => {
    const answers = await withSimulator(
      { fault: ({ n }) => ({ kind: "rateLimit", ...(n === 1 ? { retryAfterSeconds: 3 } : {}) }) },
      async (faulty) => {
        const first = await getCalls(faulty);
        const second = await getCalls(faulty);
        return [first, second].map((response) => [response.status, response.headers.get("retry-after")]);
      },
    );

    expect(answers).toEqual([
      [429, "3"],
      [429, null],
    ]);
  });

  it("hangs on a hang fault until the client aborts", async () => {
    await withSimulator({ fault: () => ({ kind: "hang" }) }, async (faulty) => {
      const controller = new AbortController();
      const pending = getCalls(faulty, {}, { signal: controller.signal });
      await until(() => faulty.requests.length === 1);

      controller.abort();

      await expect(pending).rejects.toThrow(/abort/i);
      await until(() => faulty.requests[0]?.endedAt !== 0);
      expect(faulty.requests[0]?.status).toBe(0);
    });
  });

  it("cuts a truncate fault's JSON body in half, so that it does not parse", async () => {
    const answer = await withSimulator({ fault: () => ({ kind: "truncate" }) }, async (faulty) => {
      const response = await getCalls(faulty, ONE_DAY);
      return { code: response.status, type: response.headers.get("content-type"), body: await response.text() };
    });

    expect(answer.code).toBe(200);
    expect(answer.type).toBe("application/json");
    expect(answer.body.startsWith('{"current_page":1')).toBe(true);
    expect(() => JSON.parse(answer.body)).toThrow();
  });

  it("drops the connection halfway through a midStream truncate fault", async () => {
    await withSimulator({ fault: () => ({ kind: "truncate", midStream: true }) }, async (faulty) => {
      const response = await getCalls(faulty, ONE_DAY);

      await expect(response.text()).rejects.toThrow();
    });
  });

  it("resets the connection on a reset fault", async () => {
    await withSimulator({ fault: () => ({ kind: "reset" }) }, async (faulty) => {
      await expect(getCalls(faulty)).rejects.toThrow(/fetch failed/);
    });
  });

  it("asks for faults only on authenticated requests, passing the request number and page", async () => {
    const seen: { n: number; page: number }[] = [];
    await withSimulator(
      {
        fault: ({ n, page }) => {
          seen.push({ n, page });
          return undefined;
        },
      },
      async (faulty) => {
        await fetch(callsUrl(faulty));
        await getCalls(faulty, { page: 4 });
      },
    );

    expect(seen).toEqual([{ n: 2, page: 4 }]);
  });
});

describe("rate limiting", () => {
  it("counts down X-RateLimit-Remaining, then answers 429 Too Many Attempts. with Retry-After", async () => {
    const answers = await withSimulator({ rateLimitPerMinute: 2 }, async (limited) => {
      const responses = [];
      for (let i = 0; i < 3; i++) responses.push(await getCalls(limited));
      return Promise.all(
        responses.map(async (response) => ({
          status: response.status,
          limit: response.headers.get("x-ratelimit-limit"),
          remaining: response.headers.get("x-ratelimit-remaining"),
          retryAfter: response.headers.get("retry-after"),
          body: response.status === 429 ? await response.json() : null,
        })),
      );
    });

    expect(answers.map(({ status, limit, remaining }) => [status, limit, remaining])).toEqual([
      [200, "2", "1"],
      [200, "2", "0"],
      [429, "2", "0"],
    ]);
    expect(answers[2]?.body).toEqual({ message: "Too Many Attempts." });
    expect(Number(answers[2]?.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(answers[2]?.retryAfter)).toBeLessThanOrEqual(60);
  });
});

describe("an injected clock", () => {
  it("frees the rate window when the clock says a minute has passed, and stamps the request log with it", async () => {
    let nowMs = Date.UTC(2025, 7, 4, 9, 0, 0);
    const statuses = await withSimulator({ rateLimitPerMinute: 1, now: () => nowMs }, async (clocked) => {
      const seen = [(await getCalls(clocked)).status, (await getCalls(clocked)).status];
      nowMs += 60_000;
      seen.push((await getCalls(clocked)).status);
      expect(clocked.requests.map((request) => request.endedAt - Date.UTC(2025, 7, 4, 9, 0, 0))).toEqual([
        0, 0, 60_000,
      ]);
      return seen;
    });

    expect(statuses).toEqual([200, 429, 200]);
  });
});

describe("drift", () => {
  it("inserts new calls at the head after the given request, repeating rows on the next page", async () => {
    const { first, second } = await withSimulator({ drift: { afterRequest: 1, insert: 3 } }, async (live) => {
      const first = await getPage(live, { ...ONE_DAY, per_page: 10, page: 1 });
      const second = await getPage(live, { ...ONE_DAY, per_page: 10, page: 2 });
      return { first, second };
    });

    expect(second.total).toBe(first.total + 3);
    expect(second.data.slice(0, 3).map((call) => call.id)).toEqual(first.data.slice(-3).map((call) => call.id));
  });
});

describe("bookkeeping", () => {
  it("records every request with its query, authorization and status", async () => {
    const records = await withSimulator({}, async (watched) => {
      await fetch(callsUrl(watched, { per_page: 5 }));
      await getCalls(watched, { per_page: 5 });
      return watched.requests;
    });

    expect(
      records.map(({ n, path, query, authorization, status }) => ({ n, path, query, authorization, status })),
    ).toEqual([
      { n: 1, path: "/api/user/calls", query: { per_page: "5" }, authorization: undefined, status: 401 },
      { n: 2, path: "/api/user/calls", query: { per_page: "5" }, authorization: `Bearer ${TOKEN}`, status: 200 },
    ]);
  });

  it("reports the highest number of requests open at once", async () => {
    await withSimulator({ fault: () => ({ kind: "hang" }) }, async (stuck) => {
      const controller = new AbortController();
      const pending = [1, 2, 3].map((page) =>
        getCalls(stuck, { page }, { signal: controller.signal }).catch(() => null),
      );
      await until(() => stuck.requests.length === 3);

      expect(stuck.maxInFlight).toBe(3);

      controller.abort();
      await Promise.all(pending);
    });
  });

  it("closes while a request hangs, failing that request", async () => {
    const hung = await startSimulator({ fault: () => ({ kind: "hang" }) });
    const pending = getCalls(hung);
    await until(() => hung.requests.length === 1);

    await hung.close();

    await expect(pending).rejects.toThrow();
  });
});
