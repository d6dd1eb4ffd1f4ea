/**
 * A simulated Autocalls API: a real HTTP server on 127.0.0.1 that answers
 * `GET {baseUrl}/user/calls` the way /work/shared/autocalls-api.md describes — bearer auth,
 * Laravel validation errors, the length-aware paginator envelope, rate limiting, drift while
 * paging, and injectable faults. The CLI's `--demo`, the integration tests and the benchmark
 * all fetch through it. Product code for the demo, never part of the Lambda: nothing under
 * lambda/ may import it (test/lib/bundle.test.ts checks the bundle).
 *
 * Without date filters it serves the 7 API dates ending at `today` (the real API would page
 * through all history); with only `date_from`, up to `today` (or `date_from` itself when it is
 * later); with only `date_to`, the 7 dates ending there. Every date holds calls — future
 * dates included — so fixed-date tests do not depend on the clock.
 *
 * Rows are in instant order. `created_at` carries no offset, so on a fall-back day the
 * repeated hour's strings repeat too, exactly the ambiguity the real API leaves to clients.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { assertTimezone, localDate, shiftDate } from "../lambda/report/window.js";
import { type DateRange, indexAt, pageOf, plan } from "./call-pages.js";
import {
  buildQuery,
  carriedQuery,
  definedOnly,
  isCalendarDate,
  lastValues,
  looseInteger,
  paginatorLinks,
  validate,
} from "./laravel.js";
import { RateWindow } from "./rate-window.js";
import type { RawCall } from "./raw-call.js";
import { applyFault, type Fault, send, sendJson } from "./responses.js";
import { SimulatedDataset } from "./simulated-calls.js";

export type { RawCall } from "./raw-call.js";
export { CALL_STATUSES, CALL_TYPES } from "./raw-call.js";
export type { Fault } from "./responses.js";
export { SIMULATED_ASSISTANTS, SIMULATED_CAMPAIGNS, simulatedClientPhoneNumber } from "./simulated-cast.js";

export interface SimulatorRequest {
  /** 1-based counter over every request the server received. */
  n: number;
  /** The `page` query parameter (1 when absent or not a number). */
  page: number;
  url: URL;
}

export interface SimulatorOptions {
  /** Accepted bearer token, default "demo-token". */
  token?: string;
  /** Default 1; the same seed and options give byte-identical responses. */
  seed?: number;
  /** Calls created on each API date, default 240. */
  callsPerDay?: number | ((apiDate: string) => number);
  /** Zone of `created_at` strings and of `date_from`/`date_to`, default "UTC". */
  apiTimezone?: string;
  /** Delay before every answer, default 0. */
  latencyMs?: number;
  /**
   * Sliding 60 s window; beyond it 429 with `Retry-After`. Every answer past authentication
   * (200, 422, 429) carries `X-RateLimit-Limit` / `X-RateLimit-Remaining` when set.
   */
  rateLimitPerMinute?: number;
  /**
   * Awaited before answering (after `latencyMs`) when it returns a promise: a test holds answers
   * until an event — e.g. until some requests are open at once — instead of a delay it hopes is long enough.
   */
  holdAnswer?: (request: SimulatorRequest) => Promise<void> | undefined;
  /** Called for every authenticated request; a fault replaces the normal answer. */
  fault?: (request: SimulatorRequest) => Fault | undefined;
  /**
   * After request `afterRequest` has been answered, `insert` new calls (new ids) appear at
   * the head of `date` — by default the newest date that request asked for — shifting the
   * rows of every later page down, as paging a live table does.
   */
  drift?: { afterRequest: number; insert: number; date?: string };
  /** The newest API date, ending the default range; default: today in `apiTimezone`. */
  today?: string;
  /** Default 0: a free port. */
  port?: number;
  /**
   * The clock of the rate window and of the request log's times, default `Date.now`: a test
   * drives the client and the simulator from one injected clock instead of waiting real minutes.
   */
  now?: () => number;
}

export interface RequestRecord {
  n: number;
  path: string;
  /** Query parameters (the last value when one is repeated). */
  query: Record<string, string>;
  authorization: string | undefined;
  /** The status answered; 0 when the request was hung up or reset without an answer. */
  status: number;
  startedAt: number;
  endedAt: number;
}

export interface Simulator {
  /** E.g. `http://127.0.0.1:54321/api`; the client appends `/user/calls`. */
  baseUrl: string;
  /** Every request, in arrival order. */
  requests: RequestRecord[];
  /** Highest number of concurrently open requests seen. */
  readonly maxInFlight: number;
  /** The newest API date (end of the default range). */
  today: string;
  /** The calls the API would page through for `query`, in page order — ground truth for assertions. */
  callsFor(query: {
    dateFrom: string;
    dateTo: string;
    assistantId?: number;
    campaignId?: number;
    type?: string;
    status?: string;
    phoneNumber?: string;
  }): AsyncIterable<RawCall>;
  /** Closes the server, destroying hung and keep-alive sockets. */
  close(): Promise<void>;
}

const API_PREFIX = "/api";
const CALLS_PATH = `${API_PREFIX}/user/calls`;
const DEFAULT_RANGE_DAYS = 7;

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const token = options.token ?? "demo-token";
  const apiTimezone = assertTimezone(options.apiTimezone ?? "UTC", "apiTimezone");
  const dataset = new SimulatedDataset({
    seed: options.seed ?? 1,
    callsPerDay: options.callsPerDay ?? 240,
    apiTimezone,
  });
  const today = options.today ?? localDate(new Date(), apiTimezone);
  if (!isCalendarDate(today)) throw new RangeError(`today "${today}" is not a calendar date — use YYYY-MM-DD.`);
  const latencyMs = options.latencyMs ?? 0;
  const now = options.now ?? Date.now;
  const rateWindow = new RateWindow(options.rateLimitPerMinute);

  const drift = options.drift;
  if (drift && (!Number.isInteger(drift.insert) || drift.insert < 0 || !Number.isInteger(drift.afterRequest))) {
    throw new RangeError(
      `drift ${JSON.stringify(drift)} needs integer afterRequest and a non-negative integer insert.`,
    );
  }

  const requests: RequestRecord[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let maxInFlight = 0;
  let closing = false;
  let origin = "";

  function rangeOf(dateFrom: string | undefined, dateTo: string | undefined): DateRange {
    if (dateFrom !== undefined && dateTo !== undefined) return { dateFrom, dateTo };
    if (dateFrom !== undefined) return { dateFrom, dateTo: dateFrom > today ? dateFrom : today };
    const end = dateTo ?? today;
    return { dateFrom: shiftDate(end, -(DEFAULT_RANGE_DAYS - 1)), dateTo: end };
  }

  /** The 200 page body for a validated request, or a 422 body. */
  function answerCalls(url: URL): { status: 200 | 422; body: string; dateTo: string | null } {
    const params = lastValues(url.searchParams);
    const validation = validate(params);
    if ("errors" in validation) {
      return { status: 422, body: JSON.stringify(validation), dateTo: null };
    }
    const { filter, perPage, page: pageNumber } = validation;
    const range = rangeOf(validation.dateFrom, validation.dateTo);
    const offset = (pageNumber - 1) * perPage;
    const { total, calls } = pageOf(dataset, range, filter, offset, perPage);
    const lastPage = Math.max(1, Math.ceil(total / perPage));
    const path = `${origin}${CALLS_PATH}`;
    const carried = carriedQuery(url.searchParams);
    const pageUrl = (n: number) => `${path}?${buildQuery([...carried, ["page", String(n)]])}`;
    const envelope = {
      current_page: pageNumber,
      data: calls,
      first_page_url: pageUrl(1),
      from: calls.length > 0 ? offset + 1 : null,
      last_page: lastPage,
      last_page_url: pageUrl(lastPage),
      links: paginatorLinks(pageNumber, lastPage, pageUrl),
      next_page_url: pageNumber < lastPage ? pageUrl(pageNumber + 1) : null,
      path,
      per_page: perPage,
      prev_page_url: pageNumber > 1 ? pageUrl(pageNumber - 1) : null,
      to: calls.length > 0 ? offset + calls.length : null,
      total,
    };
    return { status: 200, body: JSON.stringify(envelope), dateTo: range.dateTo };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, record: RequestRecord, url: URL) {
    if (latencyMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, latencyMs);
        timers.add(timer);
      });
      if (closing || res.destroyed) return;
    }
    const hold = options.holdAnswer?.({ n: record.n, page: looseInteger(url.searchParams.get("page")) ?? 1, url });
    if (hold) {
      await hold;
      if (closing || res.destroyed) return;
    }
    if (url.pathname !== CALLS_PATH) {
      sendJson(res, record, 404, { message: `The route ${url.pathname.replace(/^\//, "")} could not be found.` });
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJson(
        res,
        record,
        405,
        {
          message: `The ${req.method} method is not supported for route api/user/calls. Supported methods: GET, HEAD.`,
        },
        { Allow: "GET, HEAD" },
      );
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      sendJson(res, record, 401, { message: "Unauthenticated." });
      return;
    }
    const fault = options.fault?.({ n: record.n, page: looseInteger(url.searchParams.get("page")) ?? 1, url });
    if (fault) {
      applyFault(fault, res, record, () => answerCalls(url).body, rateWindow.headers(0));
      return;
    }
    const slot = rateWindow.take(now());
    if (slot.retryAfterSeconds !== null) {
      sendJson(
        res,
        record,
        429,
        { message: "Too Many Attempts." },
        {
          "Retry-After": String(slot.retryAfterSeconds),
          ...rateWindow.headers(0),
        },
      );
      return;
    }
    const answer = answerCalls(url);
    driftDates.set(record.n, answer.dateTo ?? today);
    send(res, record, answer.status, answer.body, rateWindow.headers(slot.remaining));
  }

  const driftDates = new Map<number, string>();
  function afterAnswered(record: RequestRecord): void {
    const date = driftDates.get(record.n);
    driftDates.delete(record.n);
    if (!drift || record.n !== drift.afterRequest) return;
    dataset.insert(drift.date ?? date ?? today, drift.insert);
  }

  const server = createServer((req, res) => {
    const n = requests.length + 1;
    const url = new URL(req.url ?? "/", origin);
    const record: RequestRecord = {
      n,
      path: url.pathname,
      query: lastValues(url.searchParams),
      authorization: req.headers.authorization,
      status: 0,
      startedAt: now(),
      endedAt: 0,
    };
    requests.push(record);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      inFlight--;
      record.endedAt = now();
      afterAnswered(record);
    };
    res.on("finish", end);
    res.on("close", end);
    handle(req, res, record, url).catch((error: unknown) => {
      // A throwing fault callback is a bug in the test that passed it: say so in the answer.
      const message = error instanceof Error ? error.message : String(error);
      sendJson(res, record, 500, { message: `Simulator error: ${message}` });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: `${origin}${API_PREFIX}`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    today,
    callsFor(query) {
      for (const [name, value] of [
        ["dateFrom", query.dateFrom],
        ["dateTo", query.dateTo],
      ] as const) {
        if (!isCalendarDate(value)) throw new RangeError(`${name} "${value}" is not a calendar date — use YYYY-MM-DD.`);
      }
      const filter = definedOnly({
        status: query.status,
        type: query.type,
        phoneNumber: query.phoneNumber,
        assistantId: query.assistantId,
        campaignId: query.campaignId,
      });
      const days = plan(dataset, { dateFrom: query.dateFrom, dateTo: query.dateTo }, filter);
      return {
        async *[Symbol.asyncIterator]() {
          for (const day of days) {
            for (let position = 0; position < day.count; position++) {
              yield dataset.call(day.date, indexAt(day, position));
            }
          }
        },
      };
    },
    async close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}
